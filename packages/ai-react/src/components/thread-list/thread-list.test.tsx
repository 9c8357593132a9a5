import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredConversation } from '../../core/chat-messages.js';
import { memoryStorage } from '../../core/storage/conversation-storage.js';
import { localStorageAdapter } from '../../core/storage/local-storage.js';
import { scopedStorage } from '../../core/storage/scoped-storage.js';
import { AiProvider } from '../../react/ai-provider.js';
import { mockClient } from '../../testing/mock-gateway.js';
import { ChatPanel } from '../chat-panel/chat-panel.js';
import { ThreadList } from './thread-list.js';

afterEach(cleanup);

const saved = (id: string, question: string, updatedAt: number): StoredConversation => ({
  id,
  title: question,
  feature: 'chat',
  createdAt: updatedAt,
  updatedAt,
  messages: [{ id: `${id}-u`, role: 'user', content: question, createdAt: updatedAt }],
});

function Chats({ identity }: { identity?: string }) {
  const [id, setId] = useState<string>('fresh');
  return (
    <>
      <ThreadList activeId={id} onSelect={setId} onNewChat={() => setId(`new-${Date.now()}`)} identity={identity} />
      <ChatPanel conversationId={id} identity={identity} />
    </>
  );
}

function renderChats(storage = memoryStorage([saved('lisbon', 'Plan a trip to Lisbon', 1), saved('taxes', 'Explain my tax return', 2)]), identity?: string) {
  const user = userEvent.setup();
  render(
    <AiProvider client={mockClient({ pacing: { ttftMs: 0, tokensPerSecond: Infinity } })} storage={storage}>
      <Chats {...(identity ? { identity } : {})} />
    </AiProvider>,
  );
  return { user, storage };
}

const list = () => screen.getByRole('list', { name: 'Conversations' });
const titles = () => within(list()).queryAllByRole('button', { name: /^(?!Rename|Delete)/ }).map((button) => button.textContent);
/** Opens a listed conversation and waits until the chat beside the list shows its question. */
async function openConversation(user: ReturnType<typeof userEvent.setup>, title: string): Promise<void> {
  await user.click(within(list()).getByRole('button', { name: title }));
  await waitFor(() => expect(document.querySelector('li[data-role="user"]')?.textContent).toContain(title));
}

describe('ThreadList', () => {
  it('lists conversations newest first; opening one shows it in the chat, marked current', async () => {
    const { user } = renderChats();
    await waitFor(() => expect(titles()).toEqual(['Explain my tax return', 'Plan a trip to Lisbon']));
    await openConversation(user, 'Plan a trip to Lisbon');
    expect(within(list()).getByRole('button', { name: 'Plan a trip to Lisbon' }).getAttribute('aria-current')).toBe('page');
  });

  it('a new chat appears in the list under a title made from its first message', async () => {
    const { user } = renderChats();
    await waitFor(() => expect(titles()).toHaveLength(2));
    await user.click(screen.getAllByRole('button', { name: 'New chat' })[0]!);
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'What should I cook tonight?\nSomething quick{Enter}');
    await waitFor(() => expect(titles()[0]).toBe('What should I cook tonight?'));
  });

  it('searches by title, renames with Enter (Escape keeps the title) and deletes', async () => {
    const { user, storage } = renderChats();
    await waitFor(() => expect(titles()).toHaveLength(2));
    await user.type(screen.getByRole('searchbox', { name: 'Search conversations' }), 'lisb');
    await waitFor(() => expect(titles()).toEqual(['Plan a trip to Lisbon']));
    await user.clear(screen.getByRole('searchbox', { name: 'Search conversations' }));
    await user.click(screen.getByRole('button', { name: 'Rename “Plan a trip to Lisbon”' }));
    await user.keyboard('{Escape}');
    expect(titles()).toContain('Plan a trip to Lisbon');
    await user.click(screen.getByRole('button', { name: 'Rename “Plan a trip to Lisbon”' }));
    const box = screen.getByRole('textbox', { name: 'Title' });
    await user.clear(box);
    await user.type(box, 'Lisbon in May{Enter}');
    await waitFor(() => expect(titles()).toContain('Lisbon in May'));
    expect((await storage.load('lisbon'))?.title).toBe('Lisbon in May');
    await user.click(screen.getByRole('button', { name: 'Delete “Explain my tax return”' }));
    await waitFor(() => expect(titles()).toEqual(['Lisbon in May']));
    expect(await storage.load('taxes')).toBeUndefined();
  });

  it('deleting the conversation shown starts a new chat, and the focus moves to the conversation that took its place', async () => {
    const { user, storage } = renderChats();
    await waitFor(() => expect(titles()).toHaveLength(2));
    await openConversation(user, 'Explain my tax return');
    await user.click(screen.getByRole('button', { name: 'Delete “Explain my tax return”' }));
    await waitFor(() => expect(titles()).toEqual(['Plan a trip to Lisbon']));
    // The chat beside the list no longer shows what was deleted, and nothing in the list is current.
    await waitFor(() => expect(document.querySelector('li[data-role="user"]')).toBeNull());
    expect(within(list()).getByRole('button', { name: 'Plan a trip to Lisbon' }).getAttribute('aria-current')).toBeNull();
    expect(await storage.load('taxes')).toBeUndefined();
    expect(document.activeElement).toBe(within(list()).getByRole('button', { name: 'Plan a trip to Lisbon' }));
    // The last one gone, the focus goes to the search box.
    await user.click(screen.getByRole('button', { name: 'Delete “Plan a trip to Lisbon”' }));
    await waitFor(() => expect(titles()).toEqual([]));
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search conversations' }));
  });

  it('a conversation deleted while its answer streams stays deleted', async () => {
    const user = userEvent.setup();
    const storage = memoryStorage([saved('lisbon', 'Plan a trip to Lisbon', 1)]);
    render(
      <AiProvider client={mockClient({ pacing: { ttftMs: 0, tokensPerSecond: 40 } })} storage={storage}>
        <Chats />
      </AiProvider>,
    );
    await waitFor(() => expect(titles()).toHaveLength(1));
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'Tell me a long story{Enter}');
    await waitFor(() => expect(titles()).toContain('Tell me a long story'));
    await waitFor(() => expect(document.querySelector('li[data-role="assistant"]')?.textContent?.length).toBeGreaterThan(5));
    await user.click(screen.getByRole('button', { name: 'Delete “Tell me a long story”' }));
    await waitFor(() => expect(titles()).toEqual(['Plan a trip to Lisbon']));
    // The stopped answer's save, and any save still queued, do not bring it back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(titles()).toEqual(['Plan a trip to Lisbon']);
    expect((await storage.list()).map((conversation) => conversation.title)).toEqual(['Plan a trip to Lisbon']);
  });

  it('keeps a new title given to the conversation shown when the chat saves it again', async () => {
    const { user, storage } = renderChats();
    await waitFor(() => expect(titles()).toHaveLength(2));
    await openConversation(user, 'Plan a trip to Lisbon');
    await user.click(screen.getByRole('button', { name: 'Rename “Plan a trip to Lisbon”' }));
    const box = screen.getByRole('textbox', { name: 'Title' });
    await user.clear(box);
    await user.type(box, 'Lisbon in May{Enter}');
    await waitFor(() => expect(titles()).toContain('Lisbon in May'));
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'And Porto?{Enter}');
    await waitFor(() => expect(document.querySelectorAll('li[data-role="user"]')).toHaveLength(2));
    await waitFor(async () => expect((await storage.load('lisbon'))?.messages.length).toBeGreaterThanOrEqual(3));
    expect((await storage.load('lisbon'))?.title).toBe('Lisbon in May');
    await waitFor(() => expect(titles()).toContain('Lisbon in May'));
  });

  it("lists only the signed-in identity's conversations", async () => {
    const shared = memoryStorage();
    await scopedStorage(shared, 'bob').save(saved('b1', "Bob's secret plan", 3));
    await scopedStorage(shared, 'alice').save(saved('a1', "Alice's question", 4));
    renderChats(shared, 'alice');
    await waitFor(() => expect(titles()).toEqual(["Alice's question"]));
  });

  it("lists only one feature's conversations when given a feature", async () => {
    const code = { ...saved('reverse', 'Reverse a string', 3), feature: 'code' };
    render(
      <AiProvider client={mockClient({ pacing: { ttftMs: 0, tokensPerSecond: Infinity } })} storage={memoryStorage([saved('lisbon', 'Plan a trip to Lisbon', 1), code])}>
        <ThreadList feature="code" onSelect={() => undefined} />
      </AiProvider>,
    );
    await waitFor(() => expect(titles()).toEqual(['Reverse a string']));
  });

  it('a list that could not be read says so, not that there are no conversations, and "Try again" reads it again', async () => {
    const stored = memoryStorage([saved('lisbon', 'Plan a trip to Lisbon', 1)]);
    let down = true;
    const storage = { ...stored, list: async () => (down ? Promise.reject(new TypeError('fetch failed')) : stored.list()) };
    const user = userEvent.setup();
    render(
      <AiProvider client={mockClient()} storage={storage}>
        <ThreadList onSelect={() => undefined} />
      </AiProvider>,
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('The conversations could not be loaded. You appear to be offline; check your connection and try again. Try again');
    expect(screen.queryByText('No conversations yet.')).toBeNull();
    down = false;
    await user.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(titles()).toEqual(['Plan a trip to Lisbon']));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a delete that fails puts the conversation back and says it could not be deleted, and why', async () => {
    const stored = memoryStorage([saved('lisbon', 'Plan a trip to Lisbon', 1)]);
    const user = userEvent.setup();
    render(
      <AiProvider client={mockClient()} storage={{ ...stored, remove: () => Promise.reject(new TypeError('fetch failed')) }}>
        <ThreadList onSelect={() => undefined} />
      </AiProvider>,
    );
    await waitFor(() => expect(titles()).toEqual(['Plan a trip to Lisbon']));
    await user.click(screen.getByRole('button', { name: 'Delete “Plan a trip to Lisbon”' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('The conversation could not be deleted. You appear to be offline; check your connection and try again.');
    expect(titles()).toEqual(['Plan a trip to Lisbon']);
  });
});

describe('ThreadList and ChatPanel over conversations stored in another shape', () => {
  const prefix = 'insforge-ai:conversation:';
  const text = (id: string, value: string) => ({ id, role: 'assistant', status: 'done', parts: [null, { type: 'text', text: value }, { type: 'chart' }], content: value, reasoning: '', toolCalls: [], images: [], timing: { startedAt: 1, deltas: 1 } });
  const stored: Record<string, unknown> = {
    // Written by another version, another script, or cut short: the valid parts show, the rest is left out.
    odd: { id: 'odd', title: { text: 'Trip' }, feature: 'chat', createdAt: 3, updatedAt: 3, messages: [null, { id: 'odd-u', role: 'user', content: 'Plan a trip to Porto', createdAt: 3, parts: [null, { type: 'text', text: 'Plan a trip to Porto' }] }, { role: 'user', content: 'No id' }, { id: 'odd-t', role: 'assistant', selected: 0, versions: [text('odd-a', 'Porto in three days.')] }, { id: 'odd-n', role: 'user', content: 42, createdAt: 3 }, { id: 'odd-v', role: 'assistant', versions: {} }] },
    foreign: { messages: { not: 'a list' } },
    lisbon: saved('lisbon', 'Plan a trip to Lisbon', 1),
  };
  beforeEach(() => {
    // The project's files share one page: what another file's chats left in localStorage is not this test's.
    localStorage.clear();
    for (const [id, value] of Object.entries(stored)) localStorage.setItem(prefix + id, JSON.stringify(value));
    localStorage.setItem(`${prefix}cut`, '{"id":"cut","messages":[{"id"');
  });
  afterEach(() => localStorage.clear());
  const snapshot = () => Object.fromEntries(Array.from({ length: localStorage.length }, (_, index) => localStorage.key(index) ?? '').map((key) => [key, localStorage.getItem(key)]));

  it('lists every conversation that can be shown, opens one with what can be shown of it, and writes nothing back', async () => {
    const before = snapshot();
    const { user } = renderChats(localStorageAdapter());
    await waitFor(() => expect(titles()).toEqual(['New conversation', 'Plan a trip to Lisbon']));
    await user.click(within(list()).getByRole('button', { name: 'New conversation' }));
    await waitFor(() => expect(document.querySelector('li[data-role="assistant"]')?.textContent).toContain('Porto in three days.'));
    expect([...document.querySelectorAll('li[data-role="user"]')].map((item) => item.textContent)).toEqual([expect.stringContaining('Plan a trip to Porto'), expect.any(String)]);
    await openConversation(user, 'Plan a trip to Lisbon');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(snapshot()).toEqual(before);
  });
});
