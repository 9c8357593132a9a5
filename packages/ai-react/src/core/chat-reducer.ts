import { answerText, foldDelta, settleParts, toolCallsOf, withServerSearch } from './answer-parts.js';
import { isAnswerOver, type AssistantMessage, type TokenUsage } from './chat-messages.js';
import type { ChatStreamEvent } from './chat-stream.js';
import type { ChatCompletionChunk, ChatCompletionDelta, CompletionUsage } from './chat-types.js';
import { toAiError } from './errors.js';
import { isRecord } from './json-records.js';

/** A count the server sent, when it is one (a server may send a string, `null` or nothing). */
const countOf = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function toUsage(usage: CompletionUsage): TokenUsage {
  const promptTokens = countOf(usage.prompt_tokens) ?? 0;
  const completionTokens = countOf(usage.completion_tokens) ?? 0;
  const result: TokenUsage = { promptTokens, completionTokens, totalTokens: countOf(usage.total_tokens) ?? promptTokens + completionTokens };
  const reasoning = countOf(usage.completion_tokens_details?.reasoning_tokens);
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  const cached = countOf(usage.prompt_tokens_details?.cached_tokens);
  if (cached !== undefined) result.cachedTokens = cached;
  return result;
}

/** Time to first token and tokens per second, once the answer is over. */
function finishTiming(message: AssistantMessage, at: number): AssistantMessage['timing'] {
  const timing = { ...message.timing, finishedAt: at };
  const tokens = message.usage?.completionTokens ?? timing.deltas;
  if (timing.firstTokenAt !== undefined && at > timing.firstTokenAt && tokens > 0) {
    timing.tokensPerSecond = Math.round((tokens / ((at - timing.firstTokenAt) / 1000)) * 10) / 10;
  }
  return timing;
}

const count = (parts: AssistantMessage['parts'], type: AssistantMessage['parts'][number]['type']) => parts.reduce((total, part) => total + (part.type === type ? 1 : 0), 0);

/** A choice's delta, with the annotations a server put on its `message` instead (read the same way). */
function withMessageAnnotations(choice: ChatCompletionChunk['choices'][number] | undefined): ChatCompletionDelta | undefined {
  const delta = isRecord(choice?.delta) ? choice.delta : undefined;
  const late = isRecord(choice?.message) ? choice.message.annotations : undefined;
  if (!choice || !Array.isArray(late) || late.length === 0) return delta;
  return { ...delta, annotations: [...(Array.isArray(choice.delta?.annotations) ? choice.delta.annotations : []), ...late] };
}

function applyChunk(message: AssistantMessage, chunk: ChatCompletionChunk, at: number): AssistantMessage {
  const next = { ...message };
  let changed = false;
  let produced = false;
  // Every field is read as untrusted: a string where a string belongs, or nothing.
  if (typeof chunk.model === 'string' && chunk.model && chunk.model !== message.model) [next.model, changed] = [chunk.model, true];
  if (typeof chunk.provider === 'string' && chunk.provider && chunk.provider !== message.provider) [next.provider, changed] = [chunk.provider, true];
  if (isRecord(chunk.usage)) {
    next.usage = toUsage(chunk.usage);
    if (typeof chunk.usage.cost === 'number') next.costUsd = chunk.usage.cost;
    // A web search that cited nothing still ran (and was billed): the usage is all the stream says of it.
    const searches = (chunk.usage.server_tool_use_details ?? chunk.usage.server_tool_use)?.web_search_requests;
    if (typeof searches === 'number' && searches > 0) next.parts = withServerSearch(message.parts);
    changed = true;
  }
  // Only the first choice is an answer here (requests ask for one); other indexes would interleave.
  const choice = chunk.choices.find((candidate) => isRecord(candidate) && (candidate.index ?? 0) === 0);
  const delta = withMessageAnnotations(choice);
  if (delta) {
    const parts = foldDelta(next.parts, delta, at);
    if (parts !== next.parts) {
      // A new text part (after a tool call or a step) changes the separators; otherwise the text only grows.
      if (typeof delta.content === 'string' && delta.content !== '') next.content = count(parts, 'text') === count(next.parts, 'text') ? message.content + delta.content : answerText(parts);
      if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) next.toolCalls = toolCallsOf(parts);
      const reasoning = delta.reasoning ?? delta.reasoning_content;
      if (typeof reasoning === 'string' && reasoning !== '') next.reasoning = count(parts, 'reasoning') === count(next.parts, 'reasoning') || message.reasoning === '' ? message.reasoning + reasoning : `${message.reasoning}\n\n${reasoning}`;
      [next.parts, produced] = [parts, true];
    }
    const images = Array.isArray(delta.images) ? delta.images.map((image) => image?.image_url?.url).filter((url): url is string => typeof url === 'string') : [];
    if (images.length > 0) [next.images, produced] = [[...message.images, ...images], true];
  }
  if (typeof choice?.finish_reason === 'string' && choice.finish_reason) [next.finishReason, changed] = [choice.finish_reason, true];
  if (produced) {
    changed = true;
    if (message.status === 'pending') next.status = 'streaming';
    const timing = { ...message.timing, deltas: message.timing.deltas + 1 };
    if (timing.firstTokenAt === undefined) {
      timing.firstTokenAt = at;
      timing.ttftMs = at - timing.startedAt;
    }
    next.timing = timing;
  }
  // An empty chunk (a role-only delta, a usage chunk already seen) keeps the message's identity.
  return changed ? next : message;
}

/**
 * The one reducer of an answer: applies a stream event (a chunk, the end, or an error) to the message, and returns
 * the same object when the event changed nothing. Pure: time comes from the event.
 *
 * @example
 * let answer = createAssistantMessage('a1', Date.now());
 * for (const event of events) answer = reduceChatEvent(answer, event);
 */
export function reduceChatEvent(message: AssistantMessage, event: ChatStreamEvent): AssistantMessage {
  // A finished answer takes nothing more (a late event after Stop, a second final event).
  if (isAnswerOver(message)) return message;
  switch (event.type) {
    case 'chunk': {
      const { chunk, at } = event;
      if (chunk.error) return reduceChatEvent(message, { type: 'error', error: toAiError(chunk), at });
      return applyChunk(message, chunk, at);
    }
    case 'done':
      return { ...message, status: 'done', parts: settleParts(message.parts), timing: finishTiming(message, event.at) };
    case 'error': {
      if (event.error.code === 'aborted') return { ...message, status: 'stopped', timing: finishTiming(message, event.at) };
      return { ...message, status: 'error', error: event.error.toJSON(), timing: finishTiming(message, event.at) };
    }
  }
}
