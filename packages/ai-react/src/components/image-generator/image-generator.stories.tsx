import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ImageGenerator } from './image-generator.js';

const meta = {
  title: 'ImageGenerator',
  component: ImageGenerator,
  args: { feature: 'image', style: { maxWidth: 880, margin: '0 auto' } },
  parameters: {
    gateway: { imageDelayMs: 600 },
    docs: { description: { component: 'A prompt (Enter generates), size, quality, count and style as segmented controls; placeholders and Cancel while drawing; a gallery whose images open in a lightbox, with download and copy; errors; history. Against the mock gateway (no server, no key).' } },
  },
} satisfies Meta<typeof ImageGenerator>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Types a prompt, picks how many images, and presses Generate, as a user would. */
async function generate(canvasElement: HTMLElement, prompt: string, count = 1) {
  const canvas = within(canvasElement);
  const box = await canvas.findByRole('textbox', { name: 'Prompt' });
  await userEvent.clear(box);
  await userEvent.type(box, prompt);
  await userEvent.click(within(canvas.getByRole('radiogroup', { name: 'Images' })).getByRole('radio', { name: String(count) }));
  await userEvent.click(canvas.getByRole('button', { name: 'Generate' }));
  return canvas;
}

/** Waits until `count` images are in the gallery. */
async function imagesShown(canvasElement: HTMLElement, count: number) {
  const canvas = within(canvasElement);
  await waitFor(() => expect(canvas.getByRole('list', { name: 'Generated images' }).querySelectorAll('img')).toHaveLength(count), { timeout: 10_000 });
}

/** Nothing generated yet. */
export const Empty: Story = {};

/** A generation under way: one placeholder per image in the size's shape, the elapsed seconds and Cancel. */
export const Generating: Story = {
  parameters: { gateway: { imageDelayMs: 10 * 60_000 } },
  play: async ({ canvasElement }) => {
    const canvas = await generate(canvasElement, 'A lighthouse at dusk, oil painting', 2);
    await canvas.findByRole('progressbar', { name: 'Generating images' });
  },
};

/** Two images, each with Download (an `<a download>`) and Copy. */
export const Gallery: Story = {
  play: async ({ canvasElement }) => {
    await generate(canvasElement, 'A lighthouse at dusk, oil painting', 2);
    await imagesShown(canvasElement, 2);
  },
};

/** An image enlarged in the lightbox (← and → move, Esc closes and returns to the image). */
export const Lightbox: Story = {
  play: async ({ canvasElement }) => {
    await generate(canvasElement, 'A lighthouse at dusk, oil painting', 3);
    await imagesShown(canvasElement, 3);
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Enlarge image 2 of 3' }));
    await within(canvasElement.ownerDocument.body).findByRole('dialog', { name: 'Image 2 of 3' });
  },
};

/** Landscape and HD chosen before generating; Enter in the prompt generates. */
export const LandscapeWithEnter: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(within(canvas.getByRole('radiogroup', { name: 'Size' })).getByRole('radio', { name: '1536 × 1024 (landscape)' }));
    await userEvent.click(within(canvas.getByRole('radiogroup', { name: 'Quality' })).getByRole('radio', { name: 'HD' }));
    await userEvent.type(canvas.getByRole('textbox', { name: 'Prompt' }), 'A wide valley at sunrise{Enter}');
    await imagesShown(canvasElement, 1);
  },
};

/** Built from the parts: the prompt and an own Generate button in one row, no options, the gallery below. */
export const Composed: Story = {
  render: (args) => (
    <ImageGenerator.Root feature={args.feature} style={args.style} defaultPrompt="A paper boat on a pond">
      <ImageGenerator.Form style={{ display: 'flex', gap: 8, alignItems: 'end' }}>
        <div style={{ flex: 1, minWidth: 0 }}>
          <ImageGenerator.Prompt rows={1} />
        </div>
        <ImageGenerator.Generate asChild>
          <button type="submit">
            Draw
          </button>
        </ImageGenerator.Generate>
      </ImageGenerator.Form>
      <ImageGenerator.Status />
      <ImageGenerator.Gallery />
    </ImageGenerator.Root>
  ),
  play: async ({ canvasElement }) => {
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Draw' }));
    await imagesShown(canvasElement, 1);
  },
};

/** Earlier generations listed under the gallery: show one again, or reuse its prompt. */
export const History: Story = {
  parameters: { gateway: { imageDelayMs: 200 } },
  play: async ({ canvasElement }) => {
    await generate(canvasElement, 'A red fox in the snow', 1);
    await imagesShown(canvasElement, 1);
    await generate(canvasElement, 'A city skyline at night, watercolour', 3);
    await imagesShown(canvasElement, 3);
  },
};

/** Cancelled: the gateway aborts the upstream request; nothing is shown or billed. */
export const Cancelled: Story = {
  parameters: { gateway: { imageDelayMs: 10 * 60_000 } },
  play: async ({ canvasElement }) => {
    const canvas = await generate(canvasElement, 'A lighthouse that takes forever');
    await userEvent.click(await canvas.findByRole('button', { name: 'Cancel' }));
    await canvas.findByText('Cancelled.', { selector: 'p' });
  },
};

/** The dark theme, with images. */
export const DarkMode: Story = {
  parameters: { theme: 'dark' },
  play: async ({ canvasElement }) => {
    await generate(canvasElement, 'A lighthouse at dusk, oil painting', 2);
    await imagesShown(canvasElement, 2);
  },
};

/** Shows the error a failure scenario of the mock gateway answers with. */
function errorStory(scenario: 'rate-limited' | 'quota-exceeded' | 'unauthorized' | 'forbidden' | 'upstream-auth' | 'upstream-unavailable' | 'offline'): Story {
  return {
    parameters: { gateway: { scenarios: { images: scenario }, retryAfterSeconds: 30 } },
    play: async ({ canvasElement }) => {
      const canvas = await generate(canvasElement, 'A lighthouse at dusk');
      await canvas.findByRole('alert', {}, { timeout: 5000 });
    },
  };
}

/** 429: how long to wait, a countdown on "Try again". */
export const RateLimited: Story = errorStory('rate-limited');
/** 402: the project's limit is reached; only an administrator can help, so there is no retry. */
export const QuotaExceeded: Story = errorStory('quota-exceeded');
/** 401: signed out. */
export const Unauthorized: Story = errorStory('unauthorized');
/** 403: the user's role may not use this feature. */
export const Forbidden: Story = errorStory('forbidden');
/** 502 upstream_auth: OpenRouter rejected the project's key; an administrator must replace it. */
export const ProviderKeyInvalid: Story = errorStory('upstream-auth');
/** 502: the model provider is down; try again. */
export const UpstreamUnavailable: Story = errorStory('upstream-unavailable');
/** No network: fetch rejected. */
export const Offline: Story = errorStory('offline');

/** A feature that is not configured: ask an administrator. */
export const FeatureMissing: Story = {
  args: { feature: 'no-such-image-feature' },
  play: async ({ canvasElement }) => {
    const canvas = await generate(canvasElement, 'A lighthouse at dusk');
    await canvas.findByRole('alert', {}, { timeout: 5000 });
  },
};
