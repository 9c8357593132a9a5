import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AssistantMessage, AssistantTurn, ConversationMessage, StoredConversation } from './chat-messages.js';
import type { AiError } from './errors.js';

/** Where a chat is: idle, request sent and no token yet, tokens arriving, or the last answer failed. */
export type ChatStatus = 'ready' | 'submitted' | 'streaming' | 'error';

export interface ConversationState {
  id: string;
  /** The feature every answer is asked of (the request's `model`). */
  feature: string;
  /** The first words of the first message until someone renames it. */
  title: string | null;
  createdAt: number;
  updatedAt: number;
  /** User messages and assistant turns; an entry that did not change keeps its identity across updates. */
  messages: readonly ConversationMessage[];
  status: ChatStatus;
  /** The failure of the last answer (`status: 'error'`). */
  error: AiError | undefined;
  /** False until the saved conversation was read from storage. */
  loaded: boolean;
  /** The last failure to load or save the conversation, until a later load or save succeeds; the chat itself keeps working. */
  storageError: AiError | undefined;
  /**
   * What `storageError` failed to do: read the saved conversation (nothing is written until it can be read, so what
   * it holds is never replaced), or save it.
   */
  failedStorageAction: 'load' | 'save' | undefined;
}

export interface ConversationStoreInit {
  id: string;
  feature: string;
  title?: string | null;
  messages?: readonly ConversationMessage[];
  loaded?: boolean;
  now?: number;
}

/**
 * A conversation's state, one store per chat (never shared between two providers): zustand's vanilla store, so a
 * React hook reads it with `useSyncExternalStore` and tests read it without React.
 *
 * @example
 * const store = createConversationStore({ id: 'c1', feature: 'chat' });
 * store.subscribe((state) => console.log(state.status));
 */
export function createConversationStore(init: ConversationStoreInit): StoreApi<ConversationState> {
  const now = init.now ?? Date.now();
  return createStore<ConversationState>()(() => ({
    id: init.id,
    feature: init.feature,
    title: init.title ?? null,
    createdAt: now,
    updatedAt: now,
    messages: init.messages ?? [],
    status: 'ready',
    error: undefined,
    loaded: init.loaded ?? true,
    storageError: undefined,
    failedStorageAction: undefined,
  }));
}

/**
 * The messages with one answer replaced (found by turn and answer id); every other entry keeps its identity, and
 * the same array comes back when nothing changed.
 *
 * @example
 * const messages = replaceAnswer(state.messages, turnId, reduceChatEvent(answer, event));
 */
export function replaceAnswer(messages: readonly ConversationMessage[], turnId: string, answer: AssistantMessage): readonly ConversationMessage[] {
  // The answer being written is nearly always in the last turn: search from the end.
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const turn = messages[index];
    if (turn?.role !== 'assistant' || turn.id !== turnId) continue;
    const at = turn.versions.findIndex((version) => version.id === answer.id);
    if (at === -1 || turn.versions[at] === answer) return messages;
    const versions = turn.versions.slice();
    versions[at] = answer;
    const next = messages.slice();
    next[index] = { ...turn, versions };
    return next;
  }
  return messages;
}

/**
 * A turn showing another of its versions, or the messages as they were when the turn or index does not exist.
 *
 * @example
 * store.setState({ messages: selectTurnVersion(state.messages, turnId, 0) });
 */
export function selectTurnVersion(messages: readonly ConversationMessage[], turnId: string, index: number): readonly ConversationMessage[] {
  const at = messages.findIndex((message) => message.role === 'assistant' && message.id === turnId);
  const turn = messages[at] as AssistantTurn | undefined;
  if (!turn || !Number.isInteger(index) || index < 0 || index >= turn.versions.length || index === turn.selected) return messages;
  const next = messages.slice();
  next[at] = { ...turn, selected: index };
  return next;
}

/**
 * What storage keeps of the state: the conversation without its live status.
 *
 * @example
 * await storage.save(toStoredConversation(store.getState()));
 */
export function toStoredConversation(state: ConversationState): StoredConversation {
  return { id: state.id, title: state.title, feature: state.feature, createdAt: state.createdAt, updatedAt: state.updatedAt, messages: [...state.messages] };
}

/**
 * A title from the first user message: its first line, at most 80 characters.
 *
 * @example
 * titleFrom('Plan a trip to Lisbon\nfor four days'); // "Plan a trip to Lisbon"
 */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
