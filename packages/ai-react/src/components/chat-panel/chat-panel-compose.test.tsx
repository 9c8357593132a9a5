import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationStorage } from '../../core/storage/conversation-storage.js';
import { memoryStorage } from '../../core/storage/conversation-storage.js';
import { AiProvider } from '../../react/ai-provider.js';
import { mockClient, type MockGatewayOptions } from '../../testing/mock-gateway.js';
import { ChatPanel, type ChatPanelProps } from './chat-panel.js';

afterEach(cleanup);

const instant = { ttftMs: 0, tokensPerSecond: Infinity };

function renderPanel(props: Partial<ChatPanelProps> = {}, gateway: MockGatewayOptions = { pacing: instant }, storage: ConversationStorage = memoryStorage()) {
  const user = userEvent.setup();
  const view = render(
    <AiProvider client={mockClient(gateway)} storage={storage}>
      <ChatPanel feature="chat" {...props} />
    </AiProvider>,
  );
  return { user, storage, ...view };
}

const composer = () => screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });
const lastAnswer = (container: HTMLElement) => Array.from(container.querySelectorAll<HTMLLIElement>('li[data-role="assistant"]')).at(-1);
const waitForAnswer = (container: HTMLElement, status = 'done') => waitFor(() => expect(lastAnswer(container)?.getAttribute('data-status')).toBe(status), { timeout: 10_000 });

describe('ChatPanel: composed from primitives', () => {
  it('a partial answer cut by a failure keeps its text and says it was cut off, not that there was no answer', async () => {
    const { user, container } = renderPanel({}, { scenario: 'mid-stream-error', pacing: instant });
    await user.type(composer(), 'Tell me everything{Enter}');
    await waitForAnswer(container, 'error');
    const answer = lastAnswer(container)!;
    expect(answer.querySelector('.ia-markdown')?.textContent?.length).toBeGreaterThan(10);
    expect(within(answer).getByText('The answer was cut off: the request failed.')).toBeTruthy();
    expect(within(answer).queryByText('No answer: the request failed.')).toBeNull();
  });

  it('an answer that reached its length limit says it stops there, and so does the status region; one the model finished says nothing', async () => {
    const features = [{ name: 'chat', model: 'openai/gpt-4o-mini', params: { max_tokens: 8 } }, { name: 'long', model: 'openai/gpt-4o-mini', params: { max_tokens: 4_000 } }];
    const { user, container, rerender } = renderPanel({}, { pacing: instant, replyTokens: 60, features });
    await user.type(composer(), 'Tell me everything{Enter}');
    await waitForAnswer(container);
    const cut = lastAnswer(container)!;
    const note = within(cut).getByText('Stopped at the length limit.');
    expect(note.getAttribute('data-finish')).toBe('length');
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Stopped at the length limit.'));
    rerender(
      <AiProvider client={mockClient({ pacing: instant, replyTokens: 60, features })} storage={memoryStorage()}>
        <ChatPanel feature="long" />
      </AiProvider>,
    );
    await user.type(composer(), 'Tell me a little{Enter}');
    await waitForAnswer(container);
    expect(within(lastAnswer(container)!).queryByText(/Stopped at the length limit/)).toBeNull();
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Answer complete'));
  });

  it('editing a message keeps the earlier branch: ‹ 1/2 › on the message brings the earlier turns back', async () => {
    const { user, container } = renderPanel();
    await user.type(composer(), 'First{Enter}');
    await waitForAnswer(container);
    await user.type(composer(), 'Second{Enter}');
    await waitForAnswer(container);
    const firstUser = () => container.querySelector<HTMLLIElement>('li[data-role="user"]')!;
    await user.click(within(firstUser()).getByRole('button', { name: 'Edit' }));
    const editor = screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Edit message' });
    await user.clear(editor);
    await user.type(editor, 'First, edited{Enter}');
    await waitForAnswer(container);
    expect(container.querySelectorAll('li')).toHaveLength(2);
    const versions = within(firstUser()).getByRole('group', { name: 'Versions' });
    expect(versions.textContent).toContain('2 / 2');
    await user.click(within(versions).getByRole('button', { name: 'Previous version' }));
    expect(container.querySelectorAll('li')).toHaveLength(4);
    expect(firstUser().textContent).toContain('First');
    expect(container.querySelectorAll('li[data-role="user"]')[1]?.textContent).toContain('Second');
  });

  it('offers the suggestions under the title; one sends; "New chat" starts over and keeps the old conversation', async () => {
    const { user, container, storage } = renderPanel({ title: 'Support', suggestions: ['Where is my order?', 'Change my address'] });
    expect(screen.getByRole('heading', { name: 'Support' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'New chat' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Where is my order?' }));
    await waitForAnswer(container);
    expect(container.querySelector('li[data-role="user"]')?.textContent).toContain('Where is my order?');
    expect(screen.queryByRole('heading', { name: 'Support' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'New chat' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Support' })).toBeTruthy());
    expect(container.querySelector('li[data-role]')).toBeNull();
    expect(document.activeElement).toBe(composer());
    expect((await storage.list()).map((summary) => summary.title)).toEqual(['Where is my order?']);
  });

  it("keeps each signed-in identity's conversation apart in one browser storage", async () => {
    const shared = memoryStorage();
    const alice = renderPanel({ identity: 'alice', conversationId: 'support' }, { pacing: instant }, shared);
    await alice.user.type(composer(), 'Alice asks{Enter}');
    await waitForAnswer(alice.container);
    alice.unmount();
    const bob = renderPanel({ identity: 'bob', conversationId: 'support' }, { pacing: instant }, shared);
    await waitFor(() => expect(screen.getByText('Ask anything to get started.')).toBeTruthy());
    expect(bob.container.querySelector('li[data-role]')).toBeNull();
    bob.unmount();
    const aliceAgain = renderPanel({ identity: 'alice', conversationId: 'support' }, { pacing: instant }, shared);
    await waitFor(() => expect(aliceAgain.container.querySelector('li[data-role="user"]')?.textContent).toContain('Alice asks'));
  });
});
