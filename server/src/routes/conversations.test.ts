import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import type { ConversationBody, ConversationSummaryBody } from '@insforge/ai-protocol';

let harness: Harness;
let otherUserKey: string;
beforeAll(async () => {
  harness = await startHarness();
  otherUserKey = (await (await harness.gateway.ready).clientKeys.create('default', { label: 'other', userId: 'user-2' }, 'test')).key;
});
afterAll(() => harness.close());

type ErrorBody = { error: { message: string; code: string; param: string | null } };
type Page = { data: ConversationSummaryBody[]; next: string | null };

async function call<T>(method: string, path: string, body?: unknown, key = CLIENT_KEY) {
  const response = await fetch(`${harness.url}/api/ai/conversations${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T & ErrorBody };
}

const message = (id: string, extra: Record<string, unknown> = {}) => ({ id, role: 'user', parts: [{ type: 'text', text: `text of ${id}` }], ...extra });
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('the conversations API', () => {
  it('creates, lists, reads, renames, appends, replaces and deletes a conversation', async () => {
    const created = await call<ConversationBody>('POST', '', { title: 'Trip', feature: 'chat', messages: [message('m1'), message('m2', { role: 'assistant', status: 'stopped' })] });
    expect(created.status).toBe(201);
    const { id } = created.body;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body).toEqual({ id, title: 'Trip', feature: 'chat', createdAt: expect.stringMatching(ISO) as string, updatedAt: expect.stringMatching(ISO) as string, messages: [message('m1'), message('m2', { role: 'assistant', status: 'stopped' })] });

    const list = await call<Page>('GET', '');
    expect(list.status).toBe(200);
    expect(list.body.data[0]).toEqual({ id, title: 'Trip', feature: 'chat', createdAt: created.body.createdAt, updatedAt: created.body.updatedAt, messageCount: 2 });
    expect(list.body.next).toBeNull();

    expect((await call<ConversationBody>('GET', `/${id}`)).body).toEqual({ ...created.body, messageCount: 2, earlier: null });

    const renamed = await call<ConversationSummaryBody>('PATCH', `/${id}`, { title: 'Trip to Lisbon' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, title: 'Trip to Lisbon', messageCount: 2 });

    const appended = await call('POST', `/${id}/messages`, { messages: [message('m3'), message('m4')] });
    expect(appended).toEqual({ status: 200, body: { appended: 2, messageCount: 4 } });
    expect((await call('POST', `/${id}/messages`, { messages: [message('m4')] })).body).toEqual({ appended: 0, messageCount: 4 });
    expect((await call<ConversationBody>('GET', `/${id}`)).body.messages.map((entry) => entry.id)).toEqual(['m1', 'm2', 'm3', 'm4']);

    const replaced = await call<ConversationBody>('PUT', `/${id}`, { messages: [message('m1'), message('m5', { status: 'failed' })] });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id, title: 'Trip to Lisbon', feature: 'chat', createdAt: created.body.createdAt, messages: [message('m1'), message('m5', { status: 'failed' })] });
    expect((await call<ConversationBody>('GET', `/${id}`)).body).toEqual({ ...replaced.body, messageCount: replaced.body.messages.length, earlier: null });

    expect((await call('DELETE', `/${id}`)).status).toBe(204);
    expect((await call('GET', `/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/${id}`)).status).toBe(404);
  });

  it('keeps message parts as they were sent: attachments, tool calls and results, reasoning details, citations', async () => {
    const loop = [
      { id: 'u1', role: 'user', content: [{ type: 'text', text: 'Weather and the timetable?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'file', file: { filename: 't.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } }] },
      {
        id: 'a1',
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"timezone":"CET"}' } },
        ],
        reasoning_details: [
          { type: 'reasoning.text', text: 'Two lookups.', format: 'google-gemini-v1', index: 0 },
          { type: 'reasoning.encrypted', data: 'ZW5jcnlwdGVk', format: 'google-gemini-v1', index: 1 },
        ],
      },
      { id: 't1', role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      { id: 't2', role: 'tool', tool_call_id: 'call_2', content: '14:05' },
      { id: 'a2', role: 'assistant', content: 'Sunny at 14:05 [1]', annotations: [{ type: 'url_citation', url_citation: { url: 'https://example.org/1', title: 'One', start_index: 14, end_index: 17 } }] },
    ];
    const created = await call<ConversationBody>('POST', '', { feature: 'chat', messages: loop });
    expect(created.status).toBe(201);
    expect((await call<ConversationBody>('GET', `/${created.body.id}`)).body.messages).toEqual(loop);
  });

  it('creates with the id a client chose, 409 when that id exists, and PUT creates one that does not', async () => {
    expect((await call('POST', '', { id: 'chosen-1' })).status).toBe(201);
    const again = await call('POST', '', { id: 'chosen-1' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'version_conflict', param: 'id' });

    const saved = await call<ConversationBody>('PUT', '/saved-by-adapter', { title: 'Saved', feature: 'chat', messages: [message('a')] });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ id: 'saved-by-adapter', title: 'Saved', feature: 'chat', messages: [message('a')] });
    expect((await call<ConversationBody>('GET', '/saved-by-adapter')).body.messages).toEqual([message('a')]);

    // A save with an order is refused when the same writer's later save is already stored (a page's last save sent
    // on its way out, overtaking an earlier one still in flight).
    expect((await call('PUT', '/saved-by-adapter', { messages: [message('b')], order: { writer: 'tab-1', sequence: 7 } })).status).toBe(200);
    const stale = await call('PUT', '/saved-by-adapter', { messages: [message('a')], order: { writer: 'tab-1', sequence: 6 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'version_conflict', param: 'order' });
    expect((await call<ConversationBody>('GET', '/saved-by-adapter')).body.messages).toEqual([message('b')]);

    // A removal with an order (the chat cleared): refused after a later save of the writer; once done, a save of the
    // writer sent before it is refused, so the conversation does not come back.
    const early = await call('DELETE', '/saved-by-adapter?writer=tab-1&sequence=5');
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'version_conflict', param: 'order' });
    expect((await call('DELETE', '/saved-by-adapter?writer=tab-1&sequence=9')).status).toBe(204);
    expect((await call('PUT', '/saved-by-adapter', { messages: [message('c')], order: { writer: 'tab-1', sequence: 8 } })).status).toBe(409);
    expect((await call('GET', '/saved-by-adapter')).status).toBe(404);
    expect((await call('PUT', '/saved-by-adapter', { messages: [message('d')], order: { writer: 'tab-1', sequence: 10 } })).status).toBe(201);

    // A save that continues what its writer wrote (ifPresent) replaces the conversation while it is stored, and
    // does not bring it back once another writer (a list in another tab, another device) removed it.
    expect((await call('PUT', '/saved-by-adapter', { messages: [message('e')], order: { writer: 'tab-1', sequence: 11 }, ifPresent: true })).status).toBe(200);
    expect((await call('DELETE', '/saved-by-adapter')).status).toBe(204);
    const gone = await call('PUT', '/saved-by-adapter', { messages: [message('f')], order: { writer: 'tab-1', sequence: 12 }, ifPresent: true });
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 'not_found', param: 'ifPresent' });
    expect((await call('GET', '/saved-by-adapter')).status).toBe(404);
    // Nor does it store one that was never saved; the error says it may be either.
    const never = await call('PUT', '/never-saved', { messages: [message('g')], ifPresent: true });
    expect(never.status).toBe(404);
    expect(never.body.error).toMatchObject({ code: 'not_found', param: 'ifPresent', message: expect.stringMatching(/removed, or never saved/) });
    expect((await call('GET', '/never-saved')).status).toBe(404);
  });

  it('shows every caller only their own conversations: 404 for another user’s, even for an admin', async () => {
    const mine = await call<ConversationBody>('POST', '', { id: 'private', title: 'Mine' });
    expect(mine.status).toBe(201);
    for (const key of [otherUserKey, ADMIN_TOKEN]) {
      expect((await call('GET', '/private', undefined, key)).status).toBe(404);
      expect((await call('PATCH', '/private', { title: 'Stolen' }, key)).status).toBe(404);
      expect((await call('POST', '/private/messages', { messages: [message('x')] }, key)).status).toBe(404);
      expect((await call('DELETE', '/private', undefined, key)).status).toBe(404);
      expect((await call<Page>('GET', '', undefined, key)).body.data.map((entry) => entry.id)).not.toContain('private');
    }
    // The same id is free for another user, and their conversation is theirs alone.
    expect((await call('POST', '', { id: 'private', title: 'Theirs' }, otherUserKey)).status).toBe(201);
    expect((await call<ConversationBody>('GET', '/private')).body.title).toBe('Mine');
    expect((await call<ConversationBody>('GET', '/private', undefined, otherUserKey)).body.title).toBe('Theirs');
  });

  it('pages the list newest updated first through `next`', async () => {
    const key = (await (await harness.gateway.ready).clientKeys.create('default', { label: 'pager', userId: 'pager' }, 'test')).key;
    for (const index of [0, 1, 2, 3, 4]) {
      await call('POST', '', { id: `p${index}` }, key);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await call('PATCH', '/p1', { title: 'Touched last' }, key);
    const first = await call<Page>('GET', '?limit=2', undefined, key);
    expect(first.body.data.map((entry) => entry.id)).toEqual(['p1', 'p4']);
    const second = await call<Page>('GET', `?limit=2&before=${encodeURIComponent(first.body.next!)}`, undefined, key);
    expect(second.body.data.map((entry) => entry.id)).toEqual(['p3', 'p2']);
    const third = await call<Page>('GET', `?limit=2&before=${encodeURIComponent(second.body.next!)}`, undefined, key);
    expect(third.body).toEqual({ data: [expect.objectContaining({ id: 'p0' }) as unknown], next: null });
  });

  it('answers 400 naming the field for invalid input', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '', { title: 'x'.repeat(201) }, 'title'],
      ['POST', '', { id: 'has space' }, 'id'],
      ['POST', '', { messages: [message('ok'), { role: 'user' }] }, 'messages.1.id'],
      ['POST', '', { messages: ['just text'] }, 'messages.0'],
      ['POST', '', { messages: [message('same'), message('same')] }, 'messages.1.id'],
      ['POST', '', { feature: 42 }, 'feature'],
      ['PUT', '/some-id', { title: 'no messages' }, 'messages'],
      ['PUT', '/some-id', { messages: [], order: { writer: '', sequence: 1 } }, 'order.writer'],
      ['PUT', '/some-id', { messages: [], order: { writer: 'tab', sequence: 1.5 } }, 'order.sequence'],
      ['PUT', '/some-id', { messages: [], order: { writer: 'tab', sequence: -1 } }, 'order.sequence'],
      ['PUT', '/some-id', { messages: [], order: 'first' }, 'order'],
      ['PUT', '/some-id', { messages: [], ifPresent: 'yes' }, 'ifPresent'],
      ['DELETE', '/some-id?writer=tab', undefined, 'sequence'],
      ['DELETE', '/some-id?sequence=3', undefined, 'sequence'],
      ['DELETE', '/some-id?writer=tab&sequence=1.5', undefined, 'sequence'],
      ['DELETE', '/some-id?writer=tab&sequence=-2', undefined, 'sequence'],
      ['DELETE', `/some-id?writer=${'w'.repeat(201)}&sequence=1`, undefined, 'writer'],
      ['PATCH', '/chosen-1', {}, 'title'],
      ['POST', '/chosen-1/messages', { messages: 'nope' }, 'messages'],
      ['GET', '?limit=0', undefined, 'limit'],
      ['GET', '?limit=many', undefined, 'limit'],
      ['GET', '?before=garbage', undefined, 'before'],
    ];
    for (const [method, path, body, param] of cases) {
      const response = await call(method, path, body);
      expect({ method, path, status: response.status, param: response.body.error.param }).toEqual({ method, path, status: 400, param });
      expect(response.body.error.message).toContain(param);
    }
    // Sizes are caps, answered 413 naming what is too large.
    const tooMany = await call('PUT', '/too-many', { messages: Array.from({ length: 5_001 }, (_, index) => ({ id: `t${index}` })) });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error.param).toBe('messages');
    const big = await call('POST', '', { messages: [message('big', { text: 'x'.repeat(256 * 1024) })] });
    expect(big.status).toBe(413);
    expect(big.body.error.param).toBe('messages.0');
  });

  it('needs a caller: 401 without a key', async () => {
    const response = await fetch(`${harness.url}/api/ai/conversations`);
    expect(response.status).toBe(401);
  });
});
