import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createChatController } from '../chat-controller.js';
import { createAssistantMessage, shownAnswer, type AssistantMessage, type AssistantTurn, type StoredConversation } from '../chat-messages.js';
import { toRequestMessages } from '../request-messages.js';
import { createAiClient, type AiClient } from '../client.js';
import { isAiError, type AiError } from '../errors.js';
import { localStorageAdapter, type WebStorage } from './local-storage.js';
import { memoryStorage, type ConversationStorage } from './conversation-storage.js';
import { serverStorage } from './server-storage.js';

let harness: Harness;
let client: AiClient;

beforeAll(async () => {
  harness = await startHarness();
  client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

/** Web Storage over a Map, as `localStorage` behaves (strings in, strings out). */
function mapStorage(): WebStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, String(value)),
    removeItem: (key) => void map.delete(key),
    key: (index) => [...map.keys()][index] ?? null,
    get length() {
      return map.size;
    },
  };
}

const adapters: Array<[string, () => ConversationStorage]> = [
  ['memoryStorage', () => memoryStorage()],
  ['localStorageAdapter', () => localStorageAdapter({ storage: mapStorage() })],
  ['serverStorage', () => serverStorage(client)],
];

let sequence = 0;

/** A conversation that holds every kind of part, as a tool loop with web search and attachments leaves it. */
function conversationWithEveryPart(): StoredConversation {
  const base = conversation();
  const pixel = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  const answer: AssistantMessage = {
    ...createAssistantMessage(`a-${sequence}-parts`, 1_000),
    status: 'done',
    content: 'It is sunny [1].',
    parts: [
      { type: 'reasoning', text: 'Look up the weather.', details: [{ type: 'reasoning.text', text: 'Look up the weather.', signature: 'c2lnbmVk', format: 'anthropic-claude-v1', index: 0 }], startedAt: 1_010, finishedAt: 1_200 },
      { type: 'tool-call', toolCallId: 'call-1', index: 0, name: 'get_weather', input: '{"city":"Oslo"}', state: 'output-available', output: { celsius: 21 } },
      { type: 'tool-call', toolCallId: 'call-2', index: 1, name: 'create_ticket', input: '{}', state: 'denied', errorText: 'not now' },
      { type: 'step-start' },
      { type: 'text', text: 'It is sunny [1].' },
      { type: 'source', number: 1, url: 'https://weather.example/oslo', title: 'Oslo weather' },
      { type: 'image', url: pixel },
    ],
  };
  return {
    ...base,
    messages: [
      { id: `u-${sequence}-parts`, role: 'user', content: 'Weather?', createdAt: 1_000, parts: [{ type: 'text', text: 'Weather?' }, { type: 'file', kind: 'image', mediaType: 'image/png', name: 'pixel.png', size: 68, url: pixel, width: 1, height: 1 }, { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'notes.pdf', size: 20, url: 'data:application/pdf;base64,JVBERi0xLjQKJSVFT0YK' }] },
      { id: `t-${sequence}-parts`, role: 'assistant', versions: [answer], selected: 0 },
    ],
  };
}
const conversation = (overrides: Partial<StoredConversation> = {}): StoredConversation => {
  sequence += 1;
  const answer = { ...createAssistantMessage(`a-${sequence}`, 1_000), status: 'done' as const, content: 'Hi there.' };
  return {
    id: `conversation-${sequence}-${Math.random().toString(36).slice(2, 8)}`,
    title: 'Greeting',
    feature: 'chat',
    createdAt: 1_000,
    updatedAt: 2_000 + sequence,
    messages: [
      { id: `u-${sequence}`, role: 'user', content: 'Hello', createdAt: 1_000 },
      { id: `t-${sequence}`, role: 'assistant', versions: [answer], selected: 0 },
    ],
    ...overrides,
  };
};

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(adapters)('%s', (_name, create) => {
  it('with ifPresent, saves only a conversation still stored, and answers false (writing nothing) otherwise', async () => {
    const storage = create();
    const saved = conversation();
    expect(await storage.save(saved, { ifPresent: true })).toBe(false);
    expect(await storage.load(saved.id)).toBeUndefined();
    await storage.save(saved);
    expect(await storage.save({ ...saved, title: 'Continued' }, { ifPresent: true })).not.toBe(false);
    expect((await storage.load(saved.id))?.title).toBe('Continued');
    await storage.remove(saved.id);
    expect(await storage.save({ ...saved, title: 'Back' }, { ifPresent: true, order: { writer: 'tab-1', sequence: 4 } })).toBe(false);
    expect(await storage.load(saved.id)).toBeUndefined();
  });

  it('keeps a conversation removed elsewhere while a chat streams its answer removed; a message sent after stores it again', async () => {
    harness.emulator.addRule({ match: { contains: 'slow answer' }, scenario: 'tps=40;tokens=60' });
    const storage = create();
    const controller = createChatController({ client, feature: 'chat', storage });
    const { id } = controller.store.getState();
    await controller.send('Hello');
    await controller.persisted();
    const answering = controller.send('A slow answer, please');
    await until(() => controller.store.getState().status === 'streaming');
    await controller.persisted();
    expect((await storage.load(id))?.messages).toHaveLength(4);
    // Another tab's or device's list removes it: this chat is not told, and its answer ends after the removal.
    await storage.remove(id);
    await answering;
    await controller.persisted();
    expect(controller.store.getState()).toMatchObject({ status: 'ready', storageError: undefined });
    expect(await storage.load(id)).toBeUndefined();
    // The user sends again from this chat: that is their change, and it stores the conversation as the chat shows it.
    await controller.send('Still here?');
    await controller.persisted();
    expect((await storage.load(id))?.messages).toHaveLength(6);
    controller.dispose();
    await storage.remove(id);
  });

  it('saves, loads, replaces and removes a conversation', async () => {
    const storage = create();
    const saved = conversation();
    expect(await storage.load(saved.id)).toBeUndefined();
    await storage.save(saved);
    expect(await storage.load(saved.id)).toMatchObject({ id: saved.id, title: 'Greeting', feature: 'chat', messages: saved.messages });
    const replaced = { ...saved, title: 'Renamed', messages: saved.messages.slice(0, 1) };
    await storage.save(replaced);
    expect(await storage.load(saved.id)).toMatchObject({ title: 'Renamed', messages: replaced.messages });
    await storage.remove(saved.id);
    expect(await storage.load(saved.id)).toBeUndefined();
    // Removing what is not there is not an error.
    await storage.remove(saved.id);
  });

  it('keeps every message part as it was: attachments, reasoning details, tool calls in steps, sources, images', async () => {
    const storage = create();
    const saved = conversationWithEveryPart();
    await storage.save(saved);
    const loaded = await storage.load(saved.id);
    expect(loaded?.messages).toEqual(saved.messages);
    expect(toRequestMessages(loaded?.messages ?? [])).toEqual(toRequestMessages(saved.messages));
  });

  it('loads a conversation saved before messages had parts, and continues it', async () => {
    const storage = create();
    const saved = conversation();
    const legacyAnswer: Record<string, unknown> = { ...(saved.messages[1] as AssistantTurn).versions[0] };
    delete legacyAnswer['parts'];
    await storage.save({ ...saved, messages: [saved.messages[0]!, { ...(saved.messages[1] as AssistantTurn), versions: [legacyAnswer as never] }] });
    const restored = createChatController({ client, feature: 'chat', storage, conversationId: saved.id });
    await restored.ready;
    expect(shownAnswer(restored.store.getState().messages[1] as AssistantTurn).parts).toEqual([{ type: 'text', text: 'Hi there.' }]);
    await restored.send('And then?');
    expect(restored.store.getState().messages).toHaveLength(4);
    expect(shownAnswer(restored.store.getState().messages[3] as AssistantTurn).status).toBe('done');
  });

  it('lists summaries, most recently updated first', async () => {
    const storage = create();
    const older = conversation();
    const newer = conversation();
    await storage.save(older);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await storage.save(newer);
    const listed = (await storage.list()).filter((summary) => summary.id === older.id || summary.id === newer.id);
    expect(listed.map((summary) => summary.id)).toEqual([newer.id, older.id]);
    expect(listed[0]).toMatchObject({ title: 'Greeting', feature: 'chat', messageCount: 2 });
  });

  it('restores stopped and failed answers as they were, and an interrupted one as stopped', async () => {
    harness.emulator.addRule({ match: { contains: 'long story' }, scenario: 'tps=40;tokens=400' });
    harness.emulator.addRule({ match: { contains: 'busy' }, scenario: 'status=429;retry-after=30' });
    const storage = create();
    const first = createChatController({ client, feature: 'chat', storage });
    const sending = first.send('Tell me a long story');
    const partial = () => (first.store.getState().messages.at(-1) as AssistantTurn | undefined)?.versions[0]?.content ?? '';
    while (partial().length < 10) await new Promise((resolve) => setTimeout(resolve, 5));
    first.stop();
    await sending;
    await first.send('are you busy?');
    await first.persisted();
    const { id, messages } = first.store.getState();

    const reloaded = createChatController({ client, feature: 'chat', storage, conversationId: id });
    expect(reloaded.store.getState().loaded).toBe(false);
    await reloaded.ready;
    const state = reloaded.store.getState();
    expect(state.loaded).toBe(true);
    expect(state.storageError).toBeUndefined();
    expect(state.title).toBe('Tell me a long story');
    expect(state.messages).toEqual(messages);
    const [stopped, failed] = [state.messages[1], state.messages[3]].map((turn) => shownAnswer(turn as AssistantTurn));
    expect(stopped).toMatchObject({ status: 'stopped', content: shownAnswer(messages[1] as AssistantTurn).content });
    expect(failed).toMatchObject({ status: 'error', error: { code: 'rate_limited', retryAfter: 30, userMessage: 'Too many requests — try again in 30 seconds.' } });

    // Saved while still streaming (the page closed): nothing will finish it, so it comes back stopped.
    const interrupted = conversation();
    const turn = interrupted.messages[1] as AssistantTurn;
    await storage.save({ ...interrupted, messages: [interrupted.messages[0]!, { ...turn, versions: [{ ...turn.versions[0]!, status: 'streaming', content: 'Half' }] }] });
    const restored = createChatController({ client, feature: 'chat', storage, conversationId: interrupted.id });
    await restored.ready;
    expect(shownAnswer(restored.store.getState().messages[1] as AssistantTurn)).toMatchObject({ status: 'stopped', content: 'Half' });
  });
});

describe('localStorageAdapter', () => {
  it('keeps one key per conversation under its prefix, and ignores keys it did not write', async () => {
    const web = mapStorage();
    web.setItem('unrelated', '{}');
    web.setItem('acme:broken', 'not json');
    const storage = localStorageAdapter({ prefix: 'acme:', storage: web });
    const saved = conversation();
    await storage.save(saved);
    expect([...web.map.keys()]).toContain(`acme:${saved.id}`);
    expect((await storage.list()).map((summary) => summary.id)).toEqual([saved.id]);
  });

  it('lists and loads around keys under its prefix that hold JSON of another shape, instead of failing on them', async () => {
    const web = mapStorage();
    const others: Array<[string, string]> = [['array', '[]'], ['number', '42'], ['empty', '{}'], ['no-messages', '{"id":"no-messages","messages":null}']];
    for (const [id, text] of others) web.setItem(`acme:${id}`, text);
    const storage = localStorageAdapter({ prefix: 'acme:', storage: web });
    const saved = conversation();
    await storage.save(saved);
    expect((await storage.list()).map((summary) => summary.id)).toEqual([saved.id]);
    expect(await storage.load('empty')).toBeUndefined();
    const controller = createChatController({ client, feature: 'chat', storage, conversationId: 'no-messages' });
    await controller.ready;
    expect(controller.store.getState()).toMatchObject({ messages: [], storageError: undefined });
  });

  it('lists and loads a conversation written in another shape with what can be shown, and writes nothing back', async () => {
    const web = mapStorage();
    const odd = { id: 'odd', title: { text: 'Trip' }, feature: 'chat', createdAt: 1, updatedAt: 3, messages: [null, { id: 'u1', role: 'user', content: 'Plan a trip', createdAt: 1, parts: [null, { type: 'text', text: 'Plan a trip' }] }] };
    web.setItem('acme:odd', JSON.stringify(odd));
    const storage = localStorageAdapter({ prefix: 'acme:', storage: web });
    const saved = conversation();
    await storage.save(saved);
    const before = new Map(web.map);
    expect(await storage.list()).toEqual([expect.objectContaining({ id: saved.id }), { id: 'odd', title: null, feature: 'chat', createdAt: 1, updatedAt: 3, messageCount: 1 }]);
    expect((await storage.load('odd'))?.messages).toEqual([{ id: 'u1', role: 'user', content: 'Plan a trip', createdAt: 1, parts: [{ type: 'text', text: 'Plan a trip' }] }]);
    const controller = createChatController({ client, feature: 'chat', storage, conversationId: 'odd' });
    await controller.ready;
    expect(controller.store.getState()).toMatchObject({ title: null, messages: [{ id: 'u1' }], storageError: undefined });
    controller.dispose();
    expect(web.map).toEqual(before);
  });

  it('is an empty store that keeps nothing where there is no localStorage (server rendering)', async () => {
    const storage = localStorageAdapter();
    await storage.save(conversation());
    expect(await storage.list()).toEqual([]);
    expect(await storage.load('anything')).toBeUndefined();
  });
});

describe('serverStorage', () => {
  it('loads a long conversation whole, reading the server\'s pages back to the first message', async () => {
    const long = conversation({
      messages: Array.from({ length: 450 }, (_, index) => ({ id: `long-${index}`, role: 'user' as const, content: `message ${index}`, createdAt: 1_000 + index })),
    });
    await serverStorage(client).save(long);
    const loaded = await serverStorage(client).load(long.id);
    expect(loaded?.messages.map((entry) => entry.id)).toEqual(long.messages.map((entry) => entry.id));
  });

  it('lists and loads a conversation an older client saved in another shape with what can be shown', async () => {
    const id = `odd-${Date.now()}`;
    const messages = [{ id: 'u1', role: 'user', content: 'Plan a trip', createdAt: 1, parts: [null] }, { id: 't1', role: 'assistant', versions: 'none' }, { id: 'u2', role: 'user', text: 'Older shape' }];
    await client.conversations.replace(id, { title: 'Odd', messages });
    const loaded = await serverStorage(client).load(id);
    expect(loaded?.messages).toEqual([{ id: 'u1', role: 'user', content: 'Plan a trip', createdAt: 1, parts: [] }, { id: 'u2', role: 'user', text: 'Older shape', content: '', createdAt: 0 }]);
    expect((await serverStorage(client).list()).find((summary) => summary.id === id)).toMatchObject({ title: 'Odd', messageCount: 3 });
    expect((await client.conversations.get(id)).messages).toEqual(messages);
  });

  it('lists around entries a server answers in another shape, instead of failing the whole list', async () => {
    const listed = [null, { id: 'odd', title: { text: 'Trip' }, feature: 'chat', createdAt: 'not a date', updatedAt: '2026-01-01T00:00:00Z', messageCount: 2 }, { title: 'No id' }];
    const storage = serverStorage(createAiClient({ baseUrl: 'http://gateway.test', fetch: async () => Response.json({ data: listed, next: null }) }));
    expect(await storage.list()).toEqual([{ id: 'odd', title: null, feature: 'chat', createdAt: 0, updatedAt: Date.parse('2026-01-01T00:00:00Z'), messageCount: 2 }]);
  });

  it('fails to load, after one page, a conversation whose server answers every page as the latest (a proxy that drops the query)', async () => {
    let requests = 0;
    const page = { id: 'looping', title: null, feature: 'chat', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', messageCount: 450, earlier: 250 };
    const ignoresBefore: typeof fetch = async () => {
      // A safety net for this test: without the fix, the client asks for ever.
      if (++requests > 20) throw new TypeError('fetch failed: asked too often');
      return Response.json({ ...page, messages: [{ id: `latest-${requests}`, role: 'user', content: 'Hi', createdAt: 1 }] });
    };
    const storage = serverStorage(createAiClient({ baseUrl: 'http://gateway.test', fetch: ignoresBefore }));
    const failure = await storage.load('looping').then(() => undefined, (error: unknown) => error);
    expect(requests).toBe(2);
    expect(isAiError(failure) && failure.message).toMatch(/pages/);
  });

  it('keeps each user\'s conversations apart', async () => {
    const saved = conversation();
    await serverStorage(client).save(saved);
    const admin = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { key } = await admin.clientKeys.create({ label: 'another user', userId: 'user-2' });
    const otherUser = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${key}` } });
    expect(await serverStorage(otherUser).load(saved.id)).toBeUndefined();
    expect((await serverStorage(otherUser).list()).map((summary) => summary.id)).not.toContain(saved.id);
    expect(await serverStorage(client).load(saved.id)).toMatchObject({ id: saved.id });
  });

  it('fails a save past the server\'s caps with an AiError carrying the server\'s message as the user message', async () => {
    const capped = await startHarness({ conversations: { conversationsPerOwner: 1, bytesPerOwner: 4_096 } });
    try {
      const storage = serverStorage(createAiClient({ baseUrl: capped.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } }));
      const first = conversation({ id: 'first' });
      await storage.save(first);
      const second = await storage.save(conversation({ id: 'second' })).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isAiError(second)).toBe(true);
      expect(second).toMatchObject({ code: 'invalid_request', status: 409, serverCode: 'conversation_limit_exceeded' });
      expect((second as AiError).userMessage).toBe((second as AiError).message);
      expect((second as AiError).userMessage).toMatch(/1 conversations; the most allowed is 1/);

      const big = conversation({ id: 'first', messages: [{ id: 'u-big', role: 'user', content: 'x'.repeat(5_000), createdAt: 1_000 }] });
      const tooBig = await storage.save(big).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(tooBig).toMatchObject({ code: 'invalid_request', status: 413, serverCode: 'request_too_large' });
      expect((tooBig as AiError).userMessage).toMatch(/would hold [\d.]+ KB; the most allowed is 4 KB/);
      // The refused save left the stored conversation as it was.
      expect((await storage.load('first'))?.messages.map((entry) => entry.id)).toEqual(first.messages.map((entry) => entry.id));
    } finally {
      await capped.close();
    }
  });

  it('keeps the later of two saves of one chat whichever arrives last, and sends a save on unload with keepalive', async () => {
    const sent: Array<{ method: string | undefined; keepalive: boolean | undefined; order: unknown }> = [];
    const recording = createAiClient({
      baseUrl: harness.url,
      headers: { authorization: `Bearer ${CLIENT_KEY}` },
      fetch: (input, init) => {
        if (init?.method === 'PUT') sent.push({ method: init.method, keepalive: init.keepalive, order: (JSON.parse(String(init.body)) as { order?: unknown }).order });
        return fetch(input, init);
      },
    });
    const storage = serverStorage(recording);
    const saved = conversation();
    const later = { ...saved, title: 'Later' };
    await storage.save(later, { order: { writer: 'tab-1', sequence: 2 }, unloading: true });
    // The earlier save arriving after it changes nothing and is no failure: what it was for is written.
    await storage.save(saved, { order: { writer: 'tab-1', sequence: 1 } });
    expect((await storage.load(saved.id))?.title).toBe('Later');
    // A body over the 64 KB a browser lets outlive the page goes as an ordinary request.
    const large = { ...later, messages: [{ id: 'u-large', role: 'user' as const, content: 'x'.repeat(70_000), createdAt: 1_000 }] };
    await storage.save(large, { order: { writer: 'tab-1', sequence: 3 }, unloading: true });
    expect(sent).toEqual([
      { method: 'PUT', keepalive: true, order: { writer: 'tab-1', sequence: 2 } },
      { method: 'PUT', keepalive: undefined, order: { writer: 'tab-1', sequence: 1 } },
      { method: 'PUT', keepalive: undefined, order: { writer: 'tab-1', sequence: 3 } },
    ]);
    // Another writer's failure is still a failure.
    await expect(serverStorage(recording).save({ ...saved, id: 'has a space' }, { order: { writer: 'tab-1', sequence: 9 } })).rejects.toMatchObject({ code: 'invalid_request', status: 400 });
  });

  it('sends a removal in its order, with keepalive on unload, and keeps an earlier save arriving after it from bringing the conversation back', async () => {
    const sent: Array<{ method: string | undefined; url: string; keepalive: boolean | undefined }> = [];
    const recording = createAiClient({
      baseUrl: harness.url,
      headers: { authorization: `Bearer ${CLIENT_KEY}` },
      fetch: (input, init) => {
        if (init?.method === 'DELETE') sent.push({ method: init.method, url: String(input).replace(harness.url, ''), keepalive: init.keepalive });
        return fetch(input, init);
      },
    });
    const storage = serverStorage(recording);
    const saved = { ...conversation(), id: 'cleared-on-unload' };
    await storage.save(saved, { order: { writer: 'tab-1', sequence: 1 } });
    await storage.remove(saved.id, { order: { writer: 'tab-1', sequence: 3 }, unloading: true });
    // The save sent before the removal, arriving after it: no failure, and nothing comes back.
    await storage.save({ ...saved, title: 'Stale' }, { order: { writer: 'tab-1', sequence: 2 } });
    expect(await storage.load(saved.id)).toBeUndefined();
    // A removal overtaken by a later save of the chat is no failure either, and removes nothing.
    await storage.save(saved, { order: { writer: 'tab-1', sequence: 5 } });
    await storage.remove(saved.id, { order: { writer: 'tab-1', sequence: 4 } });
    expect((await storage.load(saved.id))?.messages).toHaveLength(saved.messages.length);
    await storage.remove(saved.id);
    expect(sent).toEqual([
      { method: 'DELETE', url: '/api/ai/conversations/cleared-on-unload?writer=tab-1&sequence=3', keepalive: true },
      { method: 'DELETE', url: '/api/ai/conversations/cleared-on-unload?writer=tab-1&sequence=4', keepalive: undefined },
      { method: 'DELETE', url: '/api/ai/conversations/cleared-on-unload', keepalive: undefined },
    ]);
  });

  it('reports a failed save in storageError, and the chat goes on', async () => {
    // The server refuses this id (spaces are not allowed), so every save fails.
    const controller = createChatController({ client, feature: 'chat', storage: serverStorage(client), conversationId: 'has a space' });
    await controller.ready;
    await controller.send('Hello');
    await controller.persisted();
    expect(controller.store.getState().status).toBe('ready');
    expect(controller.store.getState()).toMatchObject({ storageError: { code: 'invalid_request', status: 400 }, failedStorageAction: 'save' });
  });
});
