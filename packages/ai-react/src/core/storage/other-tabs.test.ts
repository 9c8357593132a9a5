// @vitest-environment jsdom
// A page's `localStorage` and its `storage` event, which the browser fires in every other tab of the origin; here the
// other tab's change is made by hand and the event dispatched as the browser would. For `serverStorage`, the other
// tab is a BroadcastChannel of the same name, as another page's would be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createChatController } from '../chat-controller.js';
import { shownAnswer, type AssistantTurn, type ConversationMessage, type StoredConversation } from '../chat-messages.js';
import { createAiClient, type AiClient } from '../client.js';
import { createConversationList } from '../conversation-list.js';
import { localStorageAdapter } from './local-storage.js';
import { scopedStorage } from './scoped-storage.js';
import { SERVER_STORAGE_CHANNEL, serverStorage } from './server-storage.js';

let harness: Harness;
let client: AiClient;
beforeAll(async () => {
  harness = await startHarness();
  harness.emulator.addRule({ match: { contains: 'endless tale' }, scenario: 'tps=40;tokens=400' });
  client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
});
afterAll(() => harness.close());

/** The answer being shown, once there is one. */
function lastAnswer(controller: ReturnType<typeof createChatController>): { content: string; status: string } {
  const last = controller.store.getState().messages.at(-1);
  return last?.role === 'assistant' ? shownAnswer(last as AssistantTurn) : { content: '', status: 'none' };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What another tab's removal does here: the key goes, and the browser tells this page. */
function removedByAnotherTab(key: string): void {
  const oldValue = localStorage.getItem(key);
  localStorage.removeItem(key);
  window.dispatchEvent(new StorageEvent('storage', { key, oldValue, newValue: null, storageArea: localStorage }));
}

describe('a conversation removed in another tab', () => {
  it('stops the answer streaming into it here, and the chat never saves it back; the list here drops it', async () => {
    // One adapter, scoped for a user by the panel and the thread list each, as a provider's are: the key carries both
    // prefixes.
    const adapter = localStorageAdapter({ prefix: 'tabs-a:' });
    const controller = createChatController({ client, feature: 'chat', storage: scopedStorage(adapter, 'alice') });
    const list = createConversationList(scopedStorage(adapter, 'alice'), adapter);
    const key = `tabs-a:alice:${controller.store.getState().id}`;
    const sending = controller.send('Tell me an endless tale');
    await until(() => lastAnswer(controller).content.length > 20 && localStorage.getItem(key) !== null);
    await until(() => list.store.getState().conversations.length === 1);

    removedByAnotherTab(key);
    await sending;
    expect(lastAnswer(controller).status).toBe('stopped');
    await controller.persisted();
    expect(localStorage.getItem(key)).toBeNull();
    await until(() => list.store.getState().conversations.length === 0);

    // Written to again here, it is this tab's conversation again.
    await controller.send('One more question');
    await controller.persisted();
    expect(localStorage.getItem(key)).not.toBeNull();
    list.dispose();
    controller.dispose();
  });

  it('counts a cleared storage as the removal of every conversation, and ignores other keys and other storages', async () => {
    const storage = localStorageAdapter({ prefix: 'tabs-b:' });
    const controller = createChatController({ client, feature: 'chat', storage });
    const key = `tabs-b:${controller.store.getState().id}`;
    const sending = controller.send('Tell me an endless tale');
    await until(() => localStorage.getItem(key) !== null && lastAnswer(controller).content.length > 20);

    // Not its conversations: another prefix, and sessionStorage (which other tabs do not share).
    window.dispatchEvent(new StorageEvent('storage', { key: 'tabs-c:other', newValue: null, storageArea: localStorage }));
    window.dispatchEvent(new StorageEvent('storage', { key, newValue: null, storageArea: sessionStorage }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lastAnswer(controller).status).toBe('streaming');

    localStorage.clear();
    window.dispatchEvent(new StorageEvent('storage', { key: null, storageArea: localStorage }));
    await sending;
    expect(lastAnswer(controller).status).toBe('stopped');
    await controller.persisted();
    expect(localStorage.getItem(key)).toBeNull();
    controller.dispose();
  });
});

/** What another tab's save does here: the key takes its copy, and the browser tells this page. */
function savedByAnotherTab(key: string, conversation: StoredConversation): void {
  const oldValue = localStorage.getItem(key);
  const newValue = JSON.stringify(conversation);
  localStorage.setItem(key, newValue);
  window.dispatchEvent(new StorageEvent('storage', { key, oldValue, newValue, storageArea: localStorage }));
}

/** The texts of the user's messages, in order. */
const questions = (messages: readonly ConversationMessage[]) => messages.flatMap((message) => (message.role === 'user' ? [message.content] : []));

describe('a conversation saved in another tab', () => {
  it('is shown here when the chat is at rest, so its next save keeps the other tab\'s messages', async () => {
    const storage = localStorageAdapter({ prefix: 'tabs-d:' });
    const controller = createChatController({ client, feature: 'chat', storage });
    const { id } = controller.store.getState();
    const key = `tabs-d:${id}`;
    await controller.send('First question');
    await controller.persisted();

    // The other tab opened the same conversation and asked its own question, which it saved with its answer.
    const there = await storage.load(id);
    const answered = there!.messages.at(-1) as AssistantTurn;
    savedByAnotherTab(key, {
      ...there!,
      updatedAt: there!.updatedAt + 1,
      messages: [...there!.messages, { id: 'u-there', role: 'user', content: 'Asked in the other tab', createdAt: 1 }, { ...answered, id: 't-there' }],
    });
    await until(() => questions(controller.store.getState().messages).length === 2);

    await controller.send('Asked here afterwards');
    await controller.persisted();
    expect(questions((await storage.load(id))!.messages)).toEqual(['First question', 'Asked in the other tab', 'Asked here afterwards']);
    controller.dispose();
  });

  it('leaves a chat answering alone (its save wins), and skips a copy whose answer is still coming there', async () => {
    const storage = localStorageAdapter({ prefix: 'tabs-e:' });
    const controller = createChatController({ client, feature: 'chat', storage });
    const { id } = controller.store.getState();
    const key = `tabs-e:${id}`;
    const sending = controller.send('Tell me an endless tale');
    await until(() => lastAnswer(controller).content.length > 20 && localStorage.getItem(key) !== null);
    const copy = JSON.parse(localStorage.getItem(key)!) as StoredConversation;
    savedByAnotherTab(key, { ...copy, title: 'Renamed while answering', messages: copy.messages.slice(0, 1) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lastAnswer(controller).status).toBe('streaming');
    controller.stop();
    await sending;
    await controller.persisted();
    expect(controller.store.getState().messages).toHaveLength(2);

    // The other tab's copy with its answer still arriving: this chat keeps what it shows.
    const pending = JSON.parse(localStorage.getItem(key)!) as StoredConversation;
    const turn = pending.messages[1] as AssistantTurn;
    savedByAnotherTab(key, { ...pending, messages: [...pending.messages, { id: 'u-2', role: 'user', content: 'More', createdAt: 2 }, { ...turn, id: 't-2', versions: [{ ...turn.versions[0]!, status: 'streaming' }] }] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(controller.store.getState().messages).toHaveLength(2);
    controller.dispose();
  });
});

describe('serverStorage across the tabs of one origin', () => {
  it("tells the other tabs what it saves and removes, and stops an answer here when another tab removes its conversation", async () => {
    const otherTab = new BroadcastChannel(SERVER_STORAGE_CHANNEL);
    const told: unknown[] = [];
    otherTab.addEventListener('message', (event: MessageEvent<unknown>) => told.push(event.data));
    try {
      const storage = serverStorage(client);
      const controller = createChatController({ client, feature: 'chat', storage });
      const list = createConversationList(storage);
      const { id } = controller.store.getState();
      const sending = controller.send('Tell me an endless tale');
      await until(() => lastAnswer(controller).content.length > 20 && told.length > 0);
      expect(told).toContainEqual({ type: 'saved', id });
      await until(() => list.store.getState().conversations.some((summary) => summary.id === id));

      // Messages that are not ours change nothing.
      otherTab.postMessage({ type: 'removed' });
      otherTab.postMessage('removed');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(lastAnswer(controller).status).toBe('streaming');

      // The other tab deletes it on the server and says so: the answer here stops, nothing saves it back, the list drops it.
      await client.conversations.remove(id);
      otherTab.postMessage({ type: 'removed', id });
      await sending;
      expect(lastAnswer(controller).status).toBe('stopped');
      await controller.persisted();
      await expect(storage.load(id)).resolves.toBeUndefined();
      await until(() => !list.store.getState().conversations.some((summary) => summary.id === id));

      // Removing through this tab tells the others.
      await controller.send('One more question');
      await controller.persisted();
      await storage.remove(id);
      await until(() => told.some((message) => JSON.stringify(message) === JSON.stringify({ type: 'removed', id })));
      list.dispose();
      controller.dispose();
    } finally {
      otherTab.close();
    }
  });

  it('shows what another tab saved, once told, in a chat at rest', async () => {
    const otherTab = new BroadcastChannel(SERVER_STORAGE_CHANNEL);
    try {
      const storage = serverStorage(client);
      const controller = createChatController({ client, feature: 'chat', storage });
      const { id } = controller.store.getState();
      await controller.send('First question');
      await controller.persisted();

      const there = (await storage.load(id))!;
      await storage.save({ ...there, messages: [...there.messages, { id: 'u-there', role: 'user', content: 'Asked in the other tab', createdAt: 1 }, { ...(there.messages[1] as AssistantTurn), id: 't-there' }] });
      otherTab.postMessage({ type: 'saved', id });
      await until(() => questions(controller.store.getState().messages).length === 2);
      controller.dispose();
    } finally {
      otherTab.close();
    }
  });
});
