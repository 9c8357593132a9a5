import { describe, expect, it } from 'vitest';
import type { StoredConversation } from '../chat-messages.js';
import { memoryStorage } from './conversation-storage.js';
import { scopedStorage } from './scoped-storage.js';

const conversation = (id: string, title: string): StoredConversation => ({ id, title, feature: 'chat', createdAt: 1, updatedAt: 2, messages: [] });

describe('scopedStorage', () => {
  it("keeps each identity's conversations apart in one shared storage, even under the same id", async () => {
    const shared = memoryStorage();
    const alice = scopedStorage(shared, 'alice');
    const bob = scopedStorage(shared, 'bob');
    await alice.save(conversation('support', 'Alice asks'));
    await bob.save(conversation('support', 'Bob asks'));
    expect((await alice.load('support'))?.title).toBe('Alice asks');
    expect((await bob.load('support'))?.title).toBe('Bob asks');
    expect((await alice.list()).map((summary) => [summary.id, summary.title])).toEqual([['support', 'Alice asks']]);
    await bob.remove('support');
    expect(await bob.load('support')).toBeUndefined();
    expect((await alice.load('support'))?.title).toBe('Alice asks');
  });

  it('never lets one identity read another whose name starts the same', async () => {
    const shared = memoryStorage();
    await scopedStorage(shared, 'ann:x').save(conversation('c', 'not Ann'));
    expect(await scopedStorage(shared, 'ann').list()).toEqual([]);
    expect(await scopedStorage(shared, 'ann').load('x:c')).toBeUndefined();
  });
});
