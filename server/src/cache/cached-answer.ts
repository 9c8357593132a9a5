import type { StreamSummary, UpstreamChunk } from '../gateway/stream-proxy.js';
import { usageFigures } from '../upstream/usage-figures.js';

/**
 * An answer as the cache keeps it: OpenRouter's JSON body, or the chunks of its stream (usage chunk included), as
 * they came. Either serves both kinds of request: a stream is rebuilt from a body and a body from a stream.
 */
export interface CachedAnswer {
  kind: 'chat' | 'embeddings' | 'images';
  body?: Record<string, unknown>;
  chunks?: UpstreamChunk[];
}

type Choice = NonNullable<UpstreamChunk['choices']>[number];

/** OpenRouter's `usage` of an answer: the body's, else the last chunk that carried one. */
export function usageOfAnswer(answer: CachedAnswer): unknown {
  if (answer.body) return answer.body['usage'];
  let usage: unknown;
  for (const chunk of answer.chunks ?? []) if (chunk.usage) usage = chunk.usage;
  return usage;
}

/** What the answer cost when it was generated, when OpenRouter said. */
export function costOfAnswer(answer: CachedAnswer): number | undefined {
  return usageFigures(usageOfAnswer(answer)).costUsd;
}

/** The completion body a stream adds up to: its text, reasoning and finish reason in one message. */
export function completionFromChunks(chunks: readonly UpstreamChunk[]): Record<string, unknown> {
  const first = chunks[0] ?? {};
  let content = '';
  let reasoning = '';
  let finishReason: string | null = null;
  let nativeFinishReason: unknown;
  for (const chunk of chunks) {
    const choice: (Choice & { native_finish_reason?: unknown }) | undefined = chunk.choices?.[0];
    const delta = choice?.delta ?? {};
    if (typeof delta['content'] === 'string') content += delta['content'];
    if (typeof delta['reasoning'] === 'string') reasoning += delta['reasoning'];
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    if (choice?.native_finish_reason !== undefined && choice.native_finish_reason !== null) nativeFinishReason = choice.native_finish_reason;
  }
  const message: Record<string, unknown> = { role: 'assistant', content };
  if (reasoning !== '') message['reasoning'] = reasoning;
  return {
    id: first.id,
    provider: first.provider,
    model: first.model,
    object: 'chat.completion',
    created: first.created,
    choices: [{ index: 0, message, finish_reason: finishReason, ...(nativeFinishReason === undefined ? {} : { native_finish_reason: nativeFinishReason }) }],
    usage: usageOfAnswer({ kind: 'chat', chunks: [...chunks] }),
  };
}

/** The chunks a completion body streams as: its reasoning and text, the finish reason, then the usage chunk. */
export function chunksFromCompletion(body: Record<string, unknown>): UpstreamChunk[] {
  const head = { id: body['id'], provider: body['provider'], model: body['model'], object: 'chat.completion.chunk', created: body['created'] } as UpstreamChunk;
  const choice = (Array.isArray(body['choices']) ? body['choices'][0] : undefined) as { message?: Record<string, unknown>; finish_reason?: string | null; native_finish_reason?: unknown } | undefined;
  const message = choice?.message ?? {};
  const chunks: UpstreamChunk[] = [];
  const delta = (fields: Record<string, unknown>, finishReason: string | null = null): UpstreamChunk => ({ ...head, choices: [{ index: 0, delta: { role: 'assistant', ...fields }, finish_reason: finishReason }] });
  if (typeof message['reasoning'] === 'string' && message['reasoning'] !== '') chunks.push(delta({ content: '', reasoning: message['reasoning'] }));
  const content = typeof message['content'] === 'string' ? message['content'] : '';
  if (content !== '') chunks.push(delta({ content }));
  const finish = delta({ content: '' }, choice?.finish_reason ?? 'stop');
  if (choice?.native_finish_reason !== undefined) (finish.choices?.[0] as Record<string, unknown>)['native_finish_reason'] = choice.native_finish_reason;
  chunks.push(finish);
  if (body['usage'] !== undefined) chunks.push({ ...head, choices: [], usage: body['usage'] });
  return chunks;
}

/** The summary a stream format closes with, from the chunks that were written. */
export function summaryOfChunks(chunks: readonly UpstreamChunk[]): StreamSummary {
  const summary: StreamSummary = { id: undefined, model: undefined, provider: undefined, created: undefined, usage: undefined };
  for (const chunk of chunks) {
    summary.id ??= chunk.id;
    summary.model ??= chunk.model;
    summary.provider ??= chunk.provider;
    summary.created ??= chunk.created;
    if (chunk.usage) summary.usage = chunk.usage;
  }
  return summary;
}

/**
 * Why an answer must not be cached, or undefined when it may be: a chat answer that asks the client to run tools,
 * or that did not end by itself (cut at `max_tokens`, filtered, failed).
 */
export function uncacheableReason(answer: CachedAnswer): string | undefined {
  if (answer.kind !== 'chat') return undefined;
  const completion = answer.body ?? completionFromChunks(answer.chunks ?? []);
  const choices = Array.isArray(completion['choices']) ? (completion['choices'] as Array<Record<string, unknown>>) : [];
  for (const choice of choices) {
    const message = (choice['message'] ?? {}) as Record<string, unknown>;
    if (Array.isArray(message['tool_calls']) && message['tool_calls'].length > 0) return 'tool calls';
    if (choice['finish_reason'] !== 'stop') return `finish reason ${String(choice['finish_reason'])}`;
  }
  for (const chunk of answer.chunks ?? []) if (chunk.choices?.some((choice) => choice.delta?.['tool_calls'] !== undefined)) return 'tool calls';
  return choices.length === 0 ? 'no answer' : undefined;
}
