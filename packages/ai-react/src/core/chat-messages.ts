import type { AiErrorInfo } from './errors.js';
import type { AssistantMessagePart, UserMessagePart } from './message-parts.js';

/** Where one answer is: waiting for its first token, arriving, finished, stopped by the user, or failed. */
export type AnswerStatus = 'pending' | 'streaming' | 'done' | 'stopped' | 'error';

export interface UserMessage {
  id: string;
  role: 'user';
  content: string;
  /** The text and the attached files in order; absent on messages saved before parts (then one text part of `content`). */
  parts?: readonly UserMessagePart[];
  createdAt: number;
  /**
   * Every version of this message once it was edited, each with the conversation that followed it (editing keeps the
   * earlier branch, `‹ 1/2 ›`). Absent until the first edit. The shown branch's `following` is empty: its messages
   * are the ones after this message in the conversation.
   */
  branches?: readonly MessageBranch[];
  /** Which of `branches` is shown. */
  branch?: number;
}

/** One version of an edited user message and the messages that followed it. */
export interface MessageBranch {
  content: string;
  createdAt: number;
  following: readonly ConversationMessage[];
}

export interface ToolCall {
  index: number;
  id: string;
  type: 'function';
  name: string;
  /** JSON text, concatenated from the streamed pieces. */
  arguments: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  reasoningTokens?: number;
  cachedTokens?: number;
}

/** Epoch milliseconds, and what follows from them: time to first token and tokens per second. */
export interface AnswerTiming {
  startedAt: number;
  firstTokenAt?: number;
  finishedAt?: number;
  ttftMs?: number;
  tokensPerSecond?: number;
  /** Deltas received: tokens per second falls back to it when no usage arrived. */
  deltas: number;
}

/** One answer of the assistant, built by `reduceChatEvent` from stream events; plain JSON, so it can be stored. */
export interface AssistantMessage {
  id: string;
  role: 'assistant';
  status: AnswerStatus;
  /**
   * What the answer said, thought, called, cited and drew, in order (steps of a tool loop included). The fields below
   * summarise it for code that only needs the text.
   */
  parts: readonly AssistantMessagePart[];
  content: string;
  reasoning: string;
  toolCalls: readonly ToolCall[];
  /** Image URLs (data URLs from the gateway). */
  images: readonly string[];
  usage?: TokenUsage;
  costUsd?: number;
  model?: string;
  provider?: string;
  finishReason?: string;
  /**
   * True when a tool loop ended because it reached `maxSteps`: the last step's calls have their results, and the model
   * was not asked again (send another message to go on).
   */
  stepLimitReached?: boolean;
  error?: AiErrorInfo;
  timing: AnswerTiming;
}

/** An assistant reply with every version generated for it (regenerate adds one); `versions[selected]` is shown. */
export interface AssistantTurn {
  id: string;
  role: 'assistant';
  versions: readonly AssistantMessage[];
  selected: number;
}

export type ConversationMessage = UserMessage | AssistantTurn;

export interface ConversationSummary {
  id: string;
  title: string | null;
  feature: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  messageCount: number;
}

/** A conversation as storage adapters keep it. */
export interface StoredConversation {
  id: string;
  title: string | null;
  feature: string | null;
  createdAt: number;
  updatedAt: number;
  messages: ConversationMessage[];
}

/**
 * A new, empty answer, waiting for its first token.
 *
 * @example
 * const answer = createAssistantMessage('a1', Date.now());
 */
export function createAssistantMessage(id: string, startedAt: number): AssistantMessage {
  return { id, role: 'assistant', status: 'pending', parts: [], content: '', reasoning: '', toolCalls: [], images: [], timing: { startedAt, deltas: 0 } };
}

/**
 * The version of a turn on screen (and sent as history).
 *
 * @example
 * const answer = shownAnswer(turn); answer.content;
 */
export function shownAnswer(turn: AssistantTurn): AssistantMessage {
  const answer = turn.versions[turn.selected] ?? turn.versions.at(-1);
  if (!answer) throw new Error(`The assistant turn ${turn.id} has no answer.`);
  return answer;
}

/**
 * Whether an answer is over: done, stopped or failed. Nothing changes it after that (late stream events are
 * ignored), and its actions (copy, regenerate) show.
 *
 * @example
 * if (isAnswerOver(shownAnswer(turn))) showActions();
 */
export function isAnswerOver(answer: AssistantMessage): boolean {
  return answer.status === 'done' || answer.status === 'stopped' || answer.status === 'error';
}

/** Finish reasons of an answer that ended before the model was done: at its length limit, or stopped by a filter. */
const CUT_SHORT: Readonly<Record<string, 'lengthLimit' | 'contentFilter'>> = { length: 'lengthLimit', max_tokens: 'lengthLimit', content_filter: 'contentFilter' };

/**
 * Why a complete answer stops before the model was done, as the label that says so: `lengthLimit` (it reached its
 * `max_tokens`) or `contentFilter` (the provider's filter ended it); undefined for one the model finished.
 *
 * @example
 * const reason = cutShortReason(answer); // 'lengthLimit' for finish_reason "length"
 */
export function cutShortReason(answer: AssistantMessage): 'lengthLimit' | 'contentFilter' | undefined {
  return answer.status === 'done' && answer.finishReason && Object.hasOwn(CUT_SHORT, answer.finishReason) ? CUT_SHORT[answer.finishReason] : undefined;
}

/**
 * Messages as read back from storage: an answer saved while it was still arriving (the page closed mid-stream) is
 * shown as stopped, since nothing will finish it; stopped and failed answers stay as they were. Answers saved before
 * answers had parts get them from their text, reasoning, tool calls and images, in the earlier branches of edited
 * messages too. Messages that need nothing keep their identity.
 *
 * @example
 * store.setState({ messages: restoreMessages(saved.messages) });
 */
export function restoreMessages(messages: readonly ConversationMessage[]): ConversationMessage[] {
  return messages.map((message) => {
    if (!needsRestoring(message)) return message;
    if (message.role === 'user') return { ...message, branches: (message.branches ?? []).map((branch) => ({ ...branch, following: restoreMessages(branch.following) })) };
    const versions = message.versions.map((saved) => {
      const answer = Array.isArray(saved.parts) ? saved : { ...saved, parts: legacyParts(saved) };
      return isAnswerOver(answer) ? answer : { ...answer, status: 'stopped' as const };
    });
    return { ...message, versions };
  });
}

/**
 * Whether every answer of these stored messages (in every branch) is over and has its parts: what a tab saves while an
 * answer is still arriving is not.
 *
 * @example
 * if (isAtRest(saved.messages)) show(saved);
 */
export function isAtRest(messages: readonly ConversationMessage[]): boolean {
  return !messages.some(needsRestoring);
}

function needsRestoring(message: ConversationMessage): boolean {
  if (message.role === 'user') return message.branches?.some((branch) => branch.following.some(needsRestoring)) ?? false;
  return !message.versions.every((answer) => isAnswerOver(answer) && Array.isArray(answer.parts));
}

/**
 * An answer's parts; for an answer saved before answers had parts, rebuilt from its summary fields.
 *
 * @example
 * const sources = answerParts(answer).filter((part) => part.type === 'source');
 */
export function answerParts(answer: AssistantMessage): readonly AssistantMessagePart[] {
  return Array.isArray(answer.parts) ? answer.parts : legacyParts(answer);
}

function legacyParts(answer: Omit<AssistantMessage, 'parts'>): AssistantMessagePart[] {
  const parts: AssistantMessagePart[] = [];
  if (answer.reasoning) parts.push({ type: 'reasoning', text: answer.reasoning, details: [] });
  for (const call of answer.toolCalls ?? []) parts.push({ type: 'tool-call', toolCallId: call.id, index: call.index, name: call.name, input: call.arguments, state: 'input-available' });
  if (answer.content) parts.push({ type: 'text', text: answer.content });
  for (const url of answer.images ?? []) parts.push({ type: 'image', url });
  return parts;
}

/**
 * A user message's parts: its own, or one text part of its content for messages saved before parts.
 *
 * @example
 * const files = userMessageParts(message).filter((part) => part.type === 'file');
 */
export function userMessageParts(message: UserMessage): readonly UserMessagePart[] {
  return message.parts ?? (message.content === '' ? [] : [{ type: 'text', text: message.content }]);
}

/** A random id: `crypto.randomUUID` where the page is a secure context, else 16 random base-36 characters. */
export function createId(): string {
  const crypto = globalThis.crypto as Crypto | undefined;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  let id = '';
  while (id.length < 16) id += Math.random().toString(36).slice(2);
  return id.slice(0, 16);
}
