import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { DEFAULT_CONVERSATION_LIMITS, SqlConversationStore, type ConversationMessage, type ConversationOwner } from './conversation-store.js';

const alice: ConversationOwner = { projectId: 'p1', owner: 'alice' };
const bob: ConversationOwner = { projectId: 'p1', owner: 'bob' };
const aliceElsewhere: ConversationOwner = { projectId: 'p2', owner: 'alice' };

const message = (id: string, extra: Record<string, unknown> = {}): ConversationMessage => ({ id, role: 'user', parts: [{ type: 'text', text: `text of ${id}` }], ...extra });

describe.each(DIALECTS)('conversation store contract on %s', (dialect) => {
  let test: TestDatabase;
  let store: SqlConversationStore;
  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    store = new SqlConversationStore(test.database.db);
  });
  afterAll(() => test.drop());

  it('creates a conversation and reads it back with its messages in order, exactly as sent', async () => {
    const messages = [message('m1'), message('m2', { status: 'stopped', nested: { a: [1, null, 'é🙂'] } }), message('m3')];
    const created = await store.create(alice, { id: 'c1', title: 'First', feature: 'chat', messages });
    expect(created).toMatchObject({ id: 'c1', title: 'First', feature: 'chat', messages });
    expect(created.createdAt).toBe(created.updatedAt);
    expect(await store.get(alice, 'c1')).toEqual({ ...created, messageCount: created.messages.length, earlier: null });
  });

  it('gives a conversation a UUID and null title and feature when none are given', async () => {
    const created = await store.create(alice, {});
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created).toMatchObject({ title: null, feature: null, messages: [] });
    expect(await store.get(alice, created.id)).toEqual({ ...created, messageCount: 0, earlier: null });
    await store.remove(alice, created.id);
  });

  it('keeps owners apart: another user or project neither sees nor touches the conversation', async () => {
    expect(await store.get(bob, 'c1')).toBeUndefined();
    expect(await store.get(aliceElsewhere, 'c1')).toBeUndefined();
    expect((await store.list(bob)).data).toEqual([]);
    await expect(store.rename(bob, 'c1', 'Mine now')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(store.append(bob, 'c1', [message('x')])).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.remove(bob, 'c1')).rejects.toMatchObject({ code: 'not_found' });
    expect((await store.get(alice, 'c1'))?.messages).toHaveLength(3);
  });

  it('refuses an id the owner already has with 409, while another owner may use the same id', async () => {
    await expect(store.create(alice, { id: 'c1' })).rejects.toMatchObject({ code: 'version_conflict', status: 409, options: { param: 'id' } });
    const bobs = await store.create(bob, { id: 'c1', title: 'Bob’s' });
    expect(bobs.title).toBe('Bob’s');
    expect((await store.get(alice, 'c1'))?.title).toBe('First');
  });

  it('renames, moving the conversation to the top of the list', async () => {
    const before = (await store.get(alice, 'c1'))!;
    const renamed = await store.rename(alice, 'c1', 'Renamed');
    expect(renamed).toMatchObject({ id: 'c1', title: 'Renamed', feature: 'chat', messageCount: 3 });
    expect(renamed.updatedAt).toBeGreaterThanOrEqual(before.updatedAt);
    expect((await store.rename(alice, 'c1', null)).title).toBeNull();
    await store.rename(alice, 'c1', 'Renamed');
  });

  it('appends after the last message, skipping ids it already holds so a retried append adds nothing twice', async () => {
    expect(await store.append(alice, 'c1', [message('m4'), message('m5')])).toEqual({ appended: 2, messageCount: 5 });
    expect(await store.append(alice, 'c1', [message('m5'), message('m6')])).toEqual({ appended: 1, messageCount: 6 });
    expect(await store.append(alice, 'c1', [])).toEqual({ appended: 0, messageCount: 6 });
    expect((await store.get(alice, 'c1'))!.messages.map((entry) => entry.id)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect((await store.list(alice)).data.find((entry) => entry.id === 'c1')?.messageCount).toBe(6);
  });

  it('takes concurrent appends one after another, each message at its own position', async () => {
    await store.create(alice, { id: 'busy' });
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => store.append(alice, 'busy', [message(`b${index}`)])));
    expect(results.map((result) => result.messageCount).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
    const stored = (await store.get(alice, 'busy'))!.messages.map((entry) => entry.id);
    expect([...stored].sort()).toEqual(Array.from({ length: 12 }, (_, index) => `b${index}`).sort());
    await store.remove(alice, 'busy');
  });

  it('refuses duplicate message ids and more than 5,000 messages, storing nothing', async () => {
    const max = DEFAULT_CONVERSATION_LIMITS.messagesPerConversation;
    await expect(store.create(alice, { id: 'dup', messages: [message('a'), message('a')] })).rejects.toMatchObject({ code: 'invalid_parameter', options: { param: 'messages.1.id' } });
    expect(await store.get(alice, 'dup')).toBeUndefined();
    await store.create(alice, { id: 'full', messages: Array.from({ length: max - 1 }, (_, index) => message(`f${index}`)) });
    await expect(store.append(alice, 'full', [message('one'), message('two')])).rejects.toMatchObject({ code: 'request_too_large', status: 413, options: { param: 'messages' } });
    expect(await store.append(alice, 'full', [message('last')])).toEqual({ appended: 1, messageCount: max });
    await expect(store.save(alice, 'full', { messages: Array.from({ length: max + 1 }, (_, index) => message(`g${index}`)) })).rejects.toMatchObject({ code: 'request_too_large' });
    const latest = (await store.get(alice, 'full'))!;
    expect(latest).toMatchObject({ messageCount: max, earlier: max - 100 });
    expect(latest.messages).toHaveLength(100);
    expect(latest.messages.at(-1)).toEqual(message('last'));
    await store.remove(alice, 'full');
  });

  it('answers the latest page for a `before` past every position, however large, on every database', async () => {
    // Positions are `integer` columns: Postgres refused a larger number in the query, a 500 for any client.
    await store.create(alice, { id: 'paged', messages: [message('p1'), message('p2')] });
    for (const before of [2 ** 31 - 1, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      expect(await store.get(alice, 'paged', { before }), String(before)).toMatchObject({ messages: [message('p1'), message('p2')], earlier: null });
    }
    await store.remove(alice, 'paged');
  });

  it('saves a whole conversation: creates it, then replaces its messages and keeps what the save leaves out', async () => {
    const first = await store.save(alice, 'saved', { title: 'Draft', feature: 'code', messages: [message('s1'), message('s2')] });
    expect(first.created).toBe(true);
    expect(first.conversation).toMatchObject({ id: 'saved', title: 'Draft', feature: 'code', messages: [message('s1'), message('s2')] });
    const second = await store.save(alice, 'saved', { messages: [message('s2', { edited: true }), message('s3')] });
    expect(second.created).toBe(false);
    expect(second.conversation).toMatchObject({ id: 'saved', title: 'Draft', feature: 'code', createdAt: first.conversation.createdAt });
    expect(await store.get(alice, 'saved')).toEqual({ ...second.conversation, messageCount: 2, earlier: null });
    const third = await store.save(alice, 'saved', { title: null, messages: [] });
    expect(third.conversation).toMatchObject({ title: null, feature: 'code', messages: [] });
    expect((await store.list(alice)).data.find((entry) => entry.id === 'saved')?.messageCount).toBe(0);
  });

  it("refuses a save that arrives after a later one of the same writer, and takes other writers' saves as they come", async () => {
    const texts = async () => (await store.get(alice, 'ordered'))?.messages.map((entry) => entry.id);
    const save = (ids: string[], order?: { writer: string; sequence: number }) => store.save(alice, 'ordered', { messages: ids.map((id) => message(id)), order });
    await save(['a2'], { writer: 'tab-1', sequence: 2 });
    const totals = await store.list(alice);
    for (const sequence of [1, 2]) {
      await expect(save(['stale'], { writer: 'tab-1', sequence })).rejects.toMatchObject({ code: 'version_conflict', status: 409, options: { param: 'order' } });
    }
    expect(await texts()).toEqual(['a2']);
    expect((await store.list(alice)).data).toEqual(totals.data);
    await save(['a3'], { writer: 'tab-1', sequence: 3 });
    expect(await texts()).toEqual(['a3']);
    // Another writer (a reloaded page) starts its own order; the first writer's next save then lands again.
    await save(['b0'], { writer: 'tab-2', sequence: 0 });
    expect(await texts()).toEqual(['b0']);
    await save(['a1'], { writer: 'tab-1', sequence: 1 });
    expect(await texts()).toEqual(['a1']);
    await save(['plain']);
    await save(['a0'], { writer: 'tab-1', sequence: 0 });
    expect(await texts()).toEqual(['a0']);
    // Sent together, the later save wins whichever the database takes first.
    const results = await Promise.allSettled([save(['a9'], { writer: 'tab-1', sequence: 9 }), save(['a8'], { writer: 'tab-1', sequence: 8 })]);
    expect(results[0].status).toBe('fulfilled');
    expect(await texts()).toEqual(['a9']);
    await store.remove(alice, 'ordered');
  });

  it('replaces a conversation with ifPresent only while it is stored: removed by any writer, it stays removed', async () => {
    const save = (ids: string[], writer: string, sequence: number) => store.save(alice, 'continued', { messages: ids.map((id) => message(id)), order: { writer, sequence }, ifPresent: true });
    await expect(save(['never'], 'tab-1', 1)).rejects.toMatchObject({ code: 'not_found', status: 404, options: { param: 'ifPresent' } });
    expect(await store.get(alice, 'continued')).toBeUndefined();
    await store.save(alice, 'continued', { messages: [message('a1')], order: { writer: 'tab-1', sequence: 1 } });
    // A conversation beside it, and another owner's of the same id: an ifPresent save touches neither.
    await store.save(alice, 'beside', { messages: [message('x1')], order: { writer: 'tab-1', sequence: 1 } });
    await store.save(bob, 'continued', { messages: [message('y1')] });
    const totals = await store.list(alice);
    expect((await save(['a1', 'a2'], 'tab-1', 2)).created).toBe(false);
    expect((await store.get(alice, 'beside'))?.messages.map((entry) => entry.id)).toEqual(['x1']);
    expect((await store.get(bob, 'continued'))?.messages.map((entry) => entry.id)).toEqual(['y1']);
    // The same writer's earlier save arriving late is still refused as overtaken, not as absent.
    await expect(save(['stale'], 'tab-1', 1)).rejects.toMatchObject({ code: 'version_conflict', options: { param: 'order' } });
    expect((await store.get(alice, 'continued'))?.messages.map((entry) => entry.id)).toEqual(['a1', 'a2']);
    // Another tab's list removes it (no order); this tab's next save, continuing its answer, writes nothing.
    await store.remove(alice, 'continued');
    await expect(save(['a1', 'a2', 'a3'], 'tab-1', 3)).rejects.toMatchObject({ code: 'not_found', options: { param: 'ifPresent' } });
    expect(await store.get(alice, 'continued')).toBeUndefined();
    expect((await store.list(alice)).data.length).toBe(totals.data.length - 1);
    await store.remove(alice, 'beside');
    await store.remove(bob, 'continued');
  });

  it('keeps a removed conversation removed when a save of the same writer sent before the removal arrives after it', async () => {
    const texts = async () => (await store.get(alice, 'cleared'))?.messages.map((entry) => entry.id);
    const save = (ids: string[], order?: { writer: string; sequence: number }) => store.save(alice, 'cleared', { messages: ids.map((id) => message(id)), order });
    const before = (await store.list(alice)).data.length;
    await save(['a1'], { writer: 'tab-1', sequence: 1 });
    // The page sent its removal (sequence 3) on the way out while its save 2 was still on the wire.
    await store.remove(alice, 'cleared', { writer: 'tab-1', sequence: 3 });
    await expect(save(['a2'], { writer: 'tab-1', sequence: 2 })).rejects.toMatchObject({ code: 'version_conflict', status: 409, options: { param: 'order' } });
    expect(await texts()).toBeUndefined();
    expect((await store.list(alice)).data).toHaveLength(before);
    // The removal left no content behind: its place only.
    const kept = await test.database.db.selectFrom('conversation_removals').selectAll().where('id', '=', 'cleared').execute();
    expect(kept.map(({ writer, writer_sequence }) => [writer, Number(writer_sequence)])).toEqual([['tab-1', 3]]);
    // The same chat going on after it was cleared, another writer, and a save without an order all save again.
    await save(['a4'], { writer: 'tab-1', sequence: 4 });
    expect(await texts()).toEqual(['a4']);
    await save(['b0'], { writer: 'tab-2', sequence: 0 });
    await save(['plain']);
    expect(await texts()).toEqual(['plain']);
    await store.remove(alice, 'cleared');
  });

  it('refuses a removal that arrives after a later save of the same writer, and removes what is not there without a trace of content', async () => {
    const save = (ids: string[], sequence: number) => store.save(alice, 'kept', { messages: ids.map((id) => message(id)), order: { writer: 'tab-1', sequence } });
    await save(['a5'], 5);
    await expect(store.remove(alice, 'kept', { writer: 'tab-1', sequence: 4 })).rejects.toMatchObject({ code: 'version_conflict', options: { param: 'order' } });
    expect((await store.get(alice, 'kept'))?.messages.map((entry) => entry.id)).toEqual(['a5']);
    // Removals of one writer keep the later; a conversation that is not there is still not found, and its place kept.
    await store.remove(alice, 'kept', { writer: 'tab-1', sequence: 7 });
    await expect(store.remove(alice, 'kept', { writer: 'tab-1', sequence: 6 })).rejects.toMatchObject({ code: 'version_conflict' });
    await expect(store.remove(alice, 'kept', { writer: 'tab-1', sequence: 8 })).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(save(['a7'], 7)).rejects.toMatchObject({ code: 'version_conflict' });
    // Bob's conversation of the same id is his own: Alice's removal does not hold his saves back.
    await store.save(bob, 'kept', { messages: [message('b1')], order: { writer: 'tab-1', sequence: 1 } });
    expect((await store.get(bob, 'kept'))?.messages).toHaveLength(1);
    await store.remove(bob, 'kept');
  });

  it('runs a save and a removal of one writer sent together one after the other: the removal, the later, wins', async () => {
    for (let round = 0; round < 10; round += 1) {
      const id = `together-${round}`;
      await store.save(alice, id, { messages: [message('first')], order: { writer: 'tab-1', sequence: 1 } });
      const results = await Promise.allSettled([store.save(alice, id, { messages: [message('late')], order: { writer: 'tab-1', sequence: 2 } }), store.remove(alice, id, { writer: 'tab-1', sequence: 3 })]);
      expect(results[1].status).toBe('fulfilled');
      expect(await store.get(alice, id)).toBeUndefined();
    }
  });

  it('keeps the places of at most as many removals per owner as the owner may have conversations, the latest', async () => {
    const capped = new SqlConversationStore(test.database.db, { conversationsPerOwner: 3 });
    const owner: ConversationOwner = { projectId: 'p1', owner: 'remover' };
    for (let index = 0; index < 10; index += 1) {
      await expect(capped.remove(owner, `made-up-${index}`, { writer: 'tab-1', sequence: index })).rejects.toMatchObject({ code: 'not_found' });
      await test.database.db.updateTable('conversation_removals').set({ removed_at: Date.now() - 1_000 + index }).where('owner', '=', 'remover').where('id', '=', `made-up-${index}`).execute();
    }
    const kept = await test.database.db.selectFrom('conversation_removals').select('id').where('owner', '=', 'remover').orderBy('id').execute();
    expect(kept.map((row) => row.id)).toEqual(['made-up-7', 'made-up-8', 'made-up-9']);
  });

  it('forgets a removal after a day', async () => {
    await store.save(alice, 'old', { messages: [message('a1')], order: { writer: 'tab-9', sequence: 1 } });
    await store.remove(alice, 'old', { writer: 'tab-9', sequence: 2 });
    await test.database.db.updateTable('conversation_removals').set({ removed_at: Date.now() - 25 * 60 * 60 * 1000 }).where('id', '=', 'old').execute();
    await store.save(alice, 'other', { messages: [], order: { writer: 'tab-9', sequence: 3 } });
    await store.remove(alice, 'other', { writer: 'tab-9', sequence: 4 });
    const left = await test.database.db.selectFrom('conversation_removals').select('id').where('writer', '=', 'tab-9').execute();
    expect(left.map((row) => row.id)).toEqual(['other']);
  });

  it('lists newest updated first, a page at a time, also across equal update times', async () => {
    const owner: ConversationOwner = { projectId: 'p1', owner: 'pager' };
    const times = [5_000, 4_000, 4_000, 4_000, 3_000, 2_000, 1_000];
    for (const [index, time] of times.entries()) {
      await store.create(owner, { id: `page-${index}`, messages: index === 0 ? [message('only')] : [] });
      await test.database.db.updateTable('conversations').set({ updated_at: time }).where('owner', '=', 'pager').where('id', '=', `page-${index}`).execute();
    }
    const seen: string[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const page = await store.list(owner, { limit: 3, before });
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((entry) => entry.id));
      before = page.next ?? undefined;
      pages += 1;
    } while (before);
    expect(pages).toBe(3);
    expect(seen).toEqual(['page-0', 'page-3', 'page-2', 'page-1', 'page-4', 'page-5', 'page-6']);
    const top = (await store.list(owner, { limit: 1 })).data[0];
    expect(top).toEqual({ id: 'page-0', title: null, feature: null, createdAt: expect.any(Number) as number, updatedAt: 5_000, messageCount: 1 });
    expect((await store.list(owner, { before: new Date(3_000).toISOString() })).data.map((entry) => entry.id)).toEqual(['page-5', 'page-6']);
    await expect(store.list(owner, { before: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_parameter', options: { param: 'before' } });
  });

  it('deletes a conversation with its messages', async () => {
    await store.remove(alice, 'c1');
    expect(await store.get(alice, 'c1')).toBeUndefined();
    await expect(store.remove(alice, 'c1')).rejects.toMatchObject({ code: 'not_found' });
    const orphans = await test.database.db
      .selectFrom('conversation_messages')
      .select('message_id')
      .where('conversation_key', 'not in', test.database.db.selectFrom('conversations').select('key'))
      .execute();
    expect(orphans).toEqual([]);
    expect(await store.get(bob, 'c1')).toBeDefined();
  });
});
