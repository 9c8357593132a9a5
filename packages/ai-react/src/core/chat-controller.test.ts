import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createChatController, type ChatControllerOptions } from './chat-controller.js';
import { shownAnswer, type AssistantTurn, type ConversationMessage, type UserMessage } from './chat-messages.js';
import { createAiClient, type AiClient } from './client.js';
import type { ConversationState } from './conversation-store.js';
import type { FrameScheduler } from './frame-scheduler.js';
import { createConversationList } from './conversation-list.js';
import { memoryStorage, type ConversationStorage, type SaveOptions } from './storage/conversation-storage.js';
import { scopedStorage } from './storage/scoped-storage.js';

let harness: Harness;
let client: AiClient;

beforeAll(async () => {
  harness = await startHarness();
  client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

const chat = (options: Partial<ChatControllerOptions> = {}) => createChatController({ client, feature: 'chat', ...options });
const turnAt = (state: ConversationState, index: number) => state.messages[index] as AssistantTurn;
const lastAnswer = (state: ConversationState) => shownAnswer(state.messages.at(-1) as AssistantTurn);
const lastContent = (state: ConversationState) => (state.messages.at(-1)?.role === 'assistant' ? lastAnswer(state).content : '');
const upstreamRequest = (id: string) => harness.emulator.probe(id)!.request as { messages: Array<{ role: string; content: string }> };

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('createChatController', () => {
  it('sends a message and streams the answer: submitted, streaming, then ready with usage and cost', async () => {
    const controller = chat();
    const statuses = new Set<string>();
    controller.store.subscribe((state) => statuses.add(state.status));
    await controller.send('Hello controller');
    const state = controller.store.getState();
    expect(state.status).toBe('ready');
    // `streaming` shows only if a frame passed before the end: a short, fast answer may go straight to ready.
    expect([...statuses][0]).toBe('submitted');
    expect([...statuses].at(-1)).toBe('ready');
    expect(state.title).toBe('Hello controller');
    expect(state.messages).toHaveLength(2);
    expect(state.messages[0]).toMatchObject({ role: 'user', content: 'Hello controller' });
    const answer = lastAnswer(state);
    expect(answer).toMatchObject({ status: 'done', model: 'openai/gpt-4o-mini', provider: 'OpenAI', finishReason: 'stop', costUsd: expect.any(Number) });
    expect(answer.content).toContain('Hello controller');
    expect(answer.usage?.completionTokens).toBeGreaterThan(0);
    expect(answer.timing.ttftMs).toEqual(expect.any(Number));
  });

  it('Stop aborts the request, the gateway ends the upstream generation, and the partial answer is kept as stopped', async () => {
    harness.emulator.addRule({ match: { contains: 'long story' }, scenario: 'tps=40;tokens=400' });
    const finished: string[] = [];
    const controller = chat({ onFinish: (answer) => finished.push(answer.status) });
    const sending = controller.send('Tell me a long story');
    await until(() => lastContent(controller.store.getState()).length > 20);
    const [running] = harness.emulator.generations({ status: 'running' });
    expect(running).toBeDefined();
    controller.stop();
    const state = controller.store.getState();
    expect(state.status).toBe('ready');
    const stopped = lastAnswer(state);
    expect(stopped.status).toBe('stopped');
    const probe = await harness.emulator.waitForGeneration(running!.id, (generation) => generation.clientClosed);
    expect(probe.clientClosed).toBe(true);
    expect(probe.tokensSent).toBeLessThan(probe.plannedTokens);
    await sending;
    // Nothing that was still in flight changes the stopped answer afterwards.
    expect(lastAnswer(controller.store.getState())).toBe(stopped);
    expect(finished).toEqual(['stopped']);
  });

  it('regenerate adds a version to the last turn and keeps the earlier ones to flip through', async () => {
    const controller = chat();
    await controller.send('Pick a colour');
    const first = lastAnswer(controller.store.getState());
    await controller.regenerate();
    const state = controller.store.getState();
    expect(state.messages).toHaveLength(2);
    const turn = turnAt(state, 1);
    expect(turn.versions).toHaveLength(2);
    expect(turn.selected).toBe(1);
    expect(turn.versions[0]).toBe(first);
    expect(turn.versions[1]!.status).toBe('done');
    // The regenerated request carries the history up to the user message, not the answer being replaced.
    expect(upstreamRequest(harness.emulator.generations({ kind: 'chat' }).at(-1)!.id).messages.map((message) => message.role)).toEqual(['system', 'user']);
    controller.selectVersion(turn.id, 0);
    expect(shownAnswer(turnAt(controller.store.getState(), 1))).toBe(first);
    controller.selectVersion(turn.id, 7);
    expect(turnAt(controller.store.getState(), 1).selected).toBe(0);
  });

  it('edit re-sends from that user message and keeps what followed it as the earlier branch', async () => {
    const controller = chat();
    await controller.send('First question');
    await controller.send('Second question');
    const before = controller.store.getState().messages;
    const firstUser = before[0] as UserMessage;
    await controller.edit(firstUser.id, 'First question, edited');
    const state = controller.store.getState();
    expect(state.messages).toHaveLength(2);
    expect(state.messages[0]).toMatchObject({ branch: 1, branches: [{ content: 'First question' }, { content: 'First question, edited' }] });
    controller.selectVersion(firstUser.id, 0);
    const restored = controller.store.getState().messages;
    expect(restored.map((message) => (message.role === 'user' ? message.content : shownAnswer(message).content))).toEqual(before.map((message) => (message.role === 'user' ? message.content : shownAnswer(message).content)));
    expect(restored.slice(1)).toEqual(before.slice(1));
    controller.selectVersion(firstUser.id, 1);
    expect(controller.store.getState().messages).toHaveLength(2);
    expect(state.messages[0]).toMatchObject({ id: firstUser.id, content: 'First question, edited' });
    expect(lastAnswer(state).content).toContain('First question, edited');
    const sent = upstreamRequest(harness.emulator.generations({ kind: 'chat' }).at(-1)!.id).messages;
    expect(sent.filter((message) => message.role !== 'system')).toEqual([{ role: 'user', content: 'First question, edited' }]);
    await expect(controller.edit('no-such-message', 'x')).rejects.toThrow(RangeError);
  });

  it('sends the conversation so far as history, the shown version of each answer', async () => {
    const controller = chat();
    await controller.send('Remember the word teal');
    await controller.send('Which word?');
    const sent = upstreamRequest(harness.emulator.generations({ kind: 'chat' }).at(-1)!.id).messages;
    expect(sent.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent[2]!.content).toBe(shownAnswer(turnAt(controller.store.getState(), 1)).content);
  });

  it('shows a failure on the answer and in the state, with the user message kept', async () => {
    harness.emulator.addRule({ match: { contains: 'busy' }, scenario: 'status=429;retry-after=30' });
    const errors: string[] = [];
    const controller = chat({ onError: (error) => errors.push(error.code) });
    await controller.send('are you busy?');
    const state = controller.store.getState();
    expect(state.status).toBe('error');
    expect(state.error).toMatchObject({ code: 'rate_limited', retryAfter: 30 });
    expect(lastAnswer(state)).toMatchObject({ status: 'error', content: '', error: { code: 'rate_limited', retryAfter: 30 } });
    expect(errors).toEqual(['rate_limited']);
    // A failed answer is not sent back to the model as something it said.
    harness.emulator.clearRules();
    await controller.send('try again');
    expect(controller.store.getState().status).toBe('ready');
    const sent = upstreamRequest(harness.emulator.generations({ kind: 'chat' }).at(-1)!.id).messages;
    expect(sent.map((message) => message.role)).toEqual(['system', 'user', 'user']);
  });

  it('keeps a mid-stream failure\'s partial text next to the error', async () => {
    harness.emulator.addRule({ match: { contains: 'midway' }, scenario: 'error-after=6' });
    const controller = chat();
    await controller.send('break midway');
    const answer = lastAnswer(controller.store.getState());
    expect(answer.status).toBe('error');
    expect(answer.content.length).toBeGreaterThan(0);
    expect(answer.error?.code).toBe('upstream_unavailable');
  });

  it('clear stops and empties the conversation', async () => {
    harness.emulator.addRule({ match: { contains: 'slow' }, scenario: 'tps=40;tokens=200' });
    const controller = chat();
    const sending = controller.send('a slow one');
    await until(() => controller.store.getState().status === 'streaming');
    await controller.clear();
    await sending;
    expect(controller.store.getState()).toMatchObject({ messages: [], status: 'ready', title: null });
  });

  it('publishes streamed tokens at most once per frame, and earlier messages keep their identity', async () => {
    // A frame clock ticking every 16 ms, as requestAnimationFrame would at 60 Hz.
    const queued: Array<() => void> = [];
    let framesWithWork = 0;
    const scheduler: FrameScheduler = (callback) => {
      queued.push(callback);
      return () => queued.splice(queued.indexOf(callback) >>> 0, 1);
    };
    const clock = setInterval(() => {
      const due = queued.splice(0);
      if (due.length > 0) framesWithWork += 1;
      for (const callback of due) callback();
    }, 16);
    try {
      harness.emulator.addRule({ match: { contains: 'five hundred' }, scenario: 'tps=1000;tokens=500' });
      const controller = chat({ scheduler });
      await controller.send('Warm up');
      const before = controller.store.getState().messages;
      const snapshots: ConversationState[] = [];
      controller.store.subscribe((state) => snapshots.push(state));
      await controller.send('Write five hundred tokens');
      const answer = lastAnswer(controller.store.getState());
      expect(answer.status).toBe('done');
      expect(answer.usage?.completionTokens).toBeGreaterThanOrEqual(500);
      expect(answer.timing.deltas).toBeGreaterThanOrEqual(500);
      const streamed = snapshots.filter((state) => state.status === 'streaming');
      // One notification per frame that had tokens to show: ~0.5 s of streaming is ~31 frames, not 500 updates.
      expect(streamed.length).toBeLessThanOrEqual(framesWithWork);
      expect(streamed.length).toBeLessThan(answer.timing.deltas / 4);
      // Submitted (user message appended), the frames, and the final state: nothing else notified.
      expect(snapshots.length).toBe(streamed.length + 2);
      for (const state of snapshots) {
        expect(state.messages[0]).toBe(before[0]);
        expect(state.messages[1]).toBe(before[1]);
      }
    } finally {
      clearInterval(clock);
    }
  });

  it('two controllers share nothing', async () => {
    const a = chat();
    const b = chat();
    await a.send('Only in A');
    expect(b.store.getState().messages).toEqual([]);
    expect(a.store.getState().id).not.toBe(b.store.getState().id);
    expect(a.store).not.toBe(b.store);
  });

  it('starts from initial messages when there is no saved conversation', async () => {
    const initial: ConversationMessage[] = [{ id: 'u0', role: 'user', content: 'Seeded', createdAt: 1 }];
    const controller = chat({ initialMessages: initial });
    await controller.ready;
    expect(controller.store.getState().messages).toEqual(initial);
    await controller.regenerate();
    expect(controller.store.getState().messages).toHaveLength(2);
    expect(lastAnswer(controller.store.getState()).content).toContain('Seeded');
  });
});

describe('opening a saved conversation', () => {
  /** Memory storage holding a conversation of two exchanges, whose reads fail while `failing`. */
  async function unreadableStorage() {
    const inner = memoryStorage();
    const first = chat({ storage: inner, conversationId: 'kept' });
    await first.send('One');
    await first.send('Two');
    await first.persisted();
    first.dispose();
    const reads = { failing: true };
    const storage: ConversationStorage = {
      ...inner,
      load: async (id) => {
        if (reads.failing) throw new TypeError('fetch failed');
        return inner.load(id);
      },
    };
    return { inner, storage, reads };
  }
  const contents = (messages: readonly ConversationMessage[] | undefined) => (messages ?? []).map((message) => (message.role === 'user' ? message.content : shownAnswer(message).status));

  it('is read again when the chat is next used, and a message sent then follows it instead of replacing it', async () => {
    const { inner, storage, reads } = await unreadableStorage();
    const controller = chat({ storage, conversationId: 'kept' });
    await controller.ready;
    expect(controller.store.getState()).toMatchObject({ loaded: true, messages: [], storageError: { code: 'offline' }, failedStorageAction: 'load' });
    reads.failing = false;
    await controller.send('Three');
    await controller.persisted();
    expect(contents(controller.store.getState().messages)).toEqual(['One', 'done', 'Two', 'done', 'Three', 'done']);
    expect(contents((await inner.load('kept'))?.messages)).toEqual(['One', 'done', 'Two', 'done', 'Three', 'done']);
    expect(controller.store.getState()).toMatchObject({ storageError: undefined, failedStorageAction: undefined });
  });

  it('waits for the saves another chat of the page still has on the way, so their answer is not lost', async () => {
    const inner = memoryStorage();
    let open = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    // A slow storage (a server): every save waits until the test opens it.
    const storage: ConversationStorage = { ...inner, save: async (conversation, options) => opened.then(() => inner.save(conversation, options)) };
    const left = chat({ storage, conversationId: 'kept' });
    await left.send('One');
    // The chat goes (the user opened another conversation) with its saves on the way; the user comes back to it.
    left.dispose();
    const back = chat({ storage, conversationId: 'kept' });
    const reading = back.ready;
    setTimeout(open, 20);
    await reading;
    expect(contents(back.store.getState().messages)).toEqual(['One', 'done']);
    await back.send('Two');
    await back.persisted();
    expect(contents((await inner.load('kept'))?.messages)).toEqual(['One', 'done', 'Two', 'done']);
  });

  it('opens after a few seconds when a save of the other chat never answers', async () => {
    const inner = memoryStorage();
    const storage: ConversationStorage = { ...inner, save: () => new Promise(() => {}) };
    const left = chat({ storage, conversationId: 'hung' });
    await left.send('One');
    left.dispose();
    vi.useFakeTimers();
    try {
      const back = chat({ storage, conversationId: 'hung' });
      let opened = false;
      void back.ready.then(() => (opened = true));
      await vi.advanceTimersByTimeAsync(4_000);
      expect(opened).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(opened).toBe(true);
      expect(back.store.getState().loaded).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is never written over while it cannot be read; what was said meanwhile follows it once it can', async () => {
    const { inner, storage, reads } = await unreadableStorage();
    const controller = chat({ storage, conversationId: 'kept' });
    await controller.send('Meanwhile');
    await controller.persisted();
    expect(contents(controller.store.getState().messages)).toEqual(['Meanwhile', 'done']);
    expect(controller.store.getState().storageError).toMatchObject({ code: 'offline' });
    expect(contents((await inner.load('kept'))?.messages)).toEqual(['One', 'done', 'Two', 'done']);
    reads.failing = false;
    await controller.send('Later');
    await controller.persisted();
    const all = ['One', 'done', 'Two', 'done', 'Meanwhile', 'done', 'Later', 'done'];
    expect(contents(controller.store.getState().messages)).toEqual(all);
    expect(contents((await inner.load('kept'))?.messages)).toEqual(all);
  });
});

describe('the page going away', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** Memory storage whose saves wait while `held`, recording each save's order, answer and whether it was unloading. */
  function heldStorage() {
    const inner = memoryStorage();
    const saves: Array<{ sequence: number | undefined; unloading: boolean; answer: { status: string; content: string } | undefined }> = [];
    const removals: Array<{ sequence: number | undefined; unloading: boolean }> = [];
    let release = () => {};
    const gate = { held: true as boolean, opened: Promise.resolve() };
    gate.opened = new Promise<void>((resolve) => (release = resolve));
    const storage: ConversationStorage = {
      ...inner,
      async save(conversation, options: SaveOptions = {}) {
        const turn = conversation.messages.findLast((message) => message.role === 'assistant') as AssistantTurn | undefined;
        const answer = turn ? shownAnswer(turn) : undefined;
        saves.push({ sequence: options.order?.sequence, unloading: options.unloading === true, answer: answer && { status: answer.status, content: answer.content } });
        if (!options.unloading && gate.held) await gate.opened;
        await inner.save(conversation);
      },
      async remove(id, options: SaveOptions = {}) {
        removals.push({ sequence: options.order?.sequence, unloading: options.unloading === true });
        if (!options.unloading && gate.held) await gate.opened;
        await inner.remove(id);
      },
    };
    return { storage, saves, removals, open: () => ((gate.held = false), release()) };
  }

  /** A chat on held storage in a page (a stubbed `window`) that the test makes go away with `leave()`. */
  function chatInPage() {
    const page = new EventTarget();
    vi.stubGlobal('window', page);
    const held = heldStorage();
    return { ...held, controller: chat({ storage: held.storage }), leave: () => page.dispatchEvent(new Event('pagehide')) };
  }

  it('sends the finished answer at once, with keepalive, when its save is still queued behind an earlier one', async () => {
    const { saves, open, controller, leave } = chatInPage();
    await controller.send('Remember this answer');
    // The answer is over; its save waits behind the first one (the question), which the network still holds.
    expect(saves.map((save) => save.sequence)).toEqual([1]);
    leave();
    expect(saves).toHaveLength(2);
    expect(saves[1]).toMatchObject({ sequence: 2, unloading: true, answer: { status: 'done' } });
    expect(saves[1]!.answer!.content).toContain('Remember this answer');
    open();
    await controller.persisted();
    // The queued save is not sent again: the one sent on the way out carried it.
    expect(saves.map((save) => save.sequence)).toEqual([1, 2]);
    expect(controller.store.getState().storageError).toBeUndefined();
    // Nothing is unsaved now: another pagehide sends nothing; after dispose the page is no longer watched.
    leave();
    controller.dispose();
    leave();
    expect(saves).toHaveLength(2);
  });

  it('stops an answer that is streaming and sends what arrived, marked stopped', async () => {
    harness.emulator.addRule({ match: { contains: 'long story' }, scenario: 'tps=40;tokens=400' });
    const { saves, open, controller, leave } = chatInPage();
    open();
    const sending = controller.send('Tell me a long story');
    await until(() => lastContent(controller.store.getState()).length > 20);
    await controller.persisted();
    leave();
    const last = saves.at(-1)!;
    expect(last).toMatchObject({ unloading: true, answer: { status: 'stopped' } });
    expect(last.answer!.content.length).toBeGreaterThan(20);
    expect(lastAnswer(controller.store.getState()).status).toBe('stopped');
    await sending;
  });

  it('sends the removal at once, with keepalive, for a conversation cleared while its saves were queued', async () => {
    const { saves, removals, open, controller, leave } = chatInPage();
    await controller.send('Forget this');
    const clearing = controller.clear();
    await until(() => controller.store.getState().messages.length === 0);
    // Question saving (held), answer and removal queued: the removal goes now, carrying its place after both saves.
    leave();
    expect(removals).toEqual([{ sequence: 3, unloading: true }]);
    open();
    await clearing;
    // The answer's queued save is not sent: the removal overtook it. Nothing is left to send on another pagehide.
    expect(saves.map((save) => save.sequence)).toEqual([1]);
    leave();
    expect(removals).toHaveLength(1);
    expect(controller.store.getState().storageError).toBeUndefined();
  });

  it('removes a cleared conversation in order with its saves when the page stays', async () => {
    const { storage, saves, removals, open, controller } = chatInPage();
    open();
    await controller.send('Forget this too');
    await controller.clear();
    expect(saves.map((save) => save.sequence)).toEqual([1, 2]);
    expect(removals).toEqual([{ sequence: 3, unloading: false }]);
    expect(await storage.load(controller.store.getState().id)).toBeUndefined();
    // The chat goes on under the same id, after its removal in the order.
    await controller.send('A new start');
    await controller.persisted();
    expect(saves.at(-1)?.sequence).toBe(5);
    expect(await storage.load(controller.store.getState().id)).toBeDefined();
  });

  it('lets a conversation list remove the conversation: waits for the save on the wire, skips the one queued, writes nothing more until the chat goes on', async () => {
    const inner = memoryStorage();
    const saves: Array<number | undefined> = [];
    const removals: Array<number | undefined> = [];
    let gate: Promise<void> | undefined;
    let release = () => {};
    const storage: ConversationStorage = {
      ...inner,
      async save(conversation, options = {}) {
        saves.push(options.order?.sequence);
        if (gate) await gate;
        await inner.save(conversation);
      },
      async remove(id, options = {}) {
        removals.push(options.order?.sequence);
        await inner.remove(id);
      },
    };
    const controller = chat({ storage });
    await controller.send('Delete me soon');
    await controller.persisted();
    const { id } = controller.store.getState();
    const list = createConversationList(storage);
    const listed = () => list.store.getState().conversations.map((conversation) => conversation.id);
    await list.refresh();
    expect(listed()).toEqual([id]);
    // A regenerated answer: its start's save held on the wire, its end's save queued behind it.
    gate = new Promise((resolve) => (release = () => ((gate = undefined), resolve())));
    await controller.regenerate();
    expect(saves).toEqual([1, 2, 3]);
    let removed = false;
    const removing = list.remove(id).then(() => (removed = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    // The removal waits for the save on the wire; the list leaves the conversation out meanwhile, also from a read of
    // the storage that still holds it.
    expect([removed, removals]).toEqual([false, []]);
    await list.refresh();
    expect(listed()).toEqual([]);
    expect(await storage.load(id)).toBeDefined();
    release();
    await removing;
    expect(saves).toEqual([1, 2, 3]);
    expect(removals).toEqual([undefined]);
    await controller.persisted();
    expect(await storage.load(id)).toBeUndefined();
    // The chat going on writes the conversation again.
    await controller.send('Still here');
    await controller.persisted();
    expect((await storage.load(id))?.messages).toHaveLength(4);
    list.dispose();
    controller.dispose();
  });

  it('takes a title a conversation list gives, and saves it with its latest messages, also while it restores them', async () => {
    const storage = memoryStorage();
    const first = chat({ storage });
    await first.send('Plan a trip');
    await first.persisted();
    const { id } = first.store.getState();
    first.dispose();
    // Opened again: the list renames it while the chat is still reading it back.
    const controller = chat({ storage, conversationId: id });
    const list = createConversationList(storage);
    await list.rename(id, '  Trip to Porto ');
    await controller.ready;
    await controller.persisted();
    expect(controller.store.getState().title).toBe('Trip to Porto');
    expect(await storage.load(id)).toMatchObject({ title: 'Trip to Porto', messages: [expect.anything(), expect.anything()] });
    // The chat's next save keeps it.
    await controller.send('And Lisbon?');
    await controller.persisted();
    expect(await storage.load(id)).toMatchObject({ title: 'Trip to Porto' });
    expect((await storage.load(id))?.messages).toHaveLength(4);
    list.dispose();
    controller.dispose();
  });

  it('stays reachable by a conversation list through a garbage collection, while the chat is kept', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const storage = memoryStorage();
    const controller = chat({ storage });
    await controller.send('Keep me listed');
    await controller.persisted();
    for (let round = 0; round < 3; round += 1) collect();
    const list = createConversationList(storage);
    await list.rename(controller.store.getState().id, 'Kept');
    await controller.persisted();
    // The chat took the title and saved it itself, with its messages.
    expect(controller.store.getState().title).toBe('Kept');
    expect(await storage.load(controller.store.getState().id)).toMatchObject({ title: 'Kept', messages: [expect.anything(), expect.anything()] });
    list.dispose();
    controller.dispose();
  });

  it('stops an answer streaming into a conversation removed through another view of the same storage', async () => {
    harness.emulator.addRule({ match: { contains: 'endless tale' }, scenario: 'tps=40;tokens=400' });
    const shared = memoryStorage();
    // The chat and the list each scope the storage for Alice themselves, as a panel and a thread list do.
    const controller = chat({ storage: scopedStorage(shared, 'alice') });
    const list = createConversationList(scopedStorage(shared, 'alice'));
    const sending = controller.send('Tell me an endless tale');
    await until(() => lastContent(controller.store.getState()).length > 20);
    await list.remove(controller.store.getState().id);
    await sending;
    expect(lastAnswer(controller.store.getState()).status).toBe('stopped');
    await controller.persisted();
    expect(await shared.list()).toEqual([]);
    list.dispose();
    controller.dispose();
  });

  it('is not watched where there is no page', async () => {
    const { storage, saves, open } = heldStorage();
    open();
    const controller = chat({ storage });
    await controller.send('No window here');
    await controller.persisted();
    expect(saves.every((save) => !save.unloading)).toBe(true);
  });
});
