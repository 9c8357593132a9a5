import type { AnswerTap } from '../gateway/metered-request.js';
import { HELD_DELTA } from '../gateway/messages-events.js';
import { isRecord } from '../records.js';
import { TextChoices, typedEventTap, type AnswerTextKind } from './text-choices.js';
import { messagesBlockSlots } from './text-slots.js';

/** The kind of text each delta of a content block carries, and the field that carries it. */
const DELTA_TEXTS: Readonly<Record<string, { kind: AnswerTextKind; field: string }>> = {
  text_delta: { kind: 'output_text', field: 'text' },
  thinking_delta: { kind: 'reasoning_text', field: 'thinking' },
  input_json_delta: { kind: 'function_call_arguments', field: 'partial_json' },
};

/**
 * The output guardrails' tap (`chat`, which reads chat chunks) on a Messages API stream's events, so an Anthropic
 * answer is judged by the same code, on the same windows and holds, as a chat's (`TextChoices`). Each content block's
 * text (its `text_delta`s, `thinking_delta`s or a tool call's `input_json_delta`s) is a choice of its own to the chat
 * tap: a delta is rewritten as the tap lets it through (held back, redacted), and the block's `content_block_stop`
 * decides what was held, which the stream sends as one more delta before the stop (`HELD_DELTA`). A tool call's name
 * comes whole in its `content_block_start`: it is screened there, never rewritten. `message_stop` ends the stream for
 * the tap: its last checks run before it is written.
 * @example
 * meter.answerTaps.push(messagesEventTap(outputTap(checks, request, meter)));
 */
export function messagesEventTap(chat: AnswerTap): AnswerTap {
  const texts = new TextChoices(chat);
  /** The kind of each block's text, by the block's index, once a delta carried some. */
  const kinds = new Map<number, { kind: AnswerTextKind; field: string; type: string }>();
  const keyOf = (index: unknown) => `block:${String(index)}`;

  return typedEventTap(chat, texts, async (event) => {
      const type = event['type'];
      if (type === 'content_block_start' && isRecord(event['content_block'])) {
        for (const slot of messagesBlockSlots(event['content_block'], [], keyOf(event['index']))) if (slot.rewrite === 'none') await texts.screenWhole(slot.text);
        return undefined;
      }
      if (type === 'content_block_delta' && isRecord(event['delta'])) {
        const delta = event['delta'];
        const deltaType = typeof delta['type'] === 'string' ? delta['type'] : '';
        const text = DELTA_TEXTS[deltaType];
        const piece = text ? delta[text.field] : undefined;
        if (!text || typeof piece !== 'string' || texts.decided(keyOf(event['index']))) return undefined;
        if (typeof event['index'] === 'number') kinds.set(event['index'], { ...text, type: deltaType });
        const sendable = await texts.screen(keyOf(event['index']), text.kind, piece);
        return sendable === piece ? undefined : { ...event, delta: { ...delta, [text.field]: sendable } };
      }
      if (type === 'content_block_stop' && typeof event['index'] === 'number') {
        const text = kinds.get(event['index']);
        if (!text) return undefined;
        const held = await texts.finish(keyOf(event['index']), text.kind);
        return held === '' ? undefined : { ...event, [HELD_DELTA]: { type: text.type, [text.field]: held } };
      }
      if (type === 'message_stop') {
        // Every block is decided: the checks that read the answer as a whole run their last time before it is written.
        await texts.end();
      }
      return undefined;
  });
}
