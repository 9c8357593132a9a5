import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { SqlConversationStore, type ConversationMessage, type ConversationOwner } from './conversation-store.js';
import type { DialectName } from './database.js';

const message = (id: string, bytes = 0): ConversationMessage => ({ id, role: 'user', content: 'x'.repeat(bytes) });
const opened: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(opened.map((database) => database.drop()));
});
async function storeOn(dialect: DialectName, limits: ConstructorParameters<typeof SqlConversationStore>[1] = {}): Promise<SqlConversationStore> {
  const database = await createTestDatabase(dialect);
  opened.push(database);
  return new SqlConversationStore(database.database.db, limits);
}

describe.each(DIALECTS)('conversation caps and paging on %s', (dialect) => {
  const alice: ConversationOwner = { projectId: 'p', owner: 'user:alice' };
  const bob: ConversationOwner = { projectId: 'p', owner: 'user:bob' };

  it('keeps each owner under a byte cap across create, save, append and delete; others are not affected', async () => {
    const store = await storeOn(dialect, { bytesPerOwner: 10_000 });
    await store.create(alice, { id: 'a', messages: [message('a1', 3_000)] });
    await store.save(alice, 'b', { messages: [message('b1', 3_000)] });
    await expect(store.append(alice, 'a', [message('a2', 5_000)])).rejects.toMatchObject({ code: 'request_too_large', status: 413, message: expect.stringMatching(/would hold 1[01]\.\d KB; the most allowed is 9\.8 KB/) as string });
    // The refused write left nothing behind: the conversation and the totals are as before.
    expect((await store.get(alice, 'a'))!.messageCount).toBe(1);
    await store.append(alice, 'a', [message('a2', 3_000)]);
    await expect(store.create(alice, { id: 'c', messages: [message('c1', 2_000)] })).rejects.toMatchObject({ code: 'request_too_large' });
    await store.create(bob, { id: 'c', messages: [message('c1', 2_000)] });
    // Replacing a conversation counts what it holds now, not what it held; deleting frees its bytes.
    await store.save(alice, 'b', { messages: [message('b1', 100)] });
    await store.create(alice, { id: 'c', messages: [message('c1', 2_000)] });
    await store.remove(alice, 'a');
    await store.create(alice, { id: 'd', messages: [message('d1', 5_000)] });
  });

  it('keeps the owner\'s totals equal to what is stored through concurrent saves, appends and deletes', async () => {
    const store = await storeOn(dialect);
    const db = opened.at(-1)!.database.db;
    await store.save(alice, 'shared', { messages: [message('s0', 10)] });
    await Promise.all([
      ...Array.from({ length: 8 }, (_, index) => store.save(alice, 'shared', { messages: [message(`s${index}`, 100 * (index + 1))] })),
      ...Array.from({ length: 4 }, (_, index) => store.save(alice, `other-${index}`, { messages: [message('o', 50)] })),
      ...Array.from({ length: 4 }, (_, index) => store.append(alice, 'shared', [message(`a${index}`, 30)]).catch(() => undefined)),
    ]);
    await Promise.all([store.remove(alice, 'other-0'), store.remove(alice, 'other-1')]);
    const stored = await db.selectFrom('conversation_messages as m').innerJoin('conversations as c', 'c.key', 'm.conversation_key').select('m.body').where('c.owner', '=', alice.owner).execute();
    const totals = await db.selectFrom('conversation_owners').selectAll().where('owner', '=', alice.owner).executeTakeFirstOrThrow();
    expect({ conversations: Number(totals.conversation_count), bytes: Number(totals.byte_count) }).toEqual({
      conversations: 3,
      bytes: stored.reduce((sum, row) => sum + Buffer.byteLength(row.body), 0),
    });
    const perConversation = await db.selectFrom('conversations').select(['id', 'byte_count']).where('owner', '=', alice.owner).execute();
    expect(perConversation.reduce((sum, row) => sum + Number(row.byte_count), 0)).toBe(Number(totals.byte_count));
  });

  it('takes the per-conversation caps it is given: messages per conversation and bytes per message, naming the figures', async () => {
    const store = await storeOn(dialect, { messagesPerConversation: 3, messageBytes: 1_024 });
    await expect(store.create(alice, { id: 'big', messages: [message('m', 2_000)] })).rejects.toMatchObject({
      code: 'request_too_large',
      options: { param: 'messages.0' },
      message: expect.stringMatching(/at most 1 KB as JSON; this one is 2\.0 KB/) as string,
    });
    await store.create(alice, { id: 'three', messages: [message('a'), message('b'), message('c')] });
    await expect(store.append(alice, 'three', [message('d')])).rejects.toMatchObject({ code: 'request_too_large', message: expect.stringContaining('at most 3 messages; this one has 3') as string });
    await expect(store.save(alice, 'three', { messages: [message('a'), message('b'), message('c'), message('d')] })).rejects.toMatchObject({ code: 'request_too_large' });
    expect((await store.get(alice, 'three'))!.messageCount).toBe(3);
  });

  it('keeps each owner under a conversation count cap, answered 409', async () => {
    const store = await storeOn(dialect, { conversationsPerOwner: 2 });
    await store.create(alice, { id: 'one' });
    await store.save(alice, 'two', { messages: [] });
    await expect(store.create(alice, { id: 'three' })).rejects.toMatchObject({ code: 'conversation_limit_exceeded', status: 409 });
    await expect(store.save(alice, 'three', { messages: [] })).rejects.toMatchObject({ code: 'conversation_limit_exceeded' });
    // Saving an existing conversation again is not a new one.
    await store.save(alice, 'two', { messages: [message('m')] });
    await store.remove(alice, 'one');
    await store.create(alice, { id: 'three' });
  });

  it('reads a long conversation a page at a time, the latest first, and pages back to the start in order', async () => {
    const store = await storeOn(dialect);
    const messages = Array.from({ length: 250 }, (_, index) => message(`m${index}`));
    await store.create(alice, { id: 'long', messages });
    const latest = (await store.get(alice, 'long'))!;
    expect(latest.messages.map((entry) => entry.id)).toEqual(messages.slice(150).map((entry) => entry.id));
    expect(latest).toMatchObject({ messageCount: 250, earlier: 150 });
    const seen = [...latest.messages];
    for (let before = latest.earlier; before !== null; ) {
      const page = (await store.get(alice, 'long', { before, limit: 60 }))!;
      seen.unshift(...page.messages);
      before = page.earlier;
    }
    expect(seen.map((entry) => entry.id)).toEqual(messages.map((entry) => entry.id));
  });
});
