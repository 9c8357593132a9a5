import { describe, expect, it } from 'vitest';
import { createChatController } from './chat-controller.js';
import type { StoredConversation } from './chat-messages.js';
import type { AiClient } from './client.js';
import { createConversationList } from './conversation-list.js';
import { memoryStorage } from './storage/conversation-storage.js';
import { scopedStorage } from './storage/scoped-storage.js';

const conversation = (id: string, title: string | null, updatedAt: number): StoredConversation => ({ id, title, feature: 'chat', createdAt: 1, updatedAt, messages: [] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/** A client whose every answer fails at once: enough for a chat to save its conversation. */
const failingClient = { chat: { stream: () => Promise.reject(new TypeError('offline')) } } as unknown as Pick<AiClient, 'chat'>;

describe('createConversationList', () => {
  it('lists, renames and deletes, newest first', async () => {
    const storage = memoryStorage([conversation('a', 'Older', 1), conversation('b', 'Newer', 2)]);
    const list = createConversationList(storage);
    await settle();
    expect(list.store.getState().conversations.map((summary) => summary.title)).toEqual(['Newer', 'Older']);
    await list.rename('a', '  Renamed  ');
    await settle();
    expect(list.store.getState().conversations.find((summary) => summary.id === 'a')?.title).toBe('Renamed');
    await list.remove('b');
    expect(list.store.getState().conversations.map((summary) => summary.id)).toEqual(['a']);
    expect(await storage.load('b')).toBeUndefined();
    list.dispose();
  });

  it('does not bring back a conversation another tab removed while it was being renamed', async () => {
    const storage = memoryStorage([conversation('a', 'Old', 1)]);
    // Another tab removes it between the rename's read and its write.
    const racing = { ...storage, load: async (id: string) => storage.load(id).finally(() => void storage.remove(id)) };
    const list = createConversationList(racing);
    await settle();
    await list.rename('a', 'New');
    await settle();
    expect(await storage.load('a')).toBeUndefined();
    expect(list.store.getState().conversations).toEqual([]);
    list.dispose();
  });

  it('reads again when a chat saves through the same storage, even through a scoped view of it', async () => {
    const shared = memoryStorage();
    const alice = scopedStorage(shared, 'alice');
    const list = createConversationList(alice, shared);
    await settle();
    expect(list.store.getState().conversations).toEqual([]);
    const chat = createChatController({ client: failingClient, feature: 'chat', storage: scopedStorage(shared, 'alice') });
    await chat.send('Plan a trip to Lisbon');
    await chat.persisted();
    await settle();
    expect(list.store.getState().conversations.map((summary) => summary.title)).toEqual(['Plan a trip to Lisbon']);
    list.dispose();
  });

  it('puts back a conversation whose delete failed, and says which action failed', async () => {
    const stored = memoryStorage([conversation('a', 'Kept', 1)]);
    const list = createConversationList({ ...stored, remove: () => Promise.reject(new TypeError('fetch failed')) });
    await settle();
    await list.remove('a');
    expect(list.store.getState()).toMatchObject({ conversations: [{ id: 'a' }], failedAction: 'remove', error: { code: 'offline' } });
    list.dispose();
  });
});
