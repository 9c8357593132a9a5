// @vitest-environment jsdom
// A page's `localStorage` and its `storage` event, which the browser fires in every other tab of the origin; here the
// other tab's change is made by hand and the event dispatched as the browser would. For `serverStorage`, the other
// tab is a BroadcastChannel of the same name, as another page's would be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createChatController } from '../chat-controller.js';
import { shownAnswer, type AssistantTurn } from '../chat-messages.js';
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
});
