import { tokenLogprob } from './logprobs.js';
import type { ChatPlan } from './plan.js';
import { reasoningDeltaOf } from './reasoning-details.js';

/**
 * Builds chunk JSON by string concatenation around a fixed prefix: a 1,000-token stream must cost the emulator
 * next to nothing, so the fields every chunk repeats are serialized once. Field order follows real captures.
 */
export class ChunkWriter {
  readonly #prefix: string;
  readonly #meta: string;

  constructor(
    readonly id: string,
    readonly plan: ChatPlan,
    readonly created: number,
  ) {
    const provider = JSON.stringify(plan.provider.name);
    const model = JSON.stringify(plan.model.id);
    this.#prefix = `{"id":${JSON.stringify(id)},"provider":${provider},"model":${model},"object":"chat.completion.chunk","created":${created},"choices":[{"index":0,"delta":`;
    this.#meta = `"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${model},"provider":${provider}`;
  }

  #choice(delta: string, finish: string | null, native: string | null, logprobs = 'null'): string {
    const finishText = finish === null ? 'null' : JSON.stringify(finish);
    const nativeText = native === null ? 'null' : JSON.stringify(native);
    return `${this.#prefix}${delta},"finish_reason":${finishText},"native_finish_reason":${nativeText},"logprobs":${logprobs}}]}`;
  }

  /** A token of the answer at its `position`, with its logprobs when the request asked for them. */
  content(piece: string, position: number): string {
    const logprobs = this.plan.logprobs === undefined ? undefined : `{"content":[${JSON.stringify(tokenLogprob(piece, position, this.plan.logprobs))}],"refusal":null}`;
    return this.#choice(`{"role":"assistant","content":${JSON.stringify(piece)}}`, null, null, logprobs);
  }

  reasoning(piece: string): string {
    const detail = JSON.stringify(reasoningDeltaOf(this.plan.reasoningStyle, piece));
    return this.#choice(`{"role":"assistant","content":"","reasoning":${JSON.stringify(piece)},"reasoning_details":[${detail}]}`, null, null);
  }

  /** The signature and encrypted entries that close a reasoning (no text of their own). */
  reasoningSeal(details: ReadonlyArray<Record<string, unknown>>): string {
    return this.#choice(`{"role":"assistant","content":"","reasoning":"","reasoning_details":${JSON.stringify(details)}}`, null, null);
  }

  toolCallStart(index: number, callId: string, name: string): string {
    return this.#choice(
      `{"role":"assistant","content":null,"tool_calls":[{"index":${index},"id":${JSON.stringify(callId)},"type":"function","function":{"name":${JSON.stringify(name)},"arguments":""}}]}`,
      null,
      null,
    );
  }

  toolCallArguments(index: number, piece: string): string {
    return this.#choice(`{"role":"assistant","content":null,"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(piece)}}}]}`, null, null);
  }

  /** The answer's sources, once its text has streamed (OpenRouter's web search). */
  annotations(citations: ChatPlan['citations']): string {
    const annotations = citations.map(({ url, title, content, start_index, end_index }) => ({ type: 'url_citation', url_citation: { url, title, content, start_index, end_index } }));
    return this.#choice(`{"role":"assistant","content":"","annotations":${JSON.stringify(annotations)}}`, null, null);
  }

  images(urls: readonly string[]): string {
    const images = urls.map((url, index) => ({ type: 'image_url', image_url: { url }, index }));
    return this.#choice(`{"role":"assistant","content":"","images":${JSON.stringify(images)}}`, null, null);
  }

  finish(): string {
    return this.#choice('{"role":"assistant","content":""}', this.plan.finishReason, this.plan.nativeFinishReason);
  }

  /** Form A: one empty choice plus usage (every real capture); form B: `choices: []` plus usage (the reference). */
  usage(usage: unknown, form: 'a' | 'b'): string {
    const usageText = JSON.stringify(usage);
    if (form === 'b') return `{${this.#meta},"choices":[],"usage":${usageText}}`;
    const choice = this.#choice('{"role":"assistant","content":""}', null, null);
    return `${choice.slice(0, -1)},"usage":${usageText}}`;
  }

  /** The mid-stream error event; the stream ends after it. A rate limit says when to try again, as OpenRouter's 429 body does. */
  error(code: number | string, message: string, errorType: string, retryAfterSeconds?: number): string {
    const metadata = retryAfterSeconds === undefined ? { error_type: errorType } : { error_type: errorType, retry_after_seconds: retryAfterSeconds };
    const error = JSON.stringify({ code, message, metadata });
    return `{${this.#meta},"error":${error},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`;
  }
}

export const sseEvent = (data: string): string => `data: ${data}\n\n`;
export const KEEP_ALIVE = ': OPENROUTER PROCESSING\n\n';
