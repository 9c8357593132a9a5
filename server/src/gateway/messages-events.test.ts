import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { parseSseBody } from '../../test/sse.js';
import { HELD_DELTA, MESSAGES_STREAM_FORMAT, messageEventsOf, messageOfEvents } from './messages-events.js';

const USAGE = { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 30, cost: 0.0000123, is_byok: false };
const HEAD = { id: 'msg_1', type: 'message', role: 'assistant', model: 'anthropic/claude-sonnet-4', provider: 'Anthropic' };

/** A message with every kind of block an answer streams, each of its own shape. */
const FULL_MESSAGE = {
  ...HEAD,
  content: [
    { type: 'thinking', thinking: 'The user asks about tides.', signature: 'c2lnbmVk' },
    { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
    { type: 'text', text: 'Tides follow the moon [1].', citations: [{ type: 'web_search_result_location', url: 'https://example.org/tides', title: 'Tides', encrypted_index: 'aW5kZXg=', cited_text: 'the moon' }] },
    { type: 'tool_use', id: 'toolu_1', name: 'tide_table', input: { port: 'Brest', days: [1, 2] } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: USAGE,
};

/** The events of a stream as the emulator (and Anthropic) send them: pieces, a ping, the usage split over two events. */
const STREAMED = [
  { type: 'message_start', message: { ...HEAD, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 } } },
  { type: 'ping' },
  { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Short ' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'answer.' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'c2ln' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hello' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: ', world' } },
  { type: 'content_block_stop', index: 1 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { ...USAGE, output_tokens: 7 } },
  { type: 'message_stop' },
];

describe('the message a Messages stream adds up to', () => {
  it('joins each block\'s deltas and takes the stop reason and the usage of message_delta', () => {
    expect(messageOfEvents(STREAMED)).toEqual({
      ...HEAD,
      content: [{ type: 'thinking', thinking: 'Short answer.', signature: 'c2ln' }, { type: 'text', text: 'Hello, world' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { ...USAGE, output_tokens: 7 },
    });
  });

  it('parses a tool call\'s input from its partial JSON', () => {
    const events = [
      STREAMED[0]!,
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"q":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '"tides"}' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: USAGE },
      { type: 'message_stop' },
    ];
    expect(messageOfEvents(events)?.['content']).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'f', input: { q: 'tides' } }]);
  });

  it.each([
    ['a stream that did not reach message_stop', STREAMED.slice(0, -1)],
    ['a stream that ended with an error event', [...STREAMED.slice(0, -2), { type: 'error', error: { type: 'api_error', message: 'Overloaded' } }]],
    ['a delta of a kind it has no rule for', [...STREAMED.slice(0, 8), { type: 'content_block_delta', index: 1, delta: { type: 'audio_delta', data: 'UklGRg==' } }, ...STREAMED.slice(8)]],
    ['a delta of a block that never started', [...STREAMED.slice(0, 2), { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }, ...STREAMED.slice(2)]],
    ['tool input that does not parse', [STREAMED[0]!, { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } }, { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"q":' } }, { type: 'content_block_stop', index: 0 }, ...STREAMED.slice(-2)]],
  ])('is undefined for %s', (_name, events) => {
    expect(messageOfEvents(events)).toBeUndefined();
  });
});

describe('the events of a whole message', () => {
  it('stream each block begun empty, its parts in one delta each, and add up to the same message again', () => {
    const events = messageEventsOf(FULL_MESSAGE)!;
    expect(events.map((event) => [event['type'], (event['delta'] as { type?: string } | undefined)?.type])).toEqual([
      ['message_start', undefined],
      ['content_block_start', undefined],
      ['content_block_delta', 'thinking_delta'],
      ['content_block_delta', 'signature_delta'],
      ['content_block_stop', undefined],
      ['content_block_start', undefined],
      ['content_block_stop', undefined],
      ['content_block_start', undefined],
      ['content_block_delta', 'text_delta'],
      ['content_block_delta', 'citations_delta'],
      ['content_block_stop', undefined],
      ['content_block_start', undefined],
      ['content_block_delta', 'input_json_delta'],
      ['content_block_stop', undefined],
      ['message_delta', undefined],
      ['message_stop', undefined],
    ]);
    expect(events[0]).toMatchObject({ message: { ...HEAD, content: [], stop_reason: null } });
    expect(events.filter((event) => event['type'] === 'content_block_start').map((event) => event['content_block'])).toEqual([
      { type: 'thinking', thinking: '', signature: '' },
      { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
      { type: 'text', text: '' },
      { type: 'tool_use', id: 'toolu_1', name: 'tide_table', input: {} },
    ]);
    expect(events.at(-2)).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: USAGE });
    expect(messageOfEvents(events)).toEqual(FULL_MESSAGE);
  });

  it('are undefined for content that is not a list of blocks', () => {
    expect(messageEventsOf({ ...HEAD, content: ['Hello'], stop_reason: 'end_turn' })).toBeUndefined();
  });
});

describe('the Messages stream format', () => {
  it('forwards an event nobody changed as it came', () => {
    const raw = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}';
    expect(MESSAGES_STREAM_FORMAT.chunk(JSON.parse(raw) as Record<string, unknown>, raw)).toBe(`event: content_block_delta\ndata: ${raw}\n\n`);
  });

  it('leaves out a delta a guardrail held all of, and sends the text it held before the block\'s stop', () => {
    const held = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '' } };
    expect(MESSAGES_STREAM_FORMAT.chunk(held, JSON.stringify(held))).toBeUndefined();
    const stop = { type: 'content_block_stop', index: 0, [HELD_DELTA]: { type: 'text_delta', text: '[REDACTED_EMAIL]' } };
    const { events } = parseSseBody(MESSAGES_STREAM_FORMAT.chunk(stop, JSON.stringify(stop)) ?? '');
    expect(events).toEqual([{ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '[REDACTED_EMAIL]' } }, { type: 'content_block_stop', index: 0 }]);
  });

  it('writes a failure as the Messages API\'s error event', () => {
    const text = MESSAGES_STREAM_FORMAT.error(new GatewayError('content_policy_violation', 'No.'));
    expect(text.startsWith('event: error\n')).toBe(true);
    expect(parseSseBody(text).events[0]).toMatchObject({ type: 'error', error: { message: 'No.' } });
  });
});
