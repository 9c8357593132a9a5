import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { AiRoot } from '../../primitives/ai-root.js';
import { AiProvider } from '../../react/ai-provider.js';
import { GenerationProgress } from './generation-progress.js';
import { imageFileName } from './image-file.js';
import { ImageGallery, ImageGalleryItem } from './image-gallery.js';
import { ImageGenerator, type ImageGeneratorProps } from './image-generator.js';

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  harness.emulator.clearRules();
  vi.useRealTimers();
});

function Gateway({ children }: { children: ReactNode }) {
  return (
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={globalThis.fetch}>
      {children}
    </AiProvider>
  );
}

function renderGenerator(props: ImageGeneratorProps = {}) {
  const user = userEvent.setup();
  const view = render(
    <Gateway>
      <ImageGenerator {...props} />
    </Gateway>,
  );
  const prompt = screen.getByRole('textbox', { name: 'Prompt' }) as HTMLTextAreaElement;
  const generate = async (text: string) => {
    await user.clear(prompt);
    await user.type(prompt, text);
    await user.click(screen.getByRole('button', { name: 'Generate' }));
  };
  return { user, view, prompt, generate };
}

/** A segment of one of the options' segmented controls. */
const choice = (group: string, name: string) => within(screen.getByRole('radiogroup', { name: group })).getByRole('radio', { name });

const runningImage = (text: string) => harness.emulator.generations({ kind: 'images', status: 'running' }).find((probe) => JSON.stringify(probe.request).includes(text));

async function expectNoAxeViolations(container: Element) {
  // jsdom lays nothing out, so contrast is checked in the browser tests; `region` is about whole pages.
  const results = await axe.run(container, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

describe('ImageGenerator', () => {
  it('generates two images with the options chosen: each with a download link (data: URL, file name) and a copy button', async () => {
    const onGenerationEnd = vi.fn();
    const { user, view, prompt } = renderGenerator({ feature: 'image', onGenerationEnd });
    expect(view.container.firstElementChild?.getAttribute('data-state')).toBe('idle');
    expect(screen.getByText('Describe an image, then press Generate.')).toBeTruthy();
    await expectNoAxeViolations(view.container);

    await user.type(prompt, 'A lighthouse at dusk');
    await user.click(choice('Images', '2'));
    await user.click(choice('Size', '1536 × 1024 (landscape)'));
    await user.click(choice('Quality', 'HD'));
    await user.click(choice('Style', 'Natural'));
    await user.click(screen.getByRole('button', { name: 'Generate' }));

    // One placeholder per image asked for, in the shape of the size, hidden from screen readers.
    const placeholders = view.container.querySelectorAll<HTMLElement>('.ia-image-placeholder');
    expect(placeholders).toHaveLength(2);
    expect(placeholders[0]!.style.aspectRatio).toBe('1536 / 1024');
    expect(placeholders[0]!.closest('[aria-hidden="true"]')).toBeTruthy();

    const progress = screen.getByRole('progressbar', { name: 'Generating images' });
    expect(progress.getAttribute('aria-valuetext')).toMatch(/^Generating… \d+ s$/);
    expect(screen.getByRole('status').textContent).toBe('Generating images…');
    expect(view.container.firstElementChild?.getAttribute('data-state')).toBe('generating');

    const gallery = await screen.findByRole('list', { name: 'Generated images' }, { timeout: 10_000 });
    const images = within(gallery).getAllByRole('img');
    expect(images).toHaveLength(2);
    expect(images.map((image) => image.getAttribute('alt'))).toEqual(['A lighthouse at dusk', 'A lighthouse at dusk']);
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.getByRole('status').textContent).toBe('2 images ready');
    // By its label: a role query computes each link's style, which jsdom does slowly for an href this long.
    const download = screen.getByLabelText('Download image 2 of 2');
    expect(download.tagName).toBe('A');
    expect(download.getAttribute('href')).toMatch(/^data:image\/png;base64,/);
    expect(download.getAttribute('download')).toBe('a-lighthouse-at-dusk-2.png');
    expect(images[1]!.getAttribute('src')).toBe(download.getAttribute('href'));
    const [probe] = harness.emulator.generations({ kind: 'images' }).slice(-1);
    // OpenAI's hd, as OpenRouter names it.
    expect(probe!.request).toMatchObject({ n: 2, size: '1536x1024', quality: 'high', prompt: expect.stringMatching(/^A lighthouse at dusk[\s\S]*natural/) });
    expect(onGenerationEnd).toHaveBeenCalledWith(expect.objectContaining({ status: 'done', images: expect.any(Array) }));

    // Copy puts the image on the clipboard (its URL where the browser has no ClipboardItem, as jsdom).
    await user.click(screen.getByRole('button', { name: 'Copy image 1 of 2' }));
    const copied = await screen.findByRole('button', { name: 'Copy image 1 of 2 (Copied)' });
    expect(copied.getAttribute('data-tooltip')).toBe('Copied');
    expect(await navigator.clipboard.readText()).toBe(images[0]!.getAttribute('src'));
    // No axe run here: jsdom's getComputedStyle takes seconds on a link whose href is a whole image. The gallery
    // is checked below with small images, and in the browser tests with these.
  });

  it('Cancel stops the generation, and the gateway ends the upstream request', async () => {
    harness.emulator.addRule({ match: { contains: 'slow lighthouse' }, scenario: 'ttft=10000' });
    const { user, view, prompt, generate } = renderGenerator();
    await generate('A slow lighthouse');
    await waitFor(() => expect(runningImage('slow lighthouse')).toBeDefined());
    const running = runningImage('slow lighthouse')!;
    expect(screen.getByRole('progressbar', { name: 'Generating images' })).toBeTruthy();
    // Generating again while one runs does nothing.
    expect(screen.getByRole('button', { name: 'Generate' }).getAttribute('aria-disabled')).toBe('true');
    await expectNoAxeViolations(view.container);

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('progressbar')).toBeNull());
    expect(screen.getByText('Cancelled.', { selector: 'p' })).toBeTruthy();
    expect(view.container.firstElementChild?.getAttribute('data-state')).toBe('cancelled');
    expect(document.activeElement).toBe(prompt);
    expect(screen.queryByRole('img')).toBeNull();
    expect((await harness.emulator.waitForGeneration(running.id, (generation) => generation.clientClosed)).clientClosed).toBe(true);
  });

  it('a rate limit says how long to wait, counts down, then retries the same request', async () => {
    harness.emulator.addRule({ match: { contains: 'busy lighthouse' }, scenario: 'status=429;retry-after=1' });
    const { user, view, generate } = renderGenerator();
    await generate('A busy lighthouse');
    // The gateway retries a 429 itself (after the wait asked) before it passes it on.
    const alert = await screen.findByRole('alert', {}, { timeout: 8000 });
    expect(alert.textContent).toMatch(/^Too many requests — (try again in \d+ seconds?|wait a moment and try again)\.$/);
    expect(view.container.firstElementChild?.getAttribute('data-state')).toBe('error');
    await expectNoAxeViolations(view.container);
    const retry = await screen.findByRole('button', { name: 'Try again' }, { timeout: 5_000 });
    expect(retry.hasAttribute('disabled')).toBe(false);
    harness.emulator.clearRules();
    await user.click(retry);
    const gallery = await screen.findByRole('list', { name: 'Generated images' }, { timeout: 10_000 });
    expect(within(gallery).getAllByRole('img')).toHaveLength(1);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a retry waits as long as the server asked', async () => {
    harness.emulator.addRule({ match: { contains: 'queued lighthouse' }, scenario: 'status=429;retry-after=30' });
    const { generate } = renderGenerator();
    await generate('A queued lighthouse');
    const alert = await screen.findByRole('alert');
    const seconds = Number(/try again in (\d+) seconds/.exec(alert.textContent ?? '')?.[1]);
    expect(seconds).toBeGreaterThan(20);
    const wait = screen.getByRole('button', { name: /^Try again in \d+ s$/ });
    expect(wait.hasAttribute('disabled')).toBe(true);
  });

  it('a feature that does not exist says to ask an admin, with no retry', async () => {
    const { generate } = renderGenerator({ feature: 'no-such-image-feature' });
    await generate('Anything');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('This AI feature is not available; ask an administrator to configure it.');
    expect(screen.queryByRole('button', { name: /Try again/ })).toBeNull();
  });

  it('a prompt refused by moderation offers to edit the prompt', async () => {
    harness.emulator.addRule({ match: { contains: 'forbidden lighthouse' }, scenario: 'status=403' });
    const { user, prompt, generate } = renderGenerator();
    await generate('A forbidden lighthouse');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('The message was flagged by moderation; rephrase it and try again.');
    expect(screen.queryByRole('button', { name: /Try again/ })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Edit prompt' }));
    expect(document.activeElement).toBe(prompt);
    expect(prompt.value).toBe('A forbidden lighthouse');
  });

  it('an unavailable service offers to try again at once', async () => {
    harness.emulator.addRule({ match: { contains: 'stormy lighthouse' }, scenario: 'status=503' });
    const { generate } = renderGenerator();
    await generate('A stormy lighthouse');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^The AI service is unavailable right now; try again/);
    expect(screen.getByRole('button', { name: 'Try again' }).hasAttribute('disabled')).toBe(false);
  });

  it("lists the session's earlier generations, shows one again, and reuses its prompt and options", async () => {
    const { user, prompt, generate } = renderGenerator();
    await generate('A red lighthouse');
    await screen.findByRole('list', { name: 'Generated images' }, { timeout: 10_000 });
    expect(screen.queryByRole('region', { name: 'History' })).toBeNull();
    await user.click(choice('Images', '3'));
    await generate('A blue lighthouse');
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Generated images' })).getAllByRole('img')).toHaveLength(3), { timeout: 10_000 });

    const history = screen.getByRole('region', { name: 'History' });
    const items = within(history).getAllByRole('listitem');
    expect(items.map((item) => item.textContent)).toEqual([expect.stringContaining('A blue lighthouse'), expect.stringContaining('A red lighthouse')]);
    expect(items[0]!.textContent).toContain('3 images');
    expect(within(items[0]!).getAllByRole('button')[0]!.getAttribute('aria-current')).toBe('true');

    await user.click(within(items[1]!).getAllByRole('button')[0]!);
    const shown = within(screen.getByRole('list', { name: 'Generated images' })).getAllByRole('img');
    expect(shown.map((image) => image.getAttribute('alt'))).toEqual(['A red lighthouse']);

    await user.click(screen.getByRole('button', { name: 'Reuse prompt: A blue lighthouse' }));
    expect(prompt.value).toBe('A blue lighthouse');
    expect(choice('Images', '3').getAttribute('aria-checked')).toBe('true');
    expect(document.activeElement).toBe(prompt);
  });

  it('Enter in the prompt generates; Shift+Enter starts a new line', async () => {
    const { user, prompt } = renderGenerator({ feature: 'image' });
    await user.type(prompt, 'A lighthouse{Shift>}{Enter}{/Shift}at dusk');
    expect(prompt.value).toBe('A lighthouse\nat dusk');
    expect(screen.queryByRole('progressbar')).toBeNull();
    await user.keyboard('{Enter}');
    expect(prompt.value).toBe('A lighthouse\nat dusk');
    expect(screen.getByRole('progressbar', { name: 'Generating images' })).toBeTruthy();
    await screen.findByRole('list', { name: 'Generated images' }, { timeout: 10_000 });
    const [probe] = harness.emulator.generations({ kind: 'images' }).slice(-1);
    expect(probe!.request).toMatchObject({ prompt: expect.stringMatching(/^A lighthouse\nat dusk/) });
  });

  it('composes from its parts: an own Generate button through asChild, and a form onSubmit that can cancel', async () => {
    const user = userEvent.setup();
    let allowed = false;
    render(
      <Gateway>
        <ImageGenerator.Root feature="image" defaultPrompt="A lighthouse">
          <ImageGenerator.Form onSubmit={(event) => (allowed ? undefined : event.preventDefault())}>
            <ImageGenerator.Prompt />
            <ImageGenerator.Generate asChild>
              <button type="submit" className="mine">
                Draw it
              </button>
            </ImageGenerator.Generate>
          </ImageGenerator.Form>
          <ImageGenerator.Status />
          <ImageGenerator.Gallery />
        </ImageGenerator.Root>
      </Gateway>,
    );
    const draw = screen.getByRole('button', { name: 'Draw it' });
    expect(draw.className).toBe('ia-image-generator__generate mine');
    await user.click(draw);
    expect(screen.queryByRole('progressbar')).toBeNull();
    allowed = true;
    await user.click(draw);
    expect(screen.getByRole('progressbar', { name: 'Generating images' })).toBeTruthy();
    expect(await screen.findByRole('list', { name: 'Generated images' }, { timeout: 10_000 })).toBeTruthy();
    expect(() => render(<ImageGenerator.Prompt />)).toThrow('`ImageGenerator.Prompt` must be used within `ImageGenerator.Root`');
  });

  it('takes labels, class names, a theme and unstyled', async () => {
    const view = render(
      <Gateway>
        <ImageGenerator theme="dark" labels={{ prompt: 'Beschreibung', generate: 'Erzeugen' }} classNames={{ prompt: 'my-prompt' }} />
      </Gateway>,
    );
    expect(view.container.firstElementChild?.getAttribute('data-theme')).toBe('dark');
    expect(screen.getByRole('textbox', { name: 'Beschreibung' }).className).toBe('ia-image-generator__prompt my-prompt');
    expect(screen.getByRole('button', { name: 'Erzeugen' })).toBeTruthy();
    cleanup();
    render(
      <Gateway>
        <ImageGenerator unstyled classNames={{ prompt: 'mine' }} />
      </Gateway>,
    );
    expect(screen.getByRole('textbox', { name: 'Prompt' }).className).toBe('mine');
  });
});

describe('ImageGallery', () => {
  it('enlarges an image in a lightbox: arrows move between images, Esc closes and the focus goes back to the image shown', async () => {
    const user = userEvent.setup();
    const images = [{ url: 'data:image/png;base64,iVBORw0KGgo=' }, { url: 'data:image/png;base64,iVBORw0KGgpp', revisedPrompt: 'A lighthouse at dusk, oil' }, { url: 'data:image/png;base64,iVBORw0KGgqq' }];
    render(<ImageGallery images={images} prompt="A lighthouse at dusk" />);
    await user.click(screen.getByRole('button', { name: 'Enlarge image 1 of 3' }));
    // The lightbox loads on the first enlargement.
    const dialog = await screen.findByRole('dialog', { name: 'Image 1 of 3' });
    expect(within(dialog).getByRole('img').getAttribute('src')).toBe(images[0]!.url);
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('dialog', { name: 'Image 2 of 3' })).toBeTruthy();
    expect(within(screen.getByRole('dialog')).getByText('A lighthouse at dusk, oil')).toBeTruthy();
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(screen.getByRole('dialog', { name: 'Image 3 of 3' })).toBeTruthy();
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Next image' }));
    expect(screen.getByRole('dialog', { name: 'Image 1 of 3' })).toBeTruthy();
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Previous image' }));
    expect(within(screen.getByRole('dialog')).getByRole('link', { name: 'Download image 3 of 3' }).getAttribute('download')).toBe('a-lighthouse-at-dusk-3.png');
    await expectNoAxeViolations(document.body);
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Enlarge image 3 of 3' }));
  });


  it('in a right-to-left page → goes to the previous image and ← to the next, as the buttons sit there', async ({ onTestFinished }) => {
    document.documentElement.dir = 'rtl';
    onTestFinished(() => document.documentElement.removeAttribute('dir'));
    const user = userEvent.setup();
    const images = [{ url: 'data:image/png;base64,iVBORw0KGgo=' }, { url: 'data:image/png;base64,iVBORw0KGgpp' }, { url: 'data:image/png;base64,iVBORw0KGgqq' }];
    render(<ImageGallery images={images} prompt="A lighthouse at dusk" />);
    await user.click(screen.getByRole('button', { name: 'Enlarge image 1 of 3' }));
    await screen.findByRole('dialog', { name: 'Image 1 of 3' });
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('dialog', { name: 'Image 3 of 3' })).toBeTruthy();
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    expect(screen.getByRole('dialog', { name: 'Image 2 of 3' })).toBeTruthy();
    await expectNoAxeViolations(document.body);
  });

  it('opened inside a right-to-left wrapper, the lightbox in its portal is right to left too: → goes to the previous image', async () => {
    const user = userEvent.setup();
    const images = [{ url: 'data:image/png;base64,iVBORw0KGgo=' }, { url: 'data:image/png;base64,iVBORw0KGgpp' }, { url: 'data:image/png;base64,iVBORw0KGgqq' }];
    // In a component's root, and as a part alone (then the enlarged tile says the direction).
    for (const gallery of [<AiRoot key="root"><ImageGallery images={images} prompt="A lighthouse at dusk" /></AiRoot>, <ImageGallery key="alone" images={images} prompt="A lighthouse at dusk" />]) {
      render(<div dir="rtl">{gallery}</div>);
      await user.click(screen.getByRole('button', { name: 'Enlarge image 1 of 3' }));
      const dialog = await screen.findByRole('dialog', { name: 'Image 1 of 3' });
      expect(getComputedStyle(dialog).direction).toBe('rtl');
      await user.keyboard('{ArrowRight}');
      expect(screen.getByRole('dialog', { name: 'Image 3 of 3' })).toBeTruthy();
      await user.keyboard('{ArrowLeft}{ArrowLeft}');
      expect(screen.getByRole('dialog', { name: 'Image 2 of 3' })).toBeTruthy();
      await expectNoAxeViolations(document.body);
      cleanup();
    }
  });

  it('switches the open lightbox when the app switches its wrapper between left to right and right to left', async () => {
    const user = userEvent.setup();
    const images = [{ url: 'data:image/png;base64,iVBORw0KGgo=' }, { url: 'data:image/png;base64,iVBORw0KGgpp' }, { url: 'data:image/png;base64,iVBORw0KGgqq' }];
    render(
      <div data-testid="app">
        <ImageGallery images={images} prompt="A lighthouse at dusk" />
      </div>,
    );
    await user.click(screen.getByRole('button', { name: 'Enlarge image 1 of 3' }));
    const dialog = await screen.findByRole('dialog', { name: 'Image 1 of 3' });
    expect(getComputedStyle(dialog).direction).toBe('ltr');
    act(() => screen.getByTestId('app').setAttribute('dir', 'rtl'));
    await waitFor(() => expect(getComputedStyle(dialog).direction).toBe('rtl'));
    // Keyed right to left now: → goes to the previous image.
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('dialog', { name: 'Image 3 of 3' })).toBeTruthy();
    act(() => screen.getByTestId('app').setAttribute('dir', 'ltr'));
    await waitFor(() => expect(getComputedStyle(dialog).direction).toBe('ltr'));
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('dialog', { name: 'Image 1 of 3' })).toBeTruthy();
  });

  it("opens the lightbox in the theme of the component it is in, through its portal, on a device whose theme differs", async () => {
    const user = userEvent.setup();
    render(
      <AiRoot theme="dark">
        <ImageGallery images={[{ url: 'data:image/png;base64,iVBORw0KGgo=' }]} prompt="A lighthouse at dusk" />
      </AiRoot>,
    );
    await user.click(screen.getByRole('button', { name: 'Enlarge image 1 of 1' }));
    const dialog = await screen.findByRole('dialog', { name: 'Image 1 of 1' });
    expect(dialog.closest('[data-insforge-ai]')?.getAttribute('data-theme')).toBe('dark');
    // Its own theme, given, wins over the one it is in; none anywhere is the system's.
    cleanup();
    render(
      <AiRoot theme="dark">
        <AiRoot theme="light" data-testid="light" />
      </AiRoot>,
    );
    expect(screen.getByTestId('light').getAttribute('data-theme')).toBe('light');
    cleanup();
    render(<AiRoot data-testid="alone" />);
    expect(screen.getByTestId('alone').getAttribute('data-theme')).toBe('system');
  });

  it('draws each tile with renderItem, keeping the enlarge button and the lightbox of the default tile', async () => {
    const user = userEvent.setup();
    const images = [{ url: 'data:image/png;base64,iVBORw0KGgo=' }, { url: 'data:image/png;base64,iVBORw0KGgpp' }];
    render(
      <ImageGallery
        images={images}
        prompt="A lighthouse at dusk"
        renderItem={(item) => (
          <>
            <ImageGalleryItem {...item} />
            <li>Take {item.index + 1}</li>
          </>
        )}
      />,
    );
    expect(screen.getByText('Take 2')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Enlarge image 2 of 2' }));
    expect(await screen.findByRole('dialog', { name: 'Image 2 of 2' })).toBeTruthy();
  });

  it('names each image, download and copy so they are told apart', async () => {
    const images = [{ url: 'data:image/png;base64,iVBORw0KGgo=' }, { url: 'data:image/png;base64,iVBORw0KGgpp', revisedPrompt: 'A lighthouse at dusk, oil' }];
    const view = render(<ImageGallery images={images} prompt="A lighthouse at dusk" />);
    expect(screen.getAllByRole('img').map((image) => image.getAttribute('alt'))).toEqual(['A lighthouse at dusk', 'A lighthouse at dusk']);
    expect(screen.getAllByRole('link').map((link) => [link.getAttribute('aria-label'), link.getAttribute('download'), link.getAttribute('data-tooltip')])).toEqual([
      ['Download image 1 of 2', 'a-lighthouse-at-dusk-1.png', 'Download'],
      ['Download image 2 of 2', 'a-lighthouse-at-dusk-2.png', 'Download'],
    ]);
    expect(screen.getAllByRole('button').map((button) => button.getAttribute('aria-label'))).toEqual(['Enlarge image 1 of 2', 'Copy image 1 of 2', 'Enlarge image 2 of 2', 'Copy image 2 of 2']);
    await expectNoAxeViolations(view.container);
  });

  it('says "Copied" when a slow copy lands, and for two seconds from then', async () => {
    vi.useFakeTimers();
    let land!: () => void;
    const writeText = vi.fn(() => new Promise<void>((resolve) => (land = resolve)));
    const original = Object.getOwnPropertyDescriptor(navigator, 'clipboard');
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    try {
      render(<ImageGallery images={[{ url: 'data:image/png;base64,iVBORw0KGgo=' }]} prompt="A lighthouse at dusk" />);
      const button = screen.getByRole('button', { name: 'Copy image 1 of 1' });
      await act(async () => button.click());
      await act(async () => vi.advanceTimersByTime(3_000));
      expect(button.getAttribute('data-state')).toBe('idle');
      await act(async () => land());
      expect(writeText).toHaveBeenCalledWith('data:image/png;base64,iVBORw0KGgo=');
      expect(button.getAttribute('data-state')).toBe('copied');
      expect(button.getAttribute('aria-label')).toBe('Copy image 1 of 1 (Copied)');
      await act(async () => vi.advanceTimersByTime(1_900));
      expect(button.getAttribute('data-state')).toBe('copied');
      await act(async () => vi.advanceTimersByTime(200));
      expect(button.getAttribute('data-state')).toBe('idle');
    } finally {
      if (original) Object.defineProperty(navigator, 'clipboard', original);
      else Reflect.deleteProperty(navigator, 'clipboard');
    }
  });
});

describe('GenerationProgress', () => {
  it('shows the seconds elapsed, once a second', () => {
    vi.useFakeTimers();
    const onCancel = vi.fn();
    render(<GenerationProgress startedAt={Date.now()} onCancel={onCancel} />);
    const bar = screen.getByRole('progressbar', { name: 'Generating images' });
    expect(bar.getAttribute('aria-valuetext')).toBe('Generating… 0 s');
    act(() => vi.advanceTimersByTime(3_100));
    expect(bar.getAttribute('aria-valuetext')).toBe('Generating… 3 s');
    expect(bar.textContent).toBe('Generating… 3 s');
    act(() => screen.getByRole('button', { name: 'Cancel' }).click());
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});

describe('imageFileName', () => {
  it('names the file after the prompt, numbered, with the type of the image', () => {
    expect(imageFileName('A lighthouse at dusk!', 0, 'data:image/png;base64,AAAA')).toBe('a-lighthouse-at-dusk-1.png');
    expect(imageFileName('Café — "crème"', 1, 'data:image/jpeg;base64,AAAA')).toBe('cafe-creme-2.jpg');
    expect(imageFileName('***', 2, 'https://cdn.example/x.webp?sig=1')).toBe('image-3.webp');
  });
});
