import type { GatewayError } from '../errors.js';
import { isRecord } from '../records.js';
import type { StreamFormat, UpstreamChunk } from './stream-proxy.js';

type Json = Record<string, unknown>;

/**
 * The field an answer tap (an output guardrail) sets on a `content_block_stop` to send the block's text it held back,
 * now decided: the delta written before the stop. The client never reads the field itself.
 */
export const HELD_DELTA = 'gateway_held_delta';

/** The answer text a `content_block_delta`'s delta carries. */
export function deltaTextOf(delta: unknown): string | undefined {
  if (!isRecord(delta)) return undefined;
  const text = delta['text'] ?? delta['thinking'] ?? delta['partial_json'];
  return typeof text === 'string' ? text : undefined;
}

/**
 * The events a client reads for one event an answer tap may have changed: a delta whose text it held all of is none,
 * and a `content_block_stop` carrying the text it held and then let through (`HELD_DELTA`) is that delta and the stop.
 * @example
 * eventsAsSent({ type: 'content_block_stop', index: 0, gateway_held_delta: { type: 'text_delta', text: 'lo' } }); // [the delta, the stop]
 */
export function eventsAsSent(event: UpstreamChunk): UpstreamChunk[] {
  if (event['type'] === 'content_block_delta' && deltaTextOf(event['delta']) === '') return [];
  if (event['type'] !== 'content_block_stop' || event[HELD_DELTA] === undefined) return [event];
  const { [HELD_DELTA]: delta, ...stop } = event;
  return [{ type: 'content_block_delta', index: event['index'], delta }, stop];
}

/**
 * How a Messages stream is written: each event as `event: <type>` and its data, forwarded as it came unless a tap
 * changed it (`eventsAsSent`). A failure is the Messages API's `error` event (`{type:"error", error:{type, message}}`),
 * which Anthropic's SDKs throw. Stateless: one serves every stream (`MESSAGES_STREAM_FORMAT`).
 */
export class MessagesStreamFormat implements StreamFormat {
  chunk(chunk: UpstreamChunk, raw: string): string | undefined {
    const events = eventsAsSent(chunk);
    if (events.length === 1 && events[0] === chunk) return `${typeof chunk['type'] === 'string' ? `event: ${chunk['type']}\n` : ''}data: ${raw}\n\n`;
    return events.length === 0 ? undefined : events.map((event) => `event: ${String(event['type'])}\ndata: ${JSON.stringify(event)}\n\n`).join('');
  }

  error(error: GatewayError): string {
    return `event: error\ndata: ${JSON.stringify(error.toAnthropicBody())}\n\n`;
  }

  /** The stream's last event (`message_stop`) closes it: nothing follows. */
  end(): string {
    return '';
  }
}

export const MESSAGES_STREAM_FORMAT = new MessagesStreamFormat();

/**
 * The field each kind of delta carries a piece of, joined onto the block's field of the same name (`partial_json` is
 * gathered apart and parsed at the block's stop).
 */
const JOINED_DELTAS: Readonly<Record<string, string>> = { text_delta: 'text', thinking_delta: 'thinking', signature_delta: 'signature' };

/**
 * Adds one delta to its block; false when it cannot be added up (a delta of a kind with no rule here, a piece that is
 * not a string, a block that never started).
 */
function addDelta(block: Json | undefined, delta: unknown, json: Map<Json, string>): boolean {
  if (!block || !isRecord(delta)) return false;
  const type = typeof delta['type'] === 'string' ? delta['type'] : '';
  if (type === 'input_json_delta') {
    if (typeof delta['partial_json'] !== 'string') return false;
    json.set(block, (json.get(block) ?? '') + delta['partial_json']);
    return true;
  }
  if (type === 'citations_delta') {
    if (!isRecord(delta['citation'])) return false;
    block['citations'] = [...(Array.isArray(block['citations']) ? (block['citations'] as unknown[]) : []), delta['citation']];
    return true;
  }
  const field = JOINED_DELTAS[type];
  const piece = field ? delta[field] : undefined;
  const held = field ? block[field] : undefined;
  if (!field || typeof piece !== 'string' || (held !== undefined && typeof held !== 'string')) return false;
  block[field] = (held ?? '') + piece;
  return true;
}

/**
 * The message a Messages stream adds up to, as a client's SDK adds it up: `message_start`'s message, each block as its
 * `content_block_start` began it with its deltas joined (text, thinking and its signature, citations appended, a tool
 * call's `partial_json` parsed as its `input`), `message_delta`'s stop reason and usage (its counts replacing the
 * start's). Undefined unless the stream reached `message_stop`, or when an event or a delta has no rule here: then the
 * answer serves only its own protocol, so nothing is dropped silently.
 * @example
 * messageOfEvents(events)?.content; // [{ type: 'text', text: 'Hello' }]
 */
export function messageOfEvents(events: readonly Json[]): Json | undefined {
  let message: Json | undefined;
  let content: Json[] = [];
  const json = new Map<Json, string>();
  for (const event of events) {
    switch (event['type']) {
      case 'message_start':
        if (message || !isRecord(event['message'])) return undefined;
        message = structuredClone(event['message']);
        content = Array.isArray(message['content']) ? (message['content'] as Json[]) : [];
        message['content'] = content;
        break;
      case 'content_block_start':
        // Blocks begin in order, each at the next index.
        if (!message || event['index'] !== content.length || !isRecord(event['content_block'])) return undefined;
        content.push(structuredClone(event['content_block']));
        break;
      case 'content_block_delta':
        if (typeof event['index'] !== 'number' || !addDelta(content[event['index']], event['delta'], json)) return undefined;
        break;
      case 'content_block_stop': {
        const block = typeof event['index'] === 'number' ? content[event['index']] : undefined;
        if (!block) return undefined;
        const gathered = json.get(block);
        if (gathered !== undefined && gathered !== '') {
          try {
            block['input'] = JSON.parse(gathered) as unknown;
          } catch {
            return undefined;
          }
        }
        break;
      }
      case 'message_delta': {
        if (!message) return undefined;
        const { usage } = event;
        if (isRecord(event['delta'])) for (const [key, value] of Object.entries(event['delta'])) if (key !== 'content') message[key] = value;
        // Anthropic's counts here are cumulative: each replaces the one before.
        if (isRecord(usage)) message['usage'] = { ...(isRecord(message['usage']) ? message['usage'] : {}), ...usage };
        break;
      }
      case 'message_stop':
        return message;
      case 'ping':
        break;
      default:
        // An error event, or one this has no rule for.
        return undefined;
    }
  }
  return undefined;
}

/** The fields of a message that `message_delta` says at the end (`message_start` has them null). */
const ENDING_FIELDS = ['stop_reason', 'stop_sequence', 'stop_details', 'container'];

/** The fields of each kind of block that stream in deltas, and the delta each streams in. */
const STREAMED_FIELDS: Readonly<Record<string, ReadonlyArray<[field: string, delta: string]>>> = {
  text: [['text', 'text_delta']],
  thinking: [['thinking', 'thinking_delta'], ['signature', 'signature_delta']],
};

/**
 * The stream of events a client reads for a whole message (a cached JSON answer served to a streamed request), as
 * Anthropic streams one: `message_start` with the message empty, each block begun empty by `content_block_start`
 * (everything but what streams), its text, thinking, signature, citations or tool input in one delta each, and
 * `content_block_stop`, then `message_delta` with the stop reason and the usage, and `message_stop`. A block of a kind
 * that streams nothing (redacted thinking, a server tool's result) begins whole. `messageOfEvents` adds the events up
 * to the same message again. Undefined when the content holds something that is not a block.
 * @example
 * messageEventsOf(message).map((event) => event.type); // ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']
 */
export function messageEventsOf(message: Json): UpstreamChunk[] | undefined {
  const { content, usage } = message;
  const blocks = Array.isArray(content) ? (content as unknown[]) : [];
  if (!blocks.every(isRecord)) return undefined;
  const ending: Json = {};
  const started: Json = { ...message, content: [] };
  for (const field of ENDING_FIELDS) {
    if (message[field] === undefined && field !== 'stop_reason' && field !== 'stop_sequence') continue;
    ending[field] = message[field] ?? null;
    started[field] = null;
  }
  const events: UpstreamChunk[] = [{ type: 'message_start', message: started }];
  blocks.forEach((block, index) => {
    const begun: Json = { ...block };
    const deltas: Json[] = [];
    for (const [field, type] of STREAMED_FIELDS[String(block['type'])] ?? []) {
      const whole = block[field];
      if (typeof whole !== 'string') continue;
      begun[field] = '';
      if (whole !== '') deltas.push({ type, [field]: whole });
    }
    if (block['type'] === 'text' && Array.isArray(block['citations'])) {
      delete begun['citations'];
      for (const citation of block['citations'] as unknown[]) deltas.push({ type: 'citations_delta', citation });
    }
    if ((block['type'] === 'tool_use' || block['type'] === 'server_tool_use') && isRecord(block['input'])) {
      begun['input'] = {};
      const input = JSON.stringify(block['input']);
      if (input !== '{}') deltas.push({ type: 'input_json_delta', partial_json: input });
    }
    events.push({ type: 'content_block_start', index, content_block: begun });
    for (const delta of deltas) events.push({ type: 'content_block_delta', index, delta });
    events.push({ type: 'content_block_stop', index });
  });
  // Anthropic's SDK reads the output count of every `message_delta`.
  events.push({ type: 'message_delta', delta: ending, usage: usage ?? { output_tokens: 0 } });
  events.push({ type: 'message_stop' });
  return events;
}
