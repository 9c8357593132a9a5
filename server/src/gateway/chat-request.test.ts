import { describe, expect, it } from 'vitest';
import { chatRequestSchema, parseChatRequest, parseRequest } from './chat-request.js';

/** What reading `body` gives: the request as JSON text (field order included), or the error's code, param and message. */
function outcome(read: () => unknown): string {
  try {
    return JSON.stringify(read());
  } catch (error) {
    const { code, param, message } = error as { code: string; param?: string; message: string };
    return `error ${code} ${param ?? ''} ${message}`;
  }
}

// Values each field may be sent with, the first of each taken by the schema: ones it takes and ones it refuses, ones the
// quick check knows and ones it leaves to zod.
const SAMPLES: Record<string, unknown[]> = {
  model: ['chat', '', 7, null, 'openai/gpt-4o-mini'],
  messages: [
    [{ role: 'user', content: 'hi' }],
    [],
    'hi',
    [{ content: 'no role' }],
    [{ role: 'robot', content: 'hi' }],
    [{ role: 'assistant', content: null }, { role: 'tool', content: 'done', tool_call_id: 'call_1' }],
    [{ role: 'user', content: 'hi', name: 'Ada' }],
    [{ role: 'user', content: 'hi', name: 7 }],
    [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    [{ role: 'user', content: 'hi', extra: true }],
    [{ role: 'user' }],
    [null],
    [{ role: 'user', content: 'hi', tool_call_id: undefined }],
  ],
  stream: [true, false, 'yes', null],
  stream_options: [{ include_usage: true }, {}, null, { include_usage: 'yes' }, { include_usage: true, other: 1 }, []],
  temperature: [0.2, null, '0.2', 2],
  top_k: [40, 40.5, null, 2 ** 60],
  max_tokens: [256, 0, -1, 1.5, null],
  max_completion_tokens: [1, 0],
  stop: ['\n', ['a', 'b'], ['a', 'b', 'c', 'd', 'e'], [1], null],
  seed: [1, 1.2],
  logprobs: [true, 1],
  reasoning_effort: ['low', 'extreme', null],
  user: ['ada', 'x'.repeat(256), 'x'.repeat(257), 5],
  tools: [[{ type: 'function', function: { name: 'f' } }]],
  response_format: [{ type: 'json_object' }],
  provider: [{ sort: 'price' }],
  // An own field named so (JSON.parse makes one), not the object's prototype.
  ['__proto__']: [{ polluted: true }],
};

/** A small deterministic generator, so a failure names a body that can be run again. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('parseChatRequest', () => {
  it('reads every body as zod does: the same copy, fields in the same order, or the same error', () => {
    const next = random(21);
    const bodies: unknown[] = [undefined, null, 'text', [], {}, { model: 'chat' }];
    for (const [field, values] of Object.entries(SAMPLES)) {
      for (const value of values) bodies.push(JSON.parse(`{"messages":[{"role":"user","content":"hi"}],"model":"chat",${JSON.stringify(field)}:${JSON.stringify(value) ?? 'null'}}`));
    }
    for (let index = 0; index < 2_000; index++) {
      const body: Record<string, unknown> = {};
      for (const [field, values] of Object.entries(SAMPLES)) {
        if (next() < 0.35) Object.defineProperty(body, field, { value: next() < 0.6 ? values[0] : values[Math.floor(next() * values.length)], enumerable: true, writable: true, configurable: true });
      }
      bodies.push(body);
    }
    let quick = 0;
    for (const body of bodies) {
      const expected = outcome(() => parseRequest(chatRequestSchema, body));
      expect(outcome(() => parseChatRequest(body)), JSON.stringify(body)).toBe(expected);
      if (!expected.startsWith('error')) quick += 1;
    }
    // The comparison covers many accepted bodies, not only refusals.
    expect(quick).toBeGreaterThan(100);
  });

  it('refuses a request for several answers (n), which OpenRouter would answer with one', () => {
    const ask = (n: unknown) => () => parseChatRequest({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], n });
    expect(ask(3)).toThrow(expect.objectContaining({ code: 'invalid_parameter', options: { param: 'n' }, message: expect.stringMatching(/^n: OpenRouter answers one choice per request/) }));
    expect(ask(0)).toThrow(expect.objectContaining({ code: 'invalid_parameter', options: { param: 'n' } }));
    expect(ask(1)()).toMatchObject({ n: 1 });
  });

  it('gives a copy: nothing the gateway changes in it reaches the body the host parsed', () => {
    const body = { model: 'chat', messages: [{ role: 'user', content: 'hi' }], stop: ['a'], stream_options: { include_usage: true } };
    const request = parseChatRequest(body);
    expect(request).toEqual(body);
    expect(request).not.toBe(body);
    expect(request.messages).not.toBe(body.messages);
    expect(request.messages[0]).not.toBe(body.messages[0]);
    expect(request.stop).not.toBe(body.stop);
    expect(request.stream_options).not.toBe(body.stream_options);
  });
});
