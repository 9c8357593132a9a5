import type { ChatPlan } from '../chat/plan.js';
import type { StreamEvents } from '../chat/stream.js';
import { finalStatusOf, functionCallItem, itemIds, messageItem, outputText, reasoningItem, responseErrorCode, responseObject, responsesUsage } from './response-object.js';

/** The item a stream is writing, closed (its `.done` events) when the next begins or the answer ends. */
type OpenItem =
  | { kind: 'reasoning'; index: number; id: string; text: string }
  | { kind: 'message'; index: number; id: string; text: string }
  | { kind: 'function_call'; index: number; id: string; callId: string; name: string; text: string };

/**
 * The Responses API's stream of a planned answer: `response.created` and `response.in_progress`, then per output item
 * `response.output_item.added`, its deltas (`response.reasoning_text.delta`, `response.output_text.delta`,
 * `response.function_call_arguments.delta`) and its `.done` events, and last `response.completed` (or
 * `response.incomplete`) carrying the whole response with usage; a failure is `response.failed`. Each event is
 * `event: <type>` with its JSON, numbered by `sequence_number`.
 */
export class ResponseEvents implements StreamEvents {
  #sequence = 0;
  #outputs = 0;
  #open: OpenItem | undefined;
  readonly #done: unknown[] = [];
  readonly #ids: ReturnType<typeof itemIds>;
  #citations: ChatPlan['citations'] = [];

  constructor(
    readonly id: string,
    readonly plan: ChatPlan,
    readonly createdAt: number,
    readonly request: Record<string, unknown>,
  ) {
    this.#ids = itemIds(id);
  }

  #event(type: string, payload: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload, sequence_number: this.#sequence++ })}\n\n`;
  }

  #response(state: Parameters<typeof responseObject>[4]) {
    return responseObject(this.id, this.plan, this.request, this.createdAt, state);
  }

  start(): string {
    const response = this.#response({ status: 'in_progress', output: [], usage: null });
    return this.#event('response.created', { response }) + this.#event('response.in_progress', { response });
  }

  /** Closes the open item unless it is of `kind`; then opens one of `kind` when none is open. */
  #ensure(kind: OpenItem['kind'], open: () => { item: OpenItem; text: string }): string {
    if (this.#open?.kind === kind) return '';
    const closed = this.#close();
    const opened = open();
    this.#open = opened.item;
    return closed + opened.text;
  }

  #close(): string {
    const open = this.#open;
    if (!open) return '';
    this.#open = undefined;
    const at = { output_index: open.index, item_id: open.id };
    let text = '';
    let item: unknown;
    if (open.kind === 'reasoning') {
      text += this.#event('response.reasoning_text.done', { ...at, content_index: 0, text: open.text });
      item = reasoningItem(open.id, open.text, 'completed');
    } else if (open.kind === 'message') {
      const part = outputText(open.text, this.#citations);
      text += this.#event('response.output_text.done', { ...at, content_index: 0, text: open.text, logprobs: [] });
      text += this.#event('response.content_part.done', { ...at, content_index: 0, part });
      item = messageItem(open.id, [part], 'completed');
    } else {
      text += this.#event('response.function_call_arguments.done', { ...at, name: open.name, arguments: open.text });
      item = functionCallItem(open.id, open.callId, open.name, open.text, 'completed');
    }
    this.#done.push(item);
    return text + this.#event('response.output_item.done', { output_index: open.index, item });
  }

  reasoning(piece: string): string {
    const opening = this.#ensure('reasoning', () => {
      const item: OpenItem = { kind: 'reasoning', index: this.#outputs++, id: this.#ids.reasoning, text: '' };
      return { item, text: this.#event('response.output_item.added', { output_index: item.index, item: reasoningItem(item.id, '', 'in_progress') }) };
    });
    const open = this.#open as OpenItem;
    open.text += piece;
    return opening + this.#event('response.reasoning_text.delta', { item_id: open.id, output_index: open.index, content_index: 0, delta: piece });
  }

  /** Signatures stay with the provider: the Responses stream carries the reasoning text alone. */
  reasoningSeal(): string {
    return '';
  }

  /** Image output is chat's (`modalities`); a response carries none. */
  images(): string {
    return '';
  }

  content(piece: string): string {
    const opening = this.#ensure('message', () => {
      const item: OpenItem = { kind: 'message', index: this.#outputs++, id: this.#ids.message, text: '' };
      const at = { output_index: item.index, item_id: item.id };
      return {
        item,
        text: this.#event('response.output_item.added', { output_index: item.index, item: messageItem(item.id, [], 'in_progress') }) + this.#event('response.content_part.added', { ...at, content_index: 0, part: outputText('', []) }),
      };
    });
    const open = this.#open as OpenItem;
    open.text += piece;
    return opening + this.#event('response.output_text.delta', { item_id: open.id, output_index: open.index, content_index: 0, delta: piece, logprobs: [] });
  }

  /** The citations go on the message's text part when it is done. */
  annotations(citations: ChatPlan['citations']): string {
    this.#citations = citations;
    return '';
  }

  toolCallStart(index: number, callId: string, name: string): string {
    const closed = this.#close();
    const item: OpenItem = { kind: 'function_call', index: this.#outputs++, id: this.#ids.call(index), callId, name, text: '' };
    this.#open = item;
    return closed + this.#event('response.output_item.added', { output_index: item.index, item: functionCallItem(item.id, callId, name, '', 'in_progress') });
  }

  toolCallArguments(_index: number, piece: string): string {
    const open = this.#open;
    if (open?.kind !== 'function_call') return '';
    open.text += piece;
    return this.#event('response.function_call_arguments.delta', { item_id: open.id, output_index: open.index, delta: piece });
  }

  end(usage: Parameters<StreamEvents['end']>[0]): string {
    const closed = this.#close();
    const final = finalStatusOf(this.plan);
    const response = this.#response({ ...final, output: [...this.#done], usage: responsesUsage(usage) });
    return closed + this.#event(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  }

  error(code: number | string, message: string): string {
    const response = this.#response({ status: 'failed', output: [...this.#done], usage: null, error: { code: responseErrorCode(code), message } });
    return this.#event('response.failed', { response });
  }
}
