import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { memoryStorage } from '../../core/storage/conversation-storage.js';
import { AiProvider, type AiProviderProps } from '../../react/ai-provider.js';
import { mockClient } from '../../testing/mock-gateway.js';
import { ChatComposer } from './chat-composer.js';
import { ChatPanel, type ChatPanelProps } from './chat-panel.js';
import { sampleConversation } from './sample-conversation.js';

// Every flow talks to a real gateway with the emulator behind it, over real sockets (jsdom keeps Node's fetch).
const nodeFetch = globalThis.fetch;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  harness.emulator.clearRules();
});

function renderPanel(props: Partial<ChatPanelProps> = {}, provider: Partial<AiProviderProps> = {}) {
  const user = userEvent.setup();
  const view = render(
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={nodeFetch} storage={memoryStorage()} {...provider}>
      <ChatPanel feature="chat" {...props} />
    </AiProvider>,
  );
  return { user, ...view };
}

const composer = () => screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
const announcer = () => screen.getByRole('status');
const messageList = (container: HTMLElement) => container.querySelector('ol.ia-chat-list') as HTMLOListElement;
const answers = (container: HTMLElement) => Array.from(container.querySelectorAll<HTMLLIElement>('li[data-role="assistant"]'));
const lastAnswer = (container: HTMLElement) => answers(container).at(-1);
const waitForAnswer = (container: HTMLElement, status = 'done') => waitFor(() => expect(lastAnswer(container)?.getAttribute('data-status')).toBe(status), { timeout: 10_000 });

async function send(user: ReturnType<typeof userEvent.setup>, text: string) {
  await user.click(composer());
  // user-event reads `[` and `{` as key names; doubled, they are typed as they are.
  await user.type(composer(), text.replace(/[[{]/g, '$&$&'));
  await user.keyboard('{Enter}');
}

async function adminJson(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ version: number }> {
  const response = await nodeFetch(`${harness.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as { version: number };
}

describe('ChatPanel: sending and streaming', () => {
  it('Enter sends; the answer streams into a list that is no live region, busy meanwhile; the status says Generating… then Answer complete', async () => {
    harness.emulator.addRule({ match: { contains: 'Hello panel' }, scenario: 'tps=80;tokens=60' });
    const { user, container } = renderPanel();
    expect(screen.getByText('Ask anything to get started.')).toBeTruthy();
    await send(user, 'Hello panel');
    expect(composer().value).toBe('');
    expect(document.activeElement).toBe(composer());
    await waitFor(() => expect(announcer().textContent).toBe('Generating…'));
    const list = messageList(container);
    expect(list.getAttribute('aria-live')).toBe('off');
    expect(list.getAttribute('aria-busy')).toBe('true');
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Send' })).toBeNull();
    await waitForAnswer(container);
    expect(announcer().textContent).toBe('Answer complete');
    expect(list.getAttribute('aria-busy')).toBe('false');
    expect(lastAnswer(container)?.textContent).toContain('Hello panel');
    expect(container.querySelector('li[data-role="user"]')?.textContent).toContain('Hello panel');
    expect(container.querySelector('[data-insforge-ai]')?.getAttribute('data-status')).toBe('ready');
    expect(document.activeElement).toBe(composer());
  });

  it('Shift+Enter adds a line; the Send button sends the lines and gives focus back to the textbox', async () => {
    const { user, container } = renderPanel();
    await user.click(composer());
    await user.type(composer(), 'line one{Shift>}{Enter}{/Shift}line two');
    expect(composer().value).toBe('line one\nline two');
    expect(container.querySelector('li')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(container.querySelector('li[data-role="user"] .ia-chat-content')?.textContent).toBe('line one\nline two');
    expect(document.activeElement).toBe(composer());
    await waitForAnswer(container);
  });

  it('sends nothing while an input method composes (isComposing, keyCode 229)', async () => {
    const { container } = renderPanel();
    fireEvent.change(composer(), { target: { value: 'にほんご' } });
    fireEvent.keyDown(composer(), { key: 'Enter', isComposing: true });
    fireEvent.keyDown(composer(), { key: 'Enter', keyCode: 229 });
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expect(container.querySelector('li')).toBeNull();
    expect(composer().value).toBe('にほんご');
    fireEvent.keyDown(composer(), { key: 'Enter' });
    await waitFor(() => expect(container.querySelector('li[data-role="user"]')?.textContent).toContain('にほんご'));
    await waitForAnswer(container);
  });

  it('Stop ends the generation, marks the answer stopped, says so, and gives focus back to the composer', async () => {
    harness.emulator.addRule({ match: { contains: 'long story' }, scenario: 'tps=40;tokens=400' });
    const { user, container } = renderPanel();
    await send(user, 'Tell me a long story');
    await waitFor(() => expect(lastAnswer(container)?.textContent?.length).toBeGreaterThan(40));
    const running = harness.emulator.generations({ status: 'running' }).find((probe) => JSON.stringify(probe.request).includes('long story'));
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    await waitForAnswer(container, 'stopped');
    expect(within(lastAnswer(container)!).getByText('Stopped')).toBeTruthy();
    expect(announcer().textContent).toBe('Stopped');
    expect(document.activeElement).toBe(composer());
    expect(screen.getByRole('button', { name: 'Send' })).toBeTruthy();
    const probe = await harness.emulator.waitForGeneration(running!.id, (generation) => generation.clientClosed);
    expect(probe.tokensSent).toBeLessThan(probe.plannedTokens);
  });

  it('Escape stops a streaming answer', async () => {
    harness.emulator.addRule({ match: { contains: 'endless tale' }, scenario: 'tps=40;tokens=400' });
    const { user, container } = renderPanel();
    await send(user, 'An endless tale');
    await waitFor(() => expect(lastAnswer(container)?.getAttribute('data-status')).toBe('streaming'));
    await user.keyboard('{Escape}');
    await waitForAnswer(container, 'stopped');
    expect(document.activeElement).toBe(composer());
  });
});

describe('ChatPanel: message actions', () => {
  it('Regenerate adds a version; the switcher shows "2 / 2" and flips back; focus returns to the composer', async () => {
    const { user, container } = renderPanel();
    await send(user, 'Pick a colour');
    await waitForAnswer(container);
    const first = lastAnswer(container)!.querySelector('.ia-markdown')!.textContent;
    await user.click(screen.getByRole('button', { name: 'Regenerate' }));
    expect(document.activeElement).toBe(composer());
    await waitFor(() => expect(screen.getByRole('group', { name: 'Versions' }).textContent).toContain('2 / 2'), { timeout: 10_000 });
    await waitForAnswer(container);
    const versions = screen.getByRole('group', { name: 'Versions' });
    expect(within(versions).getByRole<HTMLButtonElement>('button', { name: 'Next version' }).disabled).toBe(true);
    await user.click(within(versions).getByRole('button', { name: 'Previous version' }));
    expect(screen.getByRole('group', { name: 'Versions' }).textContent).toContain('1 / 2');
    expect(lastAnswer(container)!.querySelector('.ia-markdown')!.textContent).toBe(first);
  });

  it('Edit opens an inline textbox; Send asks again from there, Cancel gives focus back to Edit', async () => {
    const { user, container } = renderPanel();
    await send(user, 'first question');
    await waitForAnswer(container);
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    const editor = screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Edit message' });
    expect(document.activeElement).toBe(editor);
    expect(editor.value).toBe('first question');
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit' }));

    await user.click(screen.getByRole('button', { name: 'Edit' }));
    await user.clear(screen.getByRole('textbox', { name: 'Edit message' }));
    await user.type(screen.getByRole('textbox', { name: 'Edit message' }), 'edited question');
    const form = screen.getByRole('textbox', { name: 'Edit message' }).closest('form')!;
    await user.click(within(form).getByRole('button', { name: 'Send' }));
    expect(document.activeElement).toBe(composer());
    await waitFor(() => expect(container.querySelector('li[data-role="user"] .ia-chat-content')?.textContent).toBe('edited question'));
    await waitForAnswer(container);
    expect(container.querySelectorAll('li')).toHaveLength(2);
    expect(lastAnswer(container)?.textContent).toContain('edited question');
  });

  it('Copy puts the answer on the clipboard and says "Copied"', async () => {
    const { user, container } = renderPanel();
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    try {
      await send(user, 'Copy this answer');
      await waitForAnswer(container);
      await user.click(within(lastAnswer(container)!).getByRole('button', { name: 'Copy' }));
      expect(writeText).toHaveBeenCalledWith(expect.stringContaining('Copy this answer'));
      expect(within(lastAnswer(container)!).getByRole('button', { name: 'Copied' })).toBeTruthy();
    } finally {
      Reflect.deleteProperty(navigator, 'clipboard');
    }
  });

  it('an answer stopped before its first token, or failed with no text, offers no Copy (nothing to copy), only Regenerate', async () => {
    harness.emulator.addRule({ match: { contains: 'never starts' }, scenario: 'ttft=10000' });
    harness.emulator.addRule({ match: { contains: 'fails at once' }, scenario: 'status=502' });
    const { user, container } = renderPanel();
    await send(user, 'This one never starts');
    await waitFor(() => expect(lastAnswer(container)?.getAttribute('data-status')).toBe('pending'));
    expect(within(lastAnswer(container)!).queryByRole('button')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    await waitForAnswer(container, 'stopped');
    expect(within(lastAnswer(container)!).queryByRole('button', { name: 'Copy' })).toBeNull();
    expect(within(lastAnswer(container)!).getByRole('button', { name: 'Regenerate' })).toBeTruthy();

    await send(user, 'This one fails at once');
    await waitForAnswer(container, 'error');
    expect(within(lastAnswer(container)!).queryByRole('button', { name: 'Copy' })).toBeNull();
    expect(within(lastAnswer(container)!).getByRole('button', { name: 'Regenerate' })).toBeTruthy();
  });

  it('Model info opens on focus and hover, lists model, provider, tokens, cost, timing and finish reason, and closes on Escape', async () => {
    harness.emulator.addRule({ match: { contains: 'about models' }, scenario: 'tps=200;tokens=40' });
    const { user, container } = renderPanel();
    await send(user, 'Tell me about models');
    await waitForAnswer(container);
    const trigger = screen.getByRole('button', { name: 'Model info' });
    expect(screen.queryByRole('tooltip')).toBeNull();
    act(() => trigger.focus());
    const tooltip = screen.getByRole('tooltip');
    expect(trigger.getAttribute('aria-describedby')).toBe(tooltip.id);
    const facts = Object.fromEntries(Array.from(tooltip.querySelectorAll('dt')).map((term) => [term.textContent, term.nextElementSibling?.textContent]));
    expect(facts).toMatchObject({ Model: 'openai/gpt-4o-mini', 'Finish reason': 'stop' });
    expect(facts['Provider']).not.toBe('—');
    expect(facts['Tokens']).toMatch(/^\d[\d,]* in \/ \d[\d,]* out$/);
    expect(facts['Cost']).toMatch(/\$/);
    expect(facts['Time to first token']).toMatch(/ms$/);
    expect(facts['Tokens per second']).toMatch(/^\d/);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('tooltip')).toBeNull();
    expect(lastAnswer(container)?.getAttribute('data-status')).toBe('done');
    act(() => trigger.blur());
    await user.hover(trigger);
    expect(screen.getByRole('tooltip')).toBeTruthy();
    await user.unhover(trigger);
    expect(screen.queryByRole('tooltip')).toBeNull();
  });
});

describe('ChatPanel: errors in plain words, with the action to take', () => {
  it('rate limited: says how long to wait, counts down, then "Try again" works', async () => {
    const rule = harness.emulator.addRule({ match: { contains: 'too busy' }, scenario: 'status=429;retry-after=1' });
    const { user, container } = renderPanel();
    await send(user, 'are you too busy?');
    const alert = await screen.findByRole('alert', {}, { timeout: 10_000 });
    expect(alert.getAttribute('data-code')).toBe('rate_limited');
    expect(alert.textContent).toMatch(/Too many requests/);
    const retry = within(alert).getByRole<HTMLButtonElement>('button', { name: 'Try again' });
    expect(retry.disabled).toBe(true);
    expect(alert.textContent).toMatch(/You can try again in \d s\./);
    rule.remove();
    await waitFor(() => expect(retry.disabled).toBe(false), { timeout: 4000 });
    await user.click(retry);
    expect(document.activeElement).toBe(composer());
    await waitForAnswer(container);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('offline: says so, and "Try again" is ready at once', async () => {
    const { user } = renderPanel({}, { baseUrl: 'http://127.0.0.1:9/ai' });
    await send(user, 'Hello');
    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-code')).toBe('offline');
    expect(alert.textContent).toMatch(/offline/);
    expect(within(alert).getByRole<HTMLButtonElement>('button', { name: 'Try again' }).disabled).toBe(false);
  });

  it('upstream error: the service is unavailable, try again', async () => {
    harness.emulator.addRule({ match: { contains: 'broken upstream' }, scenario: 'status=502' });
    const { user } = renderPanel();
    await send(user, 'broken upstream please');
    const alert = await screen.findByRole('alert', {}, { timeout: 10_000 });
    expect(alert.getAttribute('data-code')).toBe('upstream_unavailable');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('quota reached: tells the user to contact the administrator, with no retry', async () => {
    const { version } = await adminJson('/api/ai/limits/policy');
    const saved = await adminJson('/api/ai/limits/policy', { method: 'PUT', body: { version, policy: { project: { tokensPerDay: 1 } } } });
    try {
      const { user } = renderPanel();
      await send(user, 'Hello');
      const alert = await screen.findByRole('alert');
      expect(alert.getAttribute('data-code')).toBe('quota_exceeded');
      expect(alert.getAttribute('data-action')).toBe('contact-admin');
      expect(alert.textContent).toMatch(/administrator/);
      expect(within(alert).queryByRole('button')).toBeNull();
    } finally {
      await adminJson('/api/ai/limits/policy', { method: 'PUT', body: { version: saved.version, policy: { project: {} } } });
    }
  });

  it("a guardrail's refusal shows the feature's own message, for a refused question and for an answer stopped mid-stream", async () => {
    await adminJson('/api/ai/configurations', {
      method: 'POST',
      body: {
        name: 'guarded-panel',
        model: 'openai/gpt-4o-mini',
        guardrailMessage: 'Our assistant only talks about gardening.',
        guardrails: [
          { type: 'blocklist', stage: 'input', words: ['lottery'] },
          { type: 'blocklist', stage: 'output', words: ['zanzibar'], message: 'That answer mentioned a place we do not discuss.' },
        ],
      },
    });
    const { user } = renderPanel({ feature: 'guarded-panel' });
    await send(user, 'Tell me the lottery numbers');
    const refused = await screen.findByRole('alert');
    expect(refused.textContent).toContain('Our assistant only talks about gardening.');
    expect(refused.getAttribute('data-code')).toBe('forbidden');
    expect(harness.emulator.generations({ kind: 'chat' }).some((generation) => JSON.stringify(generation.request).includes('lottery'))).toBe(false);

    // A new conversation (the refused question would be sent again with the next one).
    cleanup();
    const again = renderPanel({ feature: 'guarded-panel' });
    harness.emulator.addRule({ match: { contains: 'island trip' }, scenario: 'tokens=120' });
    await send(again.user, 'Plan an island trip to Zanzibar');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('That answer mentioned a place we do not discuss.'));
    expect(lastAnswer(again.container)?.textContent?.toLowerCase()).not.toContain('zanzibar');
  });

  it('provider key invalid: an administrator must fix it', async () => {
    const { user } = renderPanel({}, { client: mockClient({ scenario: 'upstream-auth' }) });
    await send(user, 'Hello');
    const alert = await screen.findByRole('alert');
    expect(alert.getAttribute('data-code')).toBe('provider_key_invalid');
    expect(alert.getAttribute('data-action')).toBe('contact-admin');
    expect(alert.textContent).toMatch(/administrator/);
  });

  it('a conversation the storage refuses says it is not saved, with the storage\'s reason, until a save goes through', async () => {
    const inner = memoryStorage();
    let full = true;
    const storage = { ...inner, save: async (...args: Parameters<typeof inner.save>) => (full ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) : inner.save(...args)) };
    const { user, container } = renderPanel({}, { storage });
    await send(user, 'Hello');
    await waitForAnswer(container);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe("This conversation is not saved. The browser's storage is full; delete some conversations.");
    full = false;
    await send(user, 'Again');
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(await inner.list()).toHaveLength(1);
  });

  it('a conversation the storage cannot read says so before anything is typed, not that a message is unsaved, and passes axe', async () => {
    const inner = memoryStorage([{ id: 'kept', title: 'Kept', feature: 'chat', createdAt: 1, updatedAt: 1, messages: [{ id: 'u1', role: 'user', content: 'Saved question', createdAt: 1 }] }]);
    let reachable = false;
    const storage = { ...inner, load: async (id: string) => (reachable ? inner.load(id) : Promise.reject(new TypeError('fetch failed'))) };
    const { user } = renderPanel({ conversationId: 'kept' }, { storage });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('This conversation could not be loaded, and new messages are not saved until it can be. You appear to be offline; check your connection and try again.');
    expect(alert.getAttribute('data-storage')).toBe('load');
    const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    expect(results.violations.map((violation) => violation.id)).toEqual([]);
    // Once it can be read, the chat shows it and the alert goes.
    reachable = true;
    await send(user, 'Hello');
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(screen.getByText('Saved question')).toBeTruthy();
  });

  it('error text is a label too', async () => {
    const { user } = renderPanel({ labels: { errorMessage: (error) => `Fehler: ${error.code}` } }, { baseUrl: 'http://127.0.0.1:9/ai' });
    await send(user, 'Hello');
    expect((await screen.findByRole('alert')).textContent).toContain('Fehler: offline');
  });
});

describe('ChatPanel: auto-scroll', () => {
  /** jsdom has no layout: the region gets a height, and content as tall as its text. */
  function layOut(region: HTMLElement) {
    let top = 0;
    const height = () => 400 + (region.textContent?.length ?? 0) * 4;
    Object.defineProperty(region, 'clientHeight', { configurable: true, get: () => 400 });
    Object.defineProperty(region, 'scrollHeight', { configurable: true, get: height });
    Object.defineProperty(region, 'scrollTop', {
      configurable: true,
      get: () => top,
      set: (value: number) => {
        top = Math.max(0, Math.min(value, height() - 400));
      },
    });
    const scrollTo = (value: number) => {
      region.scrollTop = value;
      fireEvent.scroll(region);
    };
    return { scrollTo, bottom: () => height() - 400 };
  }

  it('follows the answer, stops when the user scrolls up, offers "Jump to latest", and follows again at the bottom', async () => {
    harness.emulator.addRule({ match: { contains: 'scroll story' }, scenario: 'tps=60;tokens=150' });
    const { user, container } = renderPanel({ initialMessages: sampleConversation(6) });
    const region = screen.getByRole('region', { name: 'Conversation' });
    const { scrollTo, bottom } = layOut(region);
    await send(user, 'A scroll story');
    expect(region.scrollTop).toBe(bottom());
    await waitFor(() => expect(lastAnswer(container)?.textContent?.length).toBeGreaterThan(60));
    // While following, each update lands at the bottom.
    await waitFor(() => expect(region.scrollTop).toBe(bottom()));
    expect(screen.queryByRole('button', { name: 'Jump to latest' })).toBeNull();

    scrollTo(region.scrollTop - 300);
    const held = region.scrollTop;
    const jump = await screen.findByRole('button', { name: 'Jump to latest' });
    await waitFor(() => expect(bottom() - held).toBeGreaterThan(600));
    expect(region.scrollTop).toBe(held);

    await user.click(jump);
    expect(region.scrollTop).toBe(bottom());
    expect(screen.queryByRole('button', { name: 'Jump to latest' })).toBeNull();
    expect(document.activeElement).toBe(composer());

    scrollTo(region.scrollTop - 200);
    expect(screen.getByRole('button', { name: 'Jump to latest' })).toBeTruthy();
    scrollTo(bottom());
    expect(screen.queryByRole('button', { name: 'Jump to latest' })).toBeNull();
    await waitForAnswer(container);
    expect(region.scrollTop).toBe(bottom());
  });
});

describe('ChatPanel: a long conversation', () => {
  // A thousand messages rendered and typed at in jsdom: 13–33 s on a machine at load 9–10 (it asserts no time).
  // Render counts do not depend on how many messages are shown: a few hundred, all on screen, say what a thousand
  // would (whose render in jsdom took most of this file's time).
  const CONVERSATION = 250;
  it('typing renders no message, and a streamed answer renders none of the earlier ones', async () => {
    const renders = new Map<string, number>();
    const { user, container } = renderPanel({
      initialMessages: sampleConversation(CONVERSATION),
      pageSize: CONVERSATION,
      renderMessageActions: ({ message, defaultActions }) => {
        renders.set(message.id, (renders.get(message.id) ?? 0) + 1);
        return defaultActions;
      },
    });
    expect(container.querySelectorAll('ol.ia-chat-list > li')).toHaveLength(CONVERSATION);
    renders.clear();
    // Render counts, not timings (which depend on the machine): typing must render no message at all.
    await user.click(composer());
    await user.type(composer(), 'Typing stays local');
    expect(composer().value).toBe('Typing stays local');
    expect(renders.size).toBe(0);

    await user.keyboard('{Enter}');
    await waitForAnswer(container);
    const earlier = sampleConversation(CONVERSATION).map((message) => message.id);
    const rerendered = earlier.filter((id) => renders.has(id));
    // Only the previously last answer, which lost its "Regenerate" button.
    expect(rerendered).toEqual([`turn-${CONVERSATION - 1}`]);
  }, 60_000);

  it('opens with the latest messages; "Show earlier messages" adds more above, keeping the reader in place', async () => {
    const { user, container } = renderPanel({ initialMessages: sampleConversation(1000) });
    const items = () => Array.from(container.querySelectorAll('ol.ia-chat-list > li'));
    expect(items()).toHaveLength(60);
    expect(items().at(-1)?.textContent).toContain('Handling');
    const region = screen.getByRole('region', { name: 'Conversation' });
    let top = 0;
    const height = () => items().length * 100;
    Object.defineProperty(region, 'scrollHeight', { configurable: true, get: height });
    Object.defineProperty(region, 'clientHeight', { configurable: true, get: () => 400 });
    Object.defineProperty(region, 'scrollTop', { configurable: true, get: () => top, set: (value: number) => (top = Math.max(0, Math.min(value, height() - 400))) });
    region.scrollTop = 0;
    await user.click(screen.getByRole('button', { name: 'Show earlier messages' }));
    expect(items()).toHaveLength(120);
    // 60 messages went in above: the view moved down by their height, showing the same message as before.
    expect(region.scrollTop).toBe(6000);
    expect(items()[60]?.textContent).toContain('Question 471');

    // New messages add to the end; none disappear from the top.
    await send(user, 'One more question');
    await waitForAnswer(container);
    expect(items()).toHaveLength(122);
  });
});

describe('ChatPanel: safety, accessibility, customisation', () => {
  it('renders hostile model output without running any of it', async () => {
    const alert = vi.spyOn(window, 'alert').mockImplementation(() => undefined);
    const { user, container } = renderPanel({}, { client: mockClient({ scenario: 'hostile', pacing: { ttftMs: 0, tokensPerSecond: Infinity } }) });
    await send(user, 'Show me something nasty');
    await waitForAnswer(container);
    const answer = lastAnswer(container)!;
    expect(answer.textContent).toContain('<script>alert(1)</script>');
    // The component's own icons (copy, regenerate, a code block's buttons) are the only SVG: none comes from the text.
    expect(answer.querySelector('script, img, iframe, object, embed')).toBeNull();
    const svgs = Array.from(answer.querySelectorAll('svg'));
    expect(svgs.every((svg) => svg.getAttribute('aria-hidden') === 'true' && (svg.closest('.ia-markdown') === null || svg.closest('.ia-code-header button') !== null))).toBe(true);
    for (const element of Array.from(answer.querySelectorAll('*'))) {
      expect(Array.from(element.attributes).filter((attribute) => attribute.name.startsWith('on'))).toEqual([]);
      expect(element.getAttribute('href') ?? '').not.toMatch(/^\s*javascript:/i);
    }
    expect(alert).not.toHaveBeenCalled();
    expect((window as { __pwned?: boolean }).__pwned).toBeUndefined();
    alert.mockRestore();
  });

  it('has no axe violations when empty, with an answer and its tooltip, and with an error', async () => {
    const check = async () => {
      const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
      expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.html).join(', ')}`)).toEqual([]);
    };
    const { user, container } = renderPanel({}, { client: mockClient({ scenario: 'markdown', pacing: { ttftMs: 0, tokensPerSecond: Infinity } }) });
    await check();
    await send(user, 'Show a table');
    await waitForAnswer(container);
    act(() => screen.getByRole('button', { name: 'Model info' }).focus());
    await check();
    await send(user, 'Now fail [mock:rate-limited]');
    await screen.findByRole('alert');
    await check();
  });

  it('every string is a label; class names go to their slots; unstyled drops the own classes', async () => {
    const { container } = renderPanel({
      labels: { message: 'Nachricht', send: 'Senden', emptyState: 'Noch nichts hier.' },
      classNames: { root: 'app-chat', composer: 'app-composer' },
      unstyled: true,
      placeholder: 'Frag etwas…',
      theme: 'dark',
    });
    const box = screen.getByRole('textbox', { name: 'Nachricht' });
    expect(box.getAttribute('placeholder')).toBe('Frag etwas…');
    expect(screen.getByRole('button', { name: 'Senden' })).toBeTruthy();
    expect(screen.getByText('Noch nichts hier.')).toBeTruthy();
    const root = container.querySelector('[data-insforge-ai]')!;
    expect(root.className).toBe('app-chat');
    expect(root.getAttribute('data-theme')).toBe('dark');
    expect(box.closest('form')?.className).toBe('app-composer');
    expect(container.querySelector('[class*="ia-"]')).toBeNull();
  });

  it('says what the composer is for without a placeholder of the app, in the placeholder label', () => {
    const { unmount } = renderPanel();
    expect(screen.getByRole('textbox', { name: 'Message' }).getAttribute('placeholder')).toBe('Write a message…');
    unmount();
    renderPanel({ labels: { placeholder: 'Schreib etwas…' } });
    expect(screen.getByRole('textbox', { name: 'Message' }).getAttribute('placeholder')).toBe('Schreib etwas…');
  });

  it('a part outside ChatPanel says where it belongs', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => render(<ChatComposer />)).toThrow('`ChatComposer` must be used within `ChatPanel`');
    spy.mockRestore();
  });

  it('two panels on one page share nothing', async () => {
    const user = userEvent.setup();
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={nodeFetch} storage={memoryStorage()}>
        <ChatPanel feature="chat" labels={{ message: 'First' }} />
        <ChatPanel feature="chat" labels={{ message: 'Second' }} />
      </AiProvider>,
    );
    await user.type(screen.getByRole('textbox', { name: 'First' }), 'only here{Enter}');
    await waitFor(() => expect(screen.getAllByText('only here')).toHaveLength(1));
    expect(screen.getAllByRole('region', { name: 'Conversation' })[1]!.querySelector('li')).toBeNull();
    await waitFor(() => expect(screen.getAllByRole('status')[0]!.textContent).toBe('Answer complete'), { timeout: 10_000 });
  });
});

describe('ChatPanel: tools, sources and attachments', () => {
  const violations = async () => {
    const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    return results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.html).join(', ')}`);
  };

  it('shows a card that asks before running a tool; Approve runs it and the answer uses the result', async () => {
    const created: unknown[] = [];
    const tools: ChatPanelProps['tools'] = {
      get_weather: { description: 'The weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, execute: () => ({ celsius: 19 }) },
      create_ticket: { description: 'Opens a ticket', parameters: { type: 'object' }, needsApproval: true, execute: (input: unknown) => (created.push(input), 'ticket #7') },
    };
    const { user, container } = renderPanel({ tools });
    await send(user, 'Check get_weather and create_ticket');
    const card = await screen.findByRole('group', { name: 'Tool call: create_ticket' }, { timeout: 10_000 });
    expect(card.getAttribute('data-state')).toBe('awaiting-approval');
    expect(within(card).getByText('Allow create_ticket to run?')).toBeTruthy();
    expect(screen.getByRole('group', { name: 'Tool call: get_weather' }).getAttribute('data-state')).toBe('output-available');
    expect(await violations()).toEqual([]);
    expect(created).toEqual([]);

    await user.click(within(card).getByRole('button', { name: 'Approve' }));
    await waitFor(() => expect(lastAnswer(container)?.textContent).toContain('create_ticket: ticket #7'), { timeout: 10_000 });
    expect(created).toHaveLength(1);
    expect(card.getAttribute('data-state')).toBe('output-available');
    expect(await violations()).toEqual([]);
  });

  it('Deny, reached with the keyboard, tells the model the call was denied', async () => {
    const tools: ChatPanelProps['tools'] = { create_ticket: { parameters: { type: 'object' }, needsApproval: true, execute: () => 'never' } };
    const { user, container } = renderPanel({ tools });
    await send(user, 'Please create_ticket');
    const card = await screen.findByRole('group', { name: 'Tool call: create_ticket' }, { timeout: 10_000 });
    within(card).getByRole('button', { name: 'Deny' }).focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(lastAnswer(container)?.textContent).toContain('The user denied this call'), { timeout: 10_000 });
    expect(card.getAttribute('data-state')).toBe('denied');
  });

  it("renders a tool's own component from toolComponents", async () => {
    const tools: ChatPanelProps['tools'] = { get_weather: { parameters: { type: 'object' }, execute: () => ({ celsius: 23 }) } };
    const WeatherCard: NonNullable<ChatPanelProps['toolComponents']>[string] = ({ part }) => <p data-testid="weather">{part.state === 'output-available' ? `It is ${(part.output as { celsius: number }).celsius} °C` : 'Looking…'}</p>;
    const { user } = renderPanel({ tools, toolComponents: { get_weather: WeatherCard } });
    await send(user, 'get_weather please');
    await waitFor(() => expect(screen.getByTestId('weather').textContent).toBe('It is 23 °C'), { timeout: 10_000 });
  });

  it('shows attachments in the user message, sources under the answer, and the reasoning as "Thought for"', async () => {
    const pixel = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const initialMessages: ChatPanelProps['initialMessages'] = [
      { id: 'u1', role: 'user', content: 'What is in these?', createdAt: 0, parts: [{ type: 'text', text: 'What is in these?' }, { type: 'file', kind: 'image', mediaType: 'image/png', name: 'pixel.png', size: 68, url: pixel }, { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'report.pdf', size: 48_213, url: 'data:application/pdf;base64,JVBERi0xLjQK' }] },
      {
        id: 't1',
        role: 'assistant',
        selected: 0,
        versions: [
          {
            id: 'a1', role: 'assistant', status: 'done', content: 'A pixel and a report [1].', reasoning: 'Look closely.', toolCalls: [], images: [],
            parts: [{ type: 'reasoning', text: 'Look closely.', details: [], startedAt: 1_000, finishedAt: 4_000 }, { type: 'text', text: 'A pixel and a report [1].' }, { type: 'source', number: 1, url: 'https://example.com/pixels', title: 'All about pixels' }, { type: 'source', number: 2, url: 'javascript:alert(1)', title: 'Bad link' }],
            timing: { startedAt: 0, deltas: 3 },
          },
        ],
      },
    ];
    renderPanel({ initialMessages });
    const attachments = await screen.findByRole('list', { name: 'Attachments' });
    expect(within(attachments).getByRole('img', { name: 'pixel.png' })).toBeTruthy();
    expect(within(attachments).getByText('report.pdf')).toBeTruthy();
    expect(attachments.querySelector('[data-part="file-meta"]')?.textContent).toBe('PDF · 47 KB');
    expect(screen.getByText('Thought for 3 s')).toBeTruthy();
    const sources = screen.getByRole('navigation', { name: 'Sources' });
    expect(within(sources).getByRole('link', { name: /All about pixels/ }).getAttribute('href')).toBe('https://example.com/pixels');
    // A source whose URL the markdown policy refuses is listed without a link.
    expect(within(sources).getAllByRole('link')).toHaveLength(1);
    expect(await violations()).toEqual([]);
  });
});

describe('ChatPanel: attachments in the composer', () => {
  const pixelBytes = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (char) => char.charCodeAt(0));
  const fileInput = (container: HTMLElement) => container.querySelector<HTMLInputElement>('input[type="file"]') as HTMLInputElement;

  it('refuses a file the feature does not take, with the reason, before anything is sent', async () => {
    const { user, container } = renderPanel();
    const attach = await screen.findByRole('button', { name: 'Attach files' }, { timeout: 10_000 });
    // The chat model reads images and files, not audio: the picker offers what it takes.
    expect(fileInput(container).accept).toBe('image/*,application/pdf');
    const before = harness.emulator.generations({ kind: 'chat' }).length;
    // `applyAccept: false`: the file dialog would hide it, but a drop or a paste can still bring one.
    const upload = userEvent.setup({ applyAccept: false });
    await upload.upload(fileInput(container), new File([new Uint8Array(64)], 'voice.wav', { type: 'audio/wav' }));
    expect((await screen.findByRole('alert')).textContent).toBe('This assistant does not take audio.');
    await user.type(composer(), 'What is in the recording?');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Send' }).disabled).toBe(true);
    await user.keyboard('{Enter}');
    expect(harness.emulator.generations({ kind: 'chat' }).length).toBe(before);
    expect(composer().value).toBe('What is in the recording?');
    expect(await violations()).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Remove voice.wav' }));
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Send' }).disabled).toBe(false);
    expect(attach).toBeTruthy();
  });

  it('in a right-to-left page a file size reads "9 B", number first, in the composer and in a sent message', async ({ onTestFinished }) => {
    document.documentElement.dir = 'rtl';
    onTestFinished(() => document.documentElement.removeAttribute('dir'));
    const initialMessages: ChatPanelProps['initialMessages'] = [
      { id: 'u1', role: 'user', content: 'What is in this?', createdAt: 0, parts: [{ type: 'text', text: 'What is in this?' }, { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'report.pdf', size: 48_213, url: 'data:application/pdf;base64,JVBERi0xLjQK' }] },
    ];
    const { user, container } = renderPanel({ initialMessages });
    await screen.findByRole('button', { name: 'Attach files' }, { timeout: 10_000 });
    await user.upload(fileInput(container), new File(['%PDF-1.4\n'], 'notes.pdf', { type: 'application/pdf' }));
    const drafts = container.querySelector('[data-part="attachment-drafts"]') as HTMLElement;
    await waitFor(() => expect(within(drafts).getByRole('listitem').getAttribute('data-status')).toBe('ready'));
    const sent = container.querySelector('[data-part="attachments"]') as HTMLElement;
    // The size is its own left-to-right island in the right-to-left chip: the number stays before its unit.
    const direction = (element: Element | null) => (element ? getComputedStyle(element).direction : undefined);
    for (const size of [within(drafts).getByText('9 B'), within(sent).getByText('47 KB')]) {
      expect({ size: direction(size), chip: direction(size.parentElement) }).toEqual({ size: 'ltr', chip: 'rtl' });
    }
    expect(sent.querySelector('[data-part="file-meta"]')?.textContent).toBe('PDF · 47 KB');
    expect(await violations()).toEqual([]);
  });

  it('sends a picked image with the text; the message shows it and the model received it', async () => {
    const { user, container } = renderPanel();
    await screen.findByRole('button', { name: 'Attach files' }, { timeout: 10_000 });
    await user.upload(fileInput(container), new File([pixelBytes], 'pixel.png', { type: 'image/png' }));
    const drafts = await screen.findByRole('list', { name: 'Attachments' });
    await waitFor(() => expect(within(drafts).getByRole('listitem').getAttribute('data-status')).toBe('ready'));
    await send(user, 'What is this?');
    await waitForAnswer(container);
    expect(lastAnswer(container)?.textContent).toContain('I received an image of 1×1 pixels');
    const sent = screen.getAllByRole('list', { name: 'Attachments' }).at(-1) as HTMLElement;
    expect(within(sent).getByRole('img', { name: 'pixel.png' })).toBeTruthy();
    // The composer is empty again: the file went with the message.
    expect(container.querySelector('[data-part="attachment-drafts"]')).toBeNull();
  });
});

async function violations() {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  return results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.html).join(', ')}`);
}
