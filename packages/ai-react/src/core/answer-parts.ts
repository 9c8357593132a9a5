import type { ChatCompletionDelta, ToolCallDelta, UrlCitationAnnotation } from './chat-types.js';
import type { AssistantMessagePart, MessageReasoningPart, MessageSourcePart, MessageToolPart, ReasoningDetail } from './message-parts.js';
import type { ToolCall } from './chat-messages.js';
import { isRecord } from './json-records.js';

type Parts = readonly AssistantMessagePart[];

/** Where the current step starts: parts after the last `step-start` belong to the model call now streaming. */
const stepStart = (parts: Parts) => parts.findLastIndex((part) => part.type === 'step-start') + 1;

/**
 * `reasoning_details` pieces merged by `index`, as OpenRouter streams them: text and summary pieces concatenate,
 * a signature or an encrypted blob arrives whole on a later piece and is kept as it came.
 */
function mergeDetails(details: readonly ReasoningDetail[], pieces: readonly ReasoningDetail[]): ReasoningDetail[] {
  const merged = [...details];
  for (const piece of pieces) {
    if (!isRecord(piece) || typeof piece.type !== 'string') continue;
    const at = typeof piece['index'] === 'number' ? merged.findIndex((detail) => detail['index'] === piece['index'] && detail.type === piece.type) : -1;
    const existing = merged[at];
    if (!existing) {
      merged.push({ ...piece });
      continue;
    }
    const next: ReasoningDetail = { ...existing };
    for (const [field, value] of Object.entries(piece)) {
      if ((field === 'text' || field === 'summary') && typeof value === 'string') next[field] = `${typeof existing[field] === 'string' ? existing[field] : ''}${value}`;
      else if (value !== '' && value !== null && value !== undefined) next[field] = value;
    }
    merged[at] = next;
  }
  return merged;
}

/**
 * Reasoning text extends the reasoning part it follows, or starts one (reasoning after a tool call or text is a new
 * thought). Details without text (a signature, an encrypted blob) close the step's latest reasoning, wherever it is:
 * some providers send them only once the answer or its tool calls have streamed.
 */
function foldReasoning(parts: AssistantMessagePart[], text: string, details: readonly ReasoningDetail[], at: number): void {
  const last = parts.at(-1);
  if (last?.type === 'reasoning') {
    parts[parts.length - 1] = { ...last, text: last.text + text, details: details.length > 0 ? mergeDetails(last.details, details) : last.details, finishedAt: at };
    return;
  }
  const from = stepStart(parts);
  const latest = text === '' ? parts.findLastIndex((part, position) => position >= from && part.type === 'reasoning') : -1;
  const closing = parts[latest];
  if (closing?.type === 'reasoning') {
    parts[latest] = { ...closing, details: mergeDetails(closing.details, details) };
    return;
  }
  const part: MessageReasoningPart = { type: 'reasoning', text, details: mergeDetails([], details), startedAt: at, finishedAt: at };
  parts.push(part);
}

/** Parallel tool calls of the current step, merged by `index`: the first delta names a call, later ones add arguments. */
function foldToolCalls(parts: AssistantMessagePart[], deltas: readonly ToolCallDelta[]): void {
  const from = stepStart(parts);
  for (const delta of deltas) {
    if (!isRecord(delta)) continue;
    const existing = parts.findIndex((part, position) => position >= from && part.type === 'tool-call' && !part.server && part.index === (delta.index ?? -1));
    const named = isRecord(delta.function) ? delta.function : {};
    const piece = typeof named.arguments === 'string' ? named.arguments : '';
    const id = typeof delta.id === 'string' ? delta.id : '';
    const name = typeof named.name === 'string' ? named.name : '';
    const call = parts[existing];
    if (call?.type === 'tool-call') {
      parts[existing] = { ...call, toolCallId: call.toolCallId || id, name: call.name || name, input: call.input + piece };
      continue;
    }
    const index = typeof delta.index === 'number' ? delta.index : parts.filter((part, position) => position >= from && part.type === 'tool-call').length;
    const part: MessageToolPart = { type: 'tool-call', toolCallId: id, index, name, input: piece, state: 'input-streaming' };
    parts.push(part);
  }
}

/** Cited sources, numbered in the order they first appear; a URL cited twice keeps its first number. */
function foldCitations(parts: AssistantMessagePart[], annotations: readonly UrlCitationAnnotation[]): boolean {
  let added = false;
  for (const annotation of annotations) {
    const citation = isRecord(annotation) && annotation.type === 'url_citation' && isRecord(annotation.url_citation) ? annotation.url_citation : undefined;
    if (!citation || typeof citation.url !== 'string' || parts.some((part) => part.type === 'source' && part.url === citation.url)) continue;
    const number = parts.filter((part) => part.type === 'source').length + 1;
    const source: MessageSourcePart = { type: 'source', number, url: citation.url };
    if (typeof citation.title === 'string' && citation.title !== '') source.title = citation.title;
    if (typeof citation.content === 'string' && citation.content !== '') source.content = citation.content;
    parts.push(source);
    added = true;
  }
  return added;
}

/**
 * The name a server web search shows under (`MessageToolPart.name`, with `server: true`).
 *
 * @example
 * const searched = answer.parts.some((part) => part.type === 'tool-call' && part.server && part.name === WEB_SEARCH_TOOL);
 */
export const WEB_SEARCH_TOOL = 'web_search';

/**
 * The parts with the current step's web search shown: OpenRouter runs its web search before the model writes, and
 * reports it only by the sources it cites and the usage it bills, so the search is placed at the start of the step,
 * done. Returns the same array when the step shows it already.
 *
 * @example
 * if (usage.server_tool_use_details?.web_search_requests) answer.parts = withServerSearch(answer.parts);
 */
export function withServerSearch(previous: Parts): Parts {
  const from = stepStart(previous);
  if (previous.some((part, position) => position >= from && part.type === 'tool-call' && part.server && part.name === WEB_SEARCH_TOOL)) return previous;
  const steps = previous.filter((part) => part.type === 'step-start').length;
  const search: MessageToolPart = { type: 'tool-call', toolCallId: `${WEB_SEARCH_TOOL}-${steps}`, index: 0, name: WEB_SEARCH_TOOL, input: '{}', state: 'output-available', server: true };
  return [...previous.slice(0, from), search, ...previous.slice(from)];
}

/**
 * One streamed delta folded into an answer's parts, in the order the answer happened: reasoning, tool calls, text,
 * images, then cited sources (with the web search that found them). Returns the same array when the delta added
 * nothing.
 *
 * @example
 * answer.parts = foldDelta(answer.parts, chunk.choices[0].delta, Date.now());
 */
export function foldDelta(previous: Parts, delta: ChatCompletionDelta, at: number): Parts {
  const parts = [...previous];
  let changed = false;
  const reasoning = delta.reasoning ?? delta.reasoning_content;
  const details = Array.isArray(delta.reasoning_details) ? delta.reasoning_details : [];
  if ((typeof reasoning === 'string' && reasoning !== '') || details.length > 0) {
    foldReasoning(parts, typeof reasoning === 'string' ? reasoning : '', details, at);
    changed = true;
  }
  if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
    foldToolCalls(parts, delta.tool_calls);
    changed = true;
  }
  if (typeof delta.content === 'string' && delta.content !== '') {
    const last = parts.at(-1);
    if (last?.type === 'text') parts[parts.length - 1] = { type: 'text', text: last.text + delta.content };
    else parts.push({ type: 'text', text: delta.content });
    changed = true;
  }
  for (const image of Array.isArray(delta.images) ? delta.images : []) {
    if (typeof image?.image_url?.url !== 'string') continue;
    parts.push({ type: 'image', url: image.image_url.url });
    changed = true;
  }
  if (Array.isArray(delta.annotations) && foldCitations(parts, delta.annotations)) return withServerSearch(parts);
  return changed ? parts : previous;
}

/**
 * The parts once the model call is over: tool calls whose arguments stopped arriving are complete
 * (`input-available`). Returns the same array when nothing changed.
 *
 * @example
 * answer.parts = settleParts(answer.parts);
 */
export function settleParts(previous: Parts): Parts {
  if (!previous.some((part) => part.type === 'tool-call' && part.state === 'input-streaming')) return previous;
  return previous.map((part) => (part.type === 'tool-call' && part.state === 'input-streaming' ? { ...part, state: 'input-available' as const } : part));
}

/**
 * The text of an answer's parts: a step's text parts joined as they streamed, steps apart by a blank line (the
 * words before a tool call and the answer after it).
 *
 * @example
 * answerText(answer.parts); // 'Let me check.\n\nIt is 21 °C in Oslo.'
 */
export function answerText(parts: Parts): string {
  const steps: string[] = [''];
  for (const part of parts) {
    if (part.type === 'step-start') steps.push('');
    else if (part.type === 'text') steps[steps.length - 1] += part.text;
  }
  return steps.filter((text) => text !== '').join('\n\n');
}

/**
 * The client tool calls of an answer, every step's, as the summary `AssistantMessage.toolCalls` keeps them.
 *
 * @example
 * toolCallsOf(answer.parts).map((call) => call.name);
 */
export function toolCallsOf(parts: Parts): ToolCall[] {
  return parts.flatMap((part) => (part.type === 'tool-call' && !part.server ? [{ index: part.index, id: part.toolCallId, type: 'function' as const, name: part.name, arguments: part.input }] : []));
}
