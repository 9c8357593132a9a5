import type { AnswerTap } from '../gateway/metered-request.js';
import { responsesTextKey, responsesTextOf, TERMINAL_RESPONSE_EVENTS, type ResponsesTextKind } from '../gateway/responses-events.js';
import { isRecord } from '../records.js';
import { TextChoices, typedEventTap } from './text-choices.js';
import { responsesItemSlots } from './text-slots.js';

type Json = Record<string, unknown>;

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
  /** Each text of the answer, by its key (`responsesTextKey`). */
  const texts = new TextChoices(chat);
  /**
   * Screens the texts of an output item that come whole, as the chat tap screens a chat delta's name or citations: on
   * their own, and never rewritten (a stream cannot take back the item it announced), so a match stops the stream.
   */
  const screenWholes = async (item: Json) => {
    for (const slot of responsesItemSlots(item)) if (slot.place === undefined) await texts.screenWhole(slot.text);
  };
  /** An output item with each of its texts as sent, or undefined when none changed. */
  const itemAsSent = async (item: Json, outputIndex: unknown): Promise<Json | undefined> => {
    await screenWholes(item);
    const copy = structuredClone(item);
    let changed = false;
    for (const { kind, partIndex, holder, field } of textsOf(copy)) {
      const whole = typeof holder[field] === 'string' ? holder[field] : '';
      const asSent = await texts.decide(responsesTextKey(kind, outputIndex, partIndex), kind, whole);
      if (asSent !== whole) {
        holder[field] = asSent;
        changed = true;
      }
    }
    return changed ? copy : undefined;
  };

  return typedEventTap(chat, texts, async (event) => {
      const type = event['type'];
      const text = responsesTextOf(event);
      if (text?.step === 'delta') {
        if (texts.decided(text.key)) return undefined;
        const sendable = await texts.screen(text.key, text.kind, text.text);
        return sendable === text.text ? undefined : { ...event, delta: sendable };
      }
      if (text?.step === 'done') {
        const whole = await texts.decide(text.key, text.kind, text.text);
        return whole === text.text ? undefined : { ...event, [text.kind === 'function_call_arguments' ? 'arguments' : text.kind === 'refusal' ? 'refusal' : 'text']: whole };
      }
      if ((type === 'response.content_part.done' || type === 'response.reasoning_summary_part.done') && isRecord(event['part'])) {
        const index = type === 'response.content_part.done' ? event['content_index'] : event['summary_index'];
        const part = event['part'];
        const kind: ResponsesTextKind = type === 'response.reasoning_summary_part.done' ? 'reasoning_summary_text' : part['type'] === 'refusal' ? 'refusal' : part['type'] === 'reasoning_text' ? 'reasoning_text' : 'output_text';
        const field = kind === 'refusal' ? 'refusal' : 'text';
        if (typeof part[field] !== 'string') return undefined;
        const whole = await texts.decide(responsesTextKey(kind, event['output_index'], index), kind, part[field]);
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
        await texts.end();
        return changed ? { ...event, response: { ...response, output: items } } : undefined;
      }
      return undefined;
  });
}
