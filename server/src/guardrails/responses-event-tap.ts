import type { AnswerTap } from '../gateway/metered-request.js';
import { responsesTextKey, responsesTextOf, TERMINAL_RESPONSE_EVENTS, type ResponsesTextKind } from '../gateway/responses-events.js';
import type { UpstreamChunk } from '../gateway/stream-proxy.js';
import { isRecord } from '../records.js';
import { responsesItemSlots } from './text-slots.js';

type Json = Record<string, unknown>;

/** Where the chat tap reads each kind of text of a Responses answer: the field of a chat delta that carries it. */
const CHAT_FIELD: Record<Exclude<ResponsesTextKind, 'function_call_arguments'>, string> = { output_text: 'content', refusal: 'refusal', reasoning_text: 'reasoning', reasoning_summary_text: 'reasoning' };

/** A piece of a text as the chat delta that carries it. */
function chatDeltaOf(kind: ResponsesTextKind, piece: string): Json {
  return kind === 'function_call_arguments' ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { [CHAT_FIELD[kind]]: piece };
}

/** The piece of a text a chat delta carries (as the chat tap rewrote it). */
function pieceOf(kind: ResponsesTextKind, delta: unknown): string {
  if (!isRecord(delta)) return '';
  if (kind !== 'function_call_arguments') return typeof delta[CHAT_FIELD[kind]] === 'string' ? (delta[CHAT_FIELD[kind]] as string) : '';
  const call: unknown = Array.isArray(delta['tool_calls']) ? delta['tool_calls'][0] : undefined;
  const fn = isRecord(call) ? call['function'] : undefined;
  return isRecord(fn) && typeof fn['arguments'] === 'string' ? fn['arguments'] : '';
}

/** Where a whole text sits in an output item: its kind, the part's index, and the part holding it under `field`. */
type TextAt = { kind: ResponsesTextKind; partIndex: number; holder: Json; field: string };

/** The texts an output item holds, where a stream sends them in pieces. */
function textsOf(item: Json): TextAt[] {
  const texts: TextAt[] = [];
  const parts = (key: string) => (Array.isArray(item[key]) ? (item[key] as unknown[]) : []);
  if (item['type'] === 'message') {
    parts('content').forEach((part, partIndex) => {
      if (!isRecord(part)) return;
      if (part['type'] === 'output_text') texts.push({ kind: 'output_text', partIndex, holder: part, field: 'text' });
      if (part['type'] === 'refusal') texts.push({ kind: 'refusal', partIndex, holder: part, field: 'refusal' });
    });
  } else if (item['type'] === 'reasoning') {
    parts('summary').forEach((part, partIndex) => isRecord(part) && texts.push({ kind: 'reasoning_summary_text', partIndex, holder: part, field: 'text' }));
    parts('content').forEach((part, partIndex) => isRecord(part) && texts.push({ kind: 'reasoning_text', partIndex, holder: part, field: 'text' }));
  } else if (item['type'] === 'function_call') texts.push({ kind: 'function_call_arguments', partIndex: 0, holder: item, field: 'arguments' });
  return texts;
}

/**
 * The output guardrails' tap (`chat`, which reads chat chunks) on a Responses stream's events, so a Responses answer is
 * judged by the same code, on the same windows and holds, as a chat's. Each text of the answer (an output item's
 * `output_text`, `refusal`, reasoning text or summary, or function call's arguments) is a choice of its own to the
 * chat tap: its deltas are its pieces, and its `.done` event its finish, which decides what was held back. What the
 * client reads is the text as the tap let it through: a delta rewritten (held back, redacted), and the `.done` event,
 * its part, its item and the final response with the text as sent; the format (`ResponsesStreamFormat`) sends what a
 * `.done` adds to the deltas as one more delta. A text the final events carry that no delta did is judged whole there.
 * Texts that come whole (a function's name, a citation) are screened on their own as the item or citation is
 * announced, and again in the final events if they were not. `response.completed` (or `incomplete`) ends the stream
 * for the tap: its last checks run before it is written.
 * @example
 * meter.answerTaps.push(responsesEventTap(outputTap(checks, request, meter)));
 */
export function responsesEventTap(chat: AnswerTap): AnswerTap {
  /** The choice each text is to the chat tap, by its key (`responsesTextKey`). */
  const choices = new Map<string, number>();
  /** The text sent so far of each text, and which texts are decided whole. */
  const sent = new Map<string, string>();
  const decided = new Set<string>();
  let ended = false;

  /** Shows a piece of a text to the chat tap (with its finish when `final`): what of it may be sent. */
  const screen = async (key: string, kind: ResponsesTextKind, piece: string, final: boolean): Promise<string> => {
    let choice = choices.get(key);
    if (choice === undefined) choices.set(key, (choice = choices.size));
    const chunk: UpstreamChunk = { choices: [{ index: choice, delta: chatDeltaOf(kind, piece), finish_reason: final ? 'stop' : null }] };
    const rewritten = await chat.chunk?.(chunk);
    const sendable = rewritten ? pieceOf(kind, rewritten.choices?.[0]?.delta) : piece;
    sent.set(key, (sent.get(key) ?? '') + sendable);
    return sendable;
  };
  /** Decides a text whole: what was held of it, or all of it when no delta carried any; the text as the client reads it. */
  const decide = async (key: string, kind: ResponsesTextKind, whole: string): Promise<string> => {
    if (!decided.has(key)) {
      decided.add(key);
      await screen(key, kind, sent.has(key) ? '' : whole, true);
    }
    return sent.get(key) ?? '';
  };
  /** The texts of the answer that come whole (a function's name, a citation), each screened once. */
  const wholes = new Set<string>();
  /**
   * Screens the texts of an output item that come whole, as the chat tap screens a chat delta's name or citations: on
   * their own, and never rewritten (a stream cannot take back the item it announced), so a match stops the stream.
   */
  const screenWholes = async (item: Json) => {
    for (const slot of responsesItemSlots(item)) {
      if (slot.place !== undefined || wholes.has(slot.text)) continue;
      wholes.add(slot.text);
      await chat.chunk?.({ choices: [{ index: -1, delta: { name: slot.text }, finish_reason: null }] });
    }
  };
  /** An output item with each of its texts as sent, or undefined when none changed. */
  const itemAsSent = async (item: Json, outputIndex: unknown): Promise<Json | undefined> => {
    await screenWholes(item);
    const copy = structuredClone(item);
    let changed = false;
    for (const { kind, partIndex, holder, field } of textsOf(copy)) {
      const whole = typeof holder[field] === 'string' ? holder[field] : '';
      const asSent = await decide(responsesTextKey(kind, outputIndex, partIndex), kind, whole);
      if (asSent !== whole) {
        holder[field] = asSent;
        changed = true;
      }
    }
    return changed ? copy : undefined;
  };

  const tap: AnswerTap = {
    async chunk(event) {
      const type = event['type'];
      const text = responsesTextOf(event);
      if (text?.step === 'delta') {
        if (decided.has(text.key)) return undefined;
        const sendable = await screen(text.key, text.kind, text.text, false);
        return sendable === text.text ? undefined : { ...event, delta: sendable };
      }
      if (text?.step === 'done') {
        const whole = await decide(text.key, text.kind, text.text);
        return whole === text.text ? undefined : { ...event, [text.kind === 'function_call_arguments' ? 'arguments' : text.kind === 'refusal' ? 'refusal' : 'text']: whole };
      }
      if ((type === 'response.content_part.done' || type === 'response.reasoning_summary_part.done') && isRecord(event['part'])) {
        const index = type === 'response.content_part.done' ? event['content_index'] : event['summary_index'];
        const part = event['part'];
        const kind: ResponsesTextKind = type === 'response.reasoning_summary_part.done' ? 'reasoning_summary_text' : part['type'] === 'refusal' ? 'refusal' : part['type'] === 'reasoning_text' ? 'reasoning_text' : 'output_text';
        const field = kind === 'refusal' ? 'refusal' : 'text';
        if (typeof part[field] !== 'string') return undefined;
        const whole = await decide(responsesTextKey(kind, event['output_index'], index), kind, part[field]);
        return whole === part[field] ? undefined : { ...event, part: { ...part, [field]: whole } };
      }
      if (type === 'response.output_item.added' && isRecord(event['item'])) {
        await screenWholes(event['item']);
        return undefined;
      }
      if (type === 'response.content_part.added' && isRecord(event['part'])) {
        await screenWholes({ type: 'message', content: [{ ...event['part'], text: '' }] });
        return undefined;
      }
      if (type === 'response.output_text.annotation.added' && isRecord(event['annotation'])) {
        await screenWholes({ type: 'message', content: [{ type: 'output_text', text: '', annotations: [event['annotation']] }] });
        return undefined;
      }
      if (type === 'response.output_item.done' && isRecord(event['item'])) {
        const item = await itemAsSent(event['item'], event['output_index']);
        return item && { ...event, item };
      }
      if (typeof type === 'string' && TERMINAL_RESPONSE_EVENTS.has(type) && isRecord(event['response'])) {
        const response = event['response'];
        const output = Array.isArray(response['output']) ? (response['output'] as unknown[]) : [];
        let changed = false;
        const items: unknown[] = [];
        for (const [index, item] of output.entries()) {
          const asSent = isRecord(item) ? await itemAsSent(item, index) : undefined;
          changed ||= asSent !== undefined;
          items.push(asSent ?? item);
        }
        // Every text is decided: the checks that read the answer as a whole run their last time before it is written.
        ended = true;
        await chat.streamEnd?.();
        return changed ? { ...event, response: { ...response, output: items } } : undefined;
      }
      return undefined;
    },
    async streamEnd() {
      if (!ended) {
        ended = true;
        await chat.streamEnd?.();
      }
      return undefined;
    },
  };
  // A JSON answer is judged whole by the chat tap itself, which reads a Responses body's output.
  if (chat.body) tap.body = (body) => chat.body?.(body);
  if (chat.finished) tap.finished = (result) => chat.finished?.(result);
  return tap;
}
