import type { ChatPlan } from '../chat/plan.js';
import { signatureOf } from '../chat/reasoning-details.js';
import type { StreamEvents } from '../chat/stream.js';
import { messageError, messageObject, messageUsage, stopReasonOf } from './message-object.js';

type OpenBlock = { kind: 'thinking' | 'text' | 'tool_use'; index: number; text: string; toolIndex?: number };

/**
 * The Messages API's stream of a planned answer: `message_start` (the message, empty, with its input usage) and a
 * `ping`, then per content block `content_block_start`, its deltas (`thinking_delta` and the `signature_delta` that
 * seals it, `text_delta`, `input_json_delta`) and `content_block_stop`, and last `message_delta` (the stop reason and
 * the whole usage, cost included) and `message_stop`. A failure is an `error` event. Each is `event: <type>` with its
 * JSON.
 */
export class MessageEvents implements StreamEvents {
  #blocks = 0;
  #open: OpenBlock | undefined;

  constructor(
    readonly id: string,
    readonly plan: ChatPlan,
  ) {}

  #event(type: string, payload: Record<string, unknown> = {}): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
  }

  start(): string {
    const cached = this.plan.cachedTokens;
    const written = this.plan.cacheWriteTokens;
    const usage = { input_tokens: Math.max(0, this.plan.promptTokens - cached - written), cache_creation_input_tokens: written, cache_read_input_tokens: cached, output_tokens: 0 };
    return this.#event('message_start', { message: messageObject(this.id, this.plan, { content: [], stopReason: null, usage }) }) + this.#event('ping');
  }

  /** Closes the open block unless it is `kind` (the same tool call); then opens one with `block` as its start. */
  #ensure(kind: OpenBlock['kind'], block: () => Record<string, unknown>, toolIndex?: number): string {
    if (this.#open?.kind === kind && this.#open.toolIndex === toolIndex) return '';
    const closed = this.#close();
    this.#open = { kind, index: this.#blocks++, text: '', ...(toolIndex === undefined ? {} : { toolIndex }) };
    return closed + this.#event('content_block_start', { index: this.#open.index, content_block: block() });
  }

  #close(): string {
    const open = this.#open;
    if (!open) return '';
    this.#open = undefined;
    // A thinking block is sealed with its signature, which a later turn hands back.
    const seal = open.kind === 'thinking' ? this.#event('content_block_delta', { index: open.index, delta: { type: 'signature_delta', signature: signatureOf(open.text, this.plan.provider.name) } }) : '';
    return seal + this.#event('content_block_stop', { index: open.index });
  }

  #delta(delta: Record<string, unknown>): string {
    return this.#event('content_block_delta', { index: (this.#open as OpenBlock).index, delta });
  }

  reasoning(piece: string): string {
    const opening = this.#ensure('thinking', () => ({ type: 'thinking', thinking: '', signature: '' }));
    (this.#open as OpenBlock).text += piece;
    return opening + this.#delta({ type: 'thinking_delta', thinking: piece });
  }

  /** The signature goes with the block's close (`signature_delta`). */
  reasoningSeal(): string {
    return '';
  }

  /** Image output is chat's (`modalities`); a message carries none. */
  images(): string {
    return '';
  }

  content(piece: string): string {
    const opening = this.#ensure('text', () => ({ type: 'text', text: '' }));
    return opening + this.#delta({ type: 'text_delta', text: piece });
  }

  /** Web search citations are chat's `annotations`; the emulator's messages carry none. */
  annotations(): string {
    return '';
  }

  toolCallStart(index: number, callId: string, name: string): string {
    return this.#ensure('tool_use', () => ({ type: 'tool_use', id: callId, name, input: {} }), index);
  }

  toolCallArguments(_index: number, piece: string): string {
    return this.#delta({ type: 'input_json_delta', partial_json: piece });
  }

  end(usage: Parameters<StreamEvents['end']>[0]): string {
    return this.#close() + this.#event('message_delta', { delta: { stop_reason: stopReasonOf(this.plan), stop_sequence: null }, usage: messageUsage(usage) }) + this.#event('message_stop');
  }

  error(code: number | string, message: string): string {
    return `event: error\ndata: ${JSON.stringify(messageError(code, message))}\n\n`;
  }
}
