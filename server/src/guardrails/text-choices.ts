import type { AnswerTap } from '../gateway/metered-request.js';
import type { ResponsesTextKind } from '../gateway/responses-events.js';
import type { UpstreamChunk } from '../gateway/stream-proxy.js';
import { isRecord } from '../records.js';

type Json = Record<string, unknown>;

/** The kinds of text an answer of an API with typed events streams in pieces (the Responses API's names). */
export type AnswerTextKind = ResponsesTextKind;

/** Where the chat tap reads each kind of text: the field of a chat delta that carries it. */
const CHAT_FIELD: Record<Exclude<AnswerTextKind, 'function_call_arguments'>, string> = { output_text: 'content', refusal: 'refusal', reasoning_text: 'reasoning', reasoning_summary_text: 'reasoning' };

/** A piece of a text as the chat delta that carries it. */
function chatDeltaOf(kind: AnswerTextKind, piece: string): Json {
  return kind === 'function_call_arguments' ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { [CHAT_FIELD[kind]]: piece };
}

/** The piece of a text a chat delta carries (as the chat tap rewrote it). */
function pieceOf(kind: AnswerTextKind, delta: unknown): string {
  if (!isRecord(delta)) return '';
  if (kind !== 'function_call_arguments') return typeof delta[CHAT_FIELD[kind]] === 'string' ? (delta[CHAT_FIELD[kind]] as string) : '';
  const call: unknown = Array.isArray(delta['tool_calls']) ? delta['tool_calls'][0] : undefined;
  const fn = isRecord(call) ? call['function'] : undefined;
  return isRecord(fn) && typeof fn['arguments'] === 'string' ? fn['arguments'] : '';
}

/**
 * The texts of a streamed answer of an API with typed events (the Responses API's, the Messages API's), each a choice
 * of its own to the output guardrails' chat tap, so they are judged by the same code, on the same windows and holds,
 * as a chat's. A text is named by a key of the caller's (its kind and where it stands); its pieces are shown as
 * deltas, and its finish decides what was held back. Texts that come whole (a tool's name, a citation) are screened
 * on their own, once, never rewritten: a match stops the stream.
 * @example
 * const texts = new TextChoices(chat);
 * const sendable = await texts.screen('output_text:0', 'output_text', 'Hi'); // what of 'Hi' may be sent now
 * const rest = await texts.finish('output_text:0', 'output_text'); // the text held back, now decided
 */
export class TextChoices {
  /** The choice each text is to the chat tap, by its key. */
  readonly #choices = new Map<string, number>();
  /** The text sent so far of each text. */
  readonly #sent = new Map<string, string>();
  readonly #decided = new Set<string>();
  readonly #wholes = new Set<string>();
  #ended = false;

  constructor(private readonly chat: AnswerTap) {}

  /** Whether the text's finish was shown: nothing more of it is screened. */
  decided(key: string): boolean {
    return this.#decided.has(key);
  }

  /** Shows a piece of a text to the chat tap (with its finish when `final`): what of it may be sent. */
  async screen(key: string, kind: AnswerTextKind, piece: string, final = false): Promise<string> {
    let choice = this.#choices.get(key);
    if (choice === undefined) this.#choices.set(key, (choice = this.#choices.size));
    const chunk: UpstreamChunk = { choices: [{ index: choice, delta: chatDeltaOf(kind, piece), finish_reason: final ? 'stop' : null }] };
    const rewritten = await this.chat.chunk?.(chunk);
    const sendable = rewritten ? pieceOf(kind, rewritten.choices?.[0]?.delta) : piece;
    this.#sent.set(key, (this.#sent.get(key) ?? '') + sendable);
    return sendable;
  }

  /** Finishes a text that came in pieces: what was held of it, now decided ('' when nothing was, or it was decided). */
  async finish(key: string, kind: AnswerTextKind): Promise<string> {
    if (this.#decided.has(key) || !this.#sent.has(key)) return '';
    this.#decided.add(key);
    return this.screen(key, kind, '', true);
  }

  /**
   * Decides a text whole: what was held of it, or all of it when no piece carried any; the whole text as the client
   * reads it.
   */
  async decide(key: string, kind: AnswerTextKind, whole: string): Promise<string> {
    if (!this.#decided.has(key)) {
      this.#decided.add(key);
      await this.screen(key, kind, this.#sent.has(key) ? '' : whole, true);
    }
    return this.#sent.get(key) ?? '';
  }

  /** Screens a text that comes whole (a tool's name, a citation), once, as the chat tap screens a delta's name. */
  async screenWhole(text: string): Promise<void> {
    if (this.#wholes.has(text)) return;
    this.#wholes.add(text);
    await this.chat.chunk?.({ choices: [{ index: -1, delta: { name: text }, finish_reason: null }] });
  }

  /** Ends the stream for the chat tap, once: the checks that read the answer as a whole run their last time. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.chat.streamEnd?.();
  }
}

/**
 * The tap on a stream of typed events that reads them with `chunk` (showing their texts to `texts`): a stream that
 * ends without its last event ends for the chat tap too, and a JSON answer is judged whole by the chat tap itself,
 * which reads the API's body.
 * @example
 * const texts = new TextChoices(chat);
 * meter.answerTaps.push(typedEventTap(chat, texts, async (event) => undefined));
 */
export function typedEventTap(chat: AnswerTap, texts: TextChoices, chunk: NonNullable<AnswerTap['chunk']>): AnswerTap {
  const tap: AnswerTap = {
    chunk,
    async streamEnd() {
      await texts.end();
      return undefined;
    },
  };
  if (chat.body) tap.body = (body) => chat.body?.(body);
  if (chat.finished) tap.finished = (result) => chat.finished?.(result);
  return tap;
}
