import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { memoryStorage } from '../../core/storage/conversation-storage.js';
import { AiProvider } from '../../react/ai-provider.js';
import { ChatPanel, type ChatPanelProps } from './chat-panel.js';

// Against the real gateway and emulator: the toggle shows where the feature allows the search, and what it sends.
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    features: [
      { name: 'research', model: 'openai/gpt-4o-mini', extensions: { serverTools: { web_search: 'allow' } } },
      { name: 'plain', model: 'openai/gpt-4o-mini' },
    ],
    emulator: { catalog: { models: chatModels.data } },
  });
});
afterAll(() => harness.close());
afterEach(cleanup);

function renderPanel(props: Partial<ChatPanelProps>) {
  const user = userEvent.setup();
  const view = render(
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={globalThis.fetch} storage={memoryStorage()}>
      <ChatPanel feature="research" webSearch {...props} />
    </AiProvider>,
  );
  return { user, ...view };
}

const upstreamTools = () => (harness.emulator.generations().at(-1)?.request as { tools?: Array<{ type: string }> } | undefined)?.tools;

async function ask(user: ReturnType<typeof userEvent.setup>, container: HTMLElement, text: string) {
  await user.type(screen.getByRole('textbox', { name: 'Message' }), `${text}{Enter}`);
  await waitFor(() => expect(container.querySelector('li[data-role="assistant"]:last-child')?.getAttribute('data-status')).toBe('done'), { timeout: 10_000 });
}

describe('ChatPanel webSearch', () => {
  it('a toggle the feature allows: off, nothing is searched; on, the next answer searches and lists numbered sources', async () => {
    const { user, container } = renderPanel({});
    const toggle = await screen.findByRole('button', { name: 'Search the web' });
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    await ask(user, container, 'Tram fares in Oslo');
    expect(upstreamTools()).toBeUndefined();
    expect(screen.queryByRole('navigation', { name: 'Sources' })).toBeNull();

    await user.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    await ask(user, container, 'Night trams in Oslo');
    // With the bound on its searches the gateway adds, so that caps reserve for each, on OpenRouter's engine, which
    // keeps it where an OpenAI model's own search would not.
    expect(upstreamTools()).toEqual([{ type: 'openrouter:web_search', parameters: { max_uses: 10, engine: 'exa' } }]);
    const sources = await screen.findByRole('navigation', { name: 'Sources' });
    expect(within(sources).getAllByRole('link').length).toBeGreaterThan(0);
    expect(within(sources).getAllByRole('link')[0]?.getAttribute('href')).toMatch(/^https:\/\/example\.org\/night-trams-in-oslo\/1$/);
  });

  it('shows no toggle where the feature does not allow the search, or without the prop', async () => {
    renderPanel({ feature: 'plain' });
    await screen.findByRole('textbox', { name: 'Message' });
    // The catalog has loaded (the attach button shows) and still no toggle.
    await screen.findByRole('button', { name: 'Attach files' });
    expect(screen.queryByRole('button', { name: 'Search the web' })).toBeNull();
    cleanup();
    renderPanel({ webSearch: false });
    await screen.findByRole('button', { name: 'Attach files' });
    expect(screen.queryByRole('button', { name: 'Search the web' })).toBeNull();
  });
});
