import type { StoreApi } from 'zustand/vanilla';
import {
  createAssistantMessage,
  createId,
  isAnswerOver,
  isAtRest,
  restoreMessages,
  shownAnswer,
  type AssistantMessage,
  type AssistantTurn,
  type ConversationMessage,
  type StoredConversation,
  type UserMessage,
} from './chat-messages.js';
import { reduceChatEvent } from './chat-reducer.js';
import type { ChatTools, MessageFilePart } from './message-parts.js';
import { toRequestMessages } from './request-messages.js';
import { editUserMessage, selectMessageBranch } from './message-branches.js';
import type { ChatCompletionRequest } from './chat-types.js';
import type { AiClient } from './client.js';
import { createConversationStore, replaceAnswer, selectTurnVersion, titleFrom, toStoredConversation, type ConversationState } from './conversation-store.js';
import { AiError, toAiError } from './errors.js';
import { createFrameBatcher, type FrameBatcher, type FrameScheduler } from './frame-scheduler.js';
import type { ConversationStorage } from './storage/conversation-storage.js';
import { notifyStorageChanged, registerWriter, writesSettled, type ConversationWriter } from './storage/storage-events.js';
import type { ToolLoop } from './tool-loop.js';

/** What a chat sends with every request beside its messages. */
export type ChatParams = Omit<Partial<ChatCompletionRequest>, 'model' | 'messages' | 'stream'>;

export interface ChatControllerOptions {
  client: Pick<AiClient, 'chat'>;
  /** The feature every answer is asked of (sent as `model`). */
  feature: string;
  /** Where the conversation is kept; none keeps it in the store only. */
  storage?: ConversationStorage;
  /** Continue this conversation (loaded from `storage`); default a new one with a random id. */
  conversationId?: string;
  /** Shown when storage has nothing under `conversationId`. */
  initialMessages?: readonly ConversationMessage[];
  /**
   * Request parameters sent with every answer (temperature, tools…), within what the feature allows; a function is
   * read as each request is made (a toggle in the UI changes the next answer).
   */
  params?: ChatParams | (() => ChatParams | undefined);
  /**
   * Tools the model may call. A tool with `execute` runs in the browser and its result goes back to the model at
   * once (after the user approves, when it `needsApproval`); one without waits for `addToolOutput`.
   */
  tools?: ChatTools;
  /** Model calls one answer may take in a tool loop (default 5); the loop ends there with the last results shown. */
  maxSteps?: number;
  /** An answer (or a step of a tool loop) finished or was stopped (not called for failures). */
  onFinish?: (answer: AssistantMessage) => void;
  onError?: (error: AiError) => void;
  /** When streamed updates reach subscribers; default once per animation frame. */
  scheduler?: FrameScheduler;
  now?: () => number;
  createId?: () => string;
}

export interface ChatController {
  store: StoreApi<ConversationState>;
  /**
   * Settles once the saved conversation is loaded (at once without storage). Loading starts when the chat is first
   * used or watched (this read, the store's first subscriber, a send), so a chat made and dropped unused (React's
   * strict mode makes one) reads nothing.
   */
  readonly ready: Promise<void>;
  /**
   * Sends a user message (with files, when given) and streams the answer; resolves when the answer is over, tool
   * steps included, or waits for the user's approval (failures are in the state).
   */
  send(text: string, options?: SendOptions): Promise<void>;
  /** Approves (runs) or denies a tool call waiting for approval; the answer goes on once every call has a result. */
  respondToApproval(toolCallId: string, approved: boolean, reason?: string): Promise<void>;
  /** Answers a tool call the app handles itself (a tool without `execute`); the answer goes on once every call has a result. */
  addToolOutput(toolCallId: string, result: { output: unknown } | { errorText: string }): Promise<void>;
  /** Aborts the answer (the gateway aborts the model) and keeps what arrived, marked `stopped`. */
  stop(): void;
  /** Asks again for the last answer; the earlier versions stay on the turn. */
  regenerate(): Promise<void>;
  /**
   * Replaces a user message's text and asks again from there. The earlier text and what followed it stay as a
   * branch of the message: `selectVersion(messageId, 0)` shows it again.
   */
  edit(messageId: string, text: string): Promise<void>;
  /** Stops, empties the conversation and removes it from storage. */
  clear(): Promise<void>;
  /** Shows another version of an assistant turn, or another branch of an edited user message. */
  selectVersion(messageId: string, index: number): void;
  /** Settles when every save so far is written. */
  persisted(): Promise<void>;
  /** Stops any answer and cancels pending frames: call when the chat unmounts. */
  dispose(): void;
}

export interface SendOptions {
  /** Files to send with the text (`readAttachment` makes them from a File). */
  attachments?: readonly MessageFilePart[];
}

interface Run {
  readonly abort: AbortController;
  readonly turnId: string;
  answer: AssistantMessage;
  error: AiError | undefined;
  finished: boolean;
  batcher: FrameBatcher;
}

/**
 * The logic of a chat over a conversation store: send, stop, regenerate, edit, clear and versions, with streamed
 * updates published at most once per frame. One controller per mounted chat.
 *
 * @example
 * const chat = createChatController({ client, feature: 'chat', storage: localStorageAdapter() });
 * chat.store.subscribe((state) => render(state.messages));
 * await chat.send('Hello');
 */
export function createChatController(options: ChatControllerOptions): ChatController {
  const { client, feature, storage, params: paramsOption, tools, maxSteps = 5, onFinish, onError, scheduler, now = Date.now, createId: newId = createId } = options;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`maxSteps must be a whole number of at least 1, got ${maxSteps}.`);
  const offersTools = tools !== undefined && Object.keys(tools).length > 0;
  const restoring = storage !== undefined && options.conversationId !== undefined;
  const store = createConversationStore({ id: options.conversationId ?? newId(), feature, messages: options.initialMessages ?? [], loaded: !restoring, now: now() });
  let run: Run | undefined;
  let saving = Promise.resolve();

  const storageFailed = (error: unknown, failedStorageAction: 'load' | 'save' = 'save') => store.setState({ storageError: toAiError(error), failedStorageAction });
  // This chat's writes (saves, and the removal that clearing it makes) are numbered (one writer per controller): the
  // latest asked for, the latest sent and the latest written, so the write sent as the page goes away knows whether
  // the latest one is written yet.
  const writer = newId();
  const saves = { asked: 0, sent: 0, written: 0, latest: undefined as StorageWrite | undefined };
  // Removed elsewhere (a conversation list): nothing is written until the chat changes the conversation again, so a
  // save of this chat (the answer it stops, one still queued) does not bring the conversation back.
  let removedElsewhere = false;
  // Whether the chat is in use and has written the conversation: only then does it save a title a list gives (a chat
  // disposed, or one never used, may hold a copy older than one opened since).
  let writing = false;
  // Whether the storage holds the conversation as far as this chat knows (it loaded it, or its last write was a save),
  // and the sequence of the latest save a user's change asked for (a message sent, an edit, another version shown).
  // Once that save is written, the saves after it continue it (`ifPresent`): removed meanwhile elsewhere (another tab,
  // another device), the conversation stays removed and the chat stops writing it.
  let stored = false;
  let changedAt = 0;
  const conversationWriter: ConversationWriter = {
    stopWriting: async () => {
      removedElsewhere = true;
      stop();
      await saving;
    },
    // After the conversation is restored: the restore would put the old title back, and a save before it would
    // write the conversation without its messages.
    retitle: (title) => {
      const savesIt = writing && !removedElsewhere;
      void ready().then(() => {
        store.setState({ title });
        if (savesIt) persist();
      });
      return savesIt;
    },
    settled: () => saving,
    changedElsewhere: () => void rereadAtRest(),
  };
  const write = async (target: ConversationStorage, sequence: number, latest: StorageWrite, unloading: boolean) => {
    saves.sent = Math.max(saves.sent, sequence);
    const options = { order: { writer, sequence }, ...(unloading ? { unloading } : {}) };
    if (latest.kind === 'remove') {
      await target.remove(latest.id, options);
      stored = false;
    } else {
      const continues = stored && saves.written >= changedAt;
      const saved = await target.save(latest.conversation, { ...options, ...(continues ? { ifPresent: true } : {}) });
      stored = saved !== false;
      if (!stored) {
        // Removed elsewhere since this chat last wrote it: as if a list had said so.
        removedElsewhere = true;
        stop();
      }
    }
    saves.written = Math.max(saves.written, sequence);
    // Each save is the whole conversation: once one is written, nothing is left unsaved.
    if (store.getState().storageError) store.setState({ storageError: undefined, failedStorageAction: undefined });
  };
  // One write at a time, in order: a slow early save never lands after a later one. One already overtaken by the write
  // sent as the page went away is not sent.
  const queueWrite = (target: ConversationStorage, latest: StorageWrite) => {
    if (removedElsewhere || unread) return;
    writing = true;
    const sequence = ++saves.asked;
    saves.latest = latest;
    unload.watch();
    saving = saving
      .then(() => (sequence > saves.sent && !removedElsewhere ? write(target, sequence, latest, false) : undefined))
      .then(() => notifyStorageChanged(target))
      .catch(storageFailed);
  };
  const persist = () => {
    if (storage) queueWrite(storage, { kind: 'save', conversation: toStoredConversation(store.getState()) });
  };
  /** The next save is a user's change: it may store the conversation again if it was removed elsewhere. */
  const changeBegins = () => {
    removedElsewhere = false;
    changedAt = saves.asked + 1;
  };
  const persistChange = () => {
    changeBegins();
    persist();
  };
  // The page going away (a reload, a link) stops the answer where it is and sends the latest write if it is not
  // written yet, in a request that outlives the page: otherwise a write still queued, or not yet on the wire, is lost.
  const unload = watchPageHide(() => {
    stop();
    if (!storage || !saves.latest || saves.written >= saves.asked || removedElsewhere) return;
    write(storage, saves.asked, saves.latest, true).catch(storageFailed);
  });

  let loading: Promise<void> | undefined;
  // The saved conversation could not be read (storage offline, failing): the chat writes nothing, since a save would
  // replace what it could not read, and reads it again when next used.
  let unread = false;
  const ready = (): Promise<void> => (loading ??= restore());
  const restore = async () => {
    if (!restoring) return;
    try {
      // Another chat of the page that showed it (the one this replaces, when the user comes back) may still be saving it.
      await writesSettled(storage, store.getState().id);
      const saved = await storage.load(store.getState().id);
      stored = saved !== undefined;
      // What was said while it could not be read follows it (past the initial messages, shown where nothing is saved).
      const since = unread ? store.getState().messages.slice(options.initialMessages?.length ?? 0) : [];
      if (saved) store.setState({ title: saved.title, createdAt: saved.createdAt, updatedAt: saved.updatedAt, messages: [...restoreMessages(saved.messages), ...since] });
      if (unread) store.setState({ storageError: undefined, failedStorageAction: undefined });
      unread = false;
    } catch (error) {
      unread = true;
      loading = undefined;
      storageFailed(error, 'load');
    } finally {
      store.setState({ loaded: true });
    }
  };
  // Another tab saved the conversation. At rest (no answer coming, the load done, its own writes written), the chat
  // shows that tab's copy, so its next save carries them; busy, it keeps its own, and its next save wins. A copy
  // whose answer is still coming there is skipped: that tab saves it again when the answer ends.
  const rereadAtRest = async () => {
    await saving;
    const shown = store.getState();
    if (run || !shown.loaded || unread || removedElsewhere || !storage) return;
    const saved = await storage.load(shown.id).catch(() => undefined);
    const current = store.getState();
    if (!saved || run || current.messages !== shown.messages || current.title !== shown.title || !isAtRest(saved.messages)) return;
    store.setState({ title: saved.title, updatedAt: saved.updatedAt, messages: saved.messages });
    stored = true;
  };
  const subscribe = store.subscribe;
  store.subscribe = (listener) => {
    void ready();
    return subscribe(listener);
  };
  // A conversation list reaches the chat through its storage: to rename the conversation, or to remove it.
  if (storage) registerWriter(storage, store.getState().id, store, conversationWriter);

  // Called at most once per frame while tokens arrive: only the streaming turn gets a new object.
  const publish = (current: Run) => {
    const messages = replaceAnswer(store.getState().messages, current.turnId, current.answer);
    store.setState({ messages, status: current.answer.status === 'pending' ? 'submitted' : 'streaming' });
  };

  const finishRun = (current: Run) => {
    if (current.finished) return;
    current.finished = true;
    current.batcher.cancel();
    const active = run === current;
    if (active) run = undefined;
    const messages = replaceAnswer(store.getState().messages, current.turnId, current.answer);
    const failed = current.answer.status === 'error';
    const error = failed ? (current.error ?? (current.answer.error ? AiError.fromJSON(current.answer.error) : new AiError({ code: 'unknown', message: 'The answer failed.', retryable: false }))) : undefined;
    store.setState(active ? { messages, status: failed ? 'error' : 'ready', error, updatedAt: now() } : { messages });
    persist();
    if (error) onError?.(error);
    else onFinish?.(current.answer);
  };

  const stop = () => {
    toolLoop?.stop();
    const current = run;
    if (!current) return;
    // Aborting the fetch closes the connection; the gateway then aborts the upstream generation at once.
    current.abort.abort();
    current.answer = reduceChatEvent(current.answer, { type: 'error', error: new AiError({ code: 'aborted', message: 'Stopped by the user.' }), at: now() });
    finishRun(current);
  };

  /** The tool loop, once loaded (the first answer of a chat with tools, or a tool call answered after a reload). */
  let toolLoop: ToolLoop | undefined;
  const loadToolLoop = async (): Promise<ToolLoop> => {
    const { createToolLoop } = await import('./tool-loop.js');
    toolLoop ??= createToolLoop({ tools: tools ?? {}, maxSteps, store, persist, respond: (messages, turnIndex) => respond(messages, turnIndex, true) });
    return toolLoop;
  };

  /**
   * Streams the answer of the turn at `turnIndex` (its shown version, pending) of `messages`; `continuing` sends the
   * answer's earlier steps too (a tool loop's next model call).
   */
  const respond = async (messages: readonly ConversationMessage[], turnIndex: number, continuing = false): Promise<void> => {
    const turn = messages[turnIndex] as AssistantTurn;
    const current: Run = { abort: new AbortController(), turnId: turn.id, answer: shownAnswer(turn), error: undefined, finished: false, batcher: undefined as never };
    current.batcher = createFrameBatcher(() => publish(current), scheduler);
    run = current;
    const state = store.getState();
    const firstUser = messages.find((message): message is UserMessage => message.role === 'user');
    store.setState({ messages, status: 'submitted', error: undefined, updatedAt: now(), title: state.title ?? (firstUser ? titleFrom(firstUser.content) : null) });
    // A tool loop's next model call continues the user's turn; anything else is a change of theirs.
    if (continuing) persist();
    else persistChange();
    try {
      const params = typeof paramsOption === 'function' ? paramsOption() : paramsOption;
      const request: ChatCompletionRequest = { ...params, model: feature, messages: toRequestMessages(messages.slice(0, continuing ? turnIndex + 1 : turnIndex)) };
      // A tool whose parameters are not a schema fails this answer, named, before anything is sent.
      if (offersTools) request.tools = [...(Array.isArray(params?.tools) ? params.tools : []), ...(await loadToolLoop()).definitions()];
      await client.chat.stream(request, {
        signal: current.abort.signal,
        now,
        onEvent(event) {
          if (current.finished) return;
          if (event.type === 'error') current.error = event.error;
          current.answer = reduceChatEvent(current.answer, event);
          if (event.type === 'chunk') current.batcher.schedule();
        },
      });
    } catch (thrown) {
      // The final event already carried a stream failure; this catches what happened outside the stream.
      if (!current.finished && !isAnswerOver(current.answer)) {
        current.error = toAiError(thrown);
        current.answer = reduceChatEvent(current.answer, { type: 'error', error: current.error, at: now() });
      }
    }
    finishRun(current);
    if (offersTools && current.answer.status === 'done') await (await loadToolLoop()).advance(current.turnId);
  };

  const newTurn = (): AssistantTurn => ({ id: newId(), role: 'assistant', versions: [createAssistantMessage(newId(), now())], selected: 0 });

  return {
    store,
    get ready() {
      return ready();
    },
    stop,
    async send(text, sendOptions = {}) {
      await ready();
      const attachments = sendOptions.attachments ?? [];
      if (text.trim() === '' && attachments.length === 0) return;
      stop();
      const user: UserMessage = { id: newId(), role: 'user', content: text, createdAt: now() };
      if (attachments.length > 0) user.parts = [...(text.trim() === '' ? [] : [{ type: 'text' as const, text }]), ...attachments];
      const messages = [...store.getState().messages, user, newTurn()];
      await respond(messages, messages.length - 1);
    },
    async regenerate() {
      await ready();
      stop();
      const messages = store.getState().messages;
      const last = messages.at(-1);
      if (!last) return;
      // A user message left without an answer gets one; otherwise the last turn gets a new version.
      if (last.role === 'user') return respond([...messages, newTurn()], messages.length);
      const versions = [...last.versions, createAssistantMessage(newId(), now())];
      await respond([...messages.slice(0, -1), { ...last, versions, selected: versions.length - 1 }], messages.length - 1);
    },
    async edit(messageId, text) {
      await ready();
      stop();
      const messages = store.getState().messages;
      const index = messages.findIndex((message) => message.role === 'user' && message.id === messageId);
      if (index === -1) throw new RangeError(`edit: no user message "${messageId}" in this conversation.`);
      await respond(editUserMessage(messages, index, text, now(), newTurn()), index + 1);
    },
    async clear() {
      await ready();
      stop();
      store.setState({ messages: [], status: 'ready', error: undefined, title: null, updatedAt: now() });
      if (!storage) return;
      queueWrite(storage, { kind: 'remove', id: store.getState().id });
      await saving;
    },
    selectVersion(messageId, index) {
      const state = store.getState();
      const target = state.messages.find((message) => message.id === messageId);
      // Another branch replaces the messages after this one: an answer streaming into them stops first.
      if (target?.role === 'user' && run) stop();
      const current = store.getState().messages;
      const messages = target?.role === 'user' ? selectMessageBranch(current, messageId, index) : selectTurnVersion(current, messageId, index);
      if (messages === current) return;
      store.setState({ messages });
      persistChange();
    },
    async respondToApproval(toolCallId, approved, reason) {
      await ready();
      changeBegins();
      await (await loadToolLoop()).respondToApproval(toolCallId, approved, reason);
    },
    async addToolOutput(toolCallId, result) {
      await ready();
      changeBegins();
      await (await loadToolLoop()).addToolOutput(toolCallId, result);
    },
    persisted: () => saving,
    dispose() {
      stop();
      writing = false;
      unload.unwatch();
    },
  };
}

/** A write to the chat's storage: the conversation saved whole, or removed (the chat cleared). */
type StorageWrite = { kind: 'save'; conversation: StoredConversation } | { kind: 'remove'; id: string };

/**
 * Calls `onPageHide` when the page goes away (`pagehide`), once watched; nothing where there is no page (a server,
 * a worker). Watched again on demand, so a controller used after `dispose` (React's strict mode) is watched again.
 */
function watchPageHide(onPageHide: () => void): { watch(): void; unwatch(): void } {
  const page = typeof window === 'undefined' || typeof window.addEventListener !== 'function' ? undefined : window;
  let watching = false;
  return {
    watch() {
      if (!page || watching) return;
      watching = true;
      page.addEventListener('pagehide', onPageHide);
    },
    unwatch() {
      if (!page || !watching) return;
      watching = false;
      page.removeEventListener('pagehide', onPageHide);
    },
  };
}
