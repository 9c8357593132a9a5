import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { scriptedServer } from '../../test/scripted-server.js';
import type { ChatStreamEvent, ChatStreamOptions } from './chat-stream.js';
import { createAiClient, type AiClient } from './client.js';
import type { AiClientOptions } from './http-transport.js';

// A gateway that misbehaves: each test answers the chat route its own way, as a broken server or proxy would.
let answer: (res: ServerResponse) => void = (res) => res.end();
const gateway = scriptedServer((_req, res) => answer(res));

const client = (options: Partial<AiClientOptions> = {}): AiClient => createAiClient({ baseUrl: gateway.baseUrl, ...options });
const ask = { model: 'chat', messages: [{ role: 'user' as const, content: 'Hello' }] };
const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;
const eventStream = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

/** The events of one streamed answer, the text its chunks carry, and the error it ended with (if any). */
async function streamed(options: ChatStreamOptions = {}, on: AiClient = client()) {
  const events: ChatStreamEvent[] = [];
  const error = await on.chat.stream(ask, { ...options, onEvent: (event) => events.push(event) }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  const text = events.map((event) => (event.type === 'chunk' ? (event.chunk.choices[0]?.delta.content ?? '') : '')).join('');
  return { events, text, error, last: events.at(-1) };
}

describe('streamChat against a hostile server', () => {
  it('skips events that are JSON but not a chunk (null, a number) and reads on', async () => {
    answer = (res) => eventStream(res).end(`data: null\n\n${chunk('A')}data: 42\n\n${chunk('B')}data: [DONE]\n\n`);
    const { text, error, last } = await streamed();
    expect(error).toBeUndefined();
    expect([text, last?.type]).toEqual(['AB', 'done']);
  });

  it('ends with the error of an event named `error`, JSON or not, keeping what came before', async () => {
    for (const data of ['{"message":"The provider went away"}', 'The provider went away']) {
      answer = (res) => eventStream(res).end(`${chunk('A')}event: error\ndata: ${data}\n\n${chunk('B')}data: [DONE]\n\n`);
      const { text, error, last } = await streamed();
      expect(text).toBe('A');
      expect(error).toMatchObject({ message: 'The provider went away' });
      expect(last).toMatchObject({ type: 'error', error });
    }
  });

  it('keeps the words of an error chunk whose `error` is a string', async () => {
    answer = (res) => eventStream(res).end(`${chunk('A')}data: {"error":"The provider exploded"}\n\n`);
    expect((await streamed()).error).toMatchObject({ message: 'The provider exploded' });
  });

  it('reads a JSON error sent with a 200 as that error, and takes a content type in any case', async () => {
    answer = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"error":{"message":"Bad key","code":"unauthorized"}}');
    expect((await streamed()).error).toMatchObject({ code: 'unauthorized', message: 'Bad key' });
    answer = (res) => res.writeHead(200, { 'content-type': 'Text/Event-Stream; charset=UTF-8' }).end(`${chunk('A')}data: [DONE]\n\n`);
    expect(await streamed()).toMatchObject({ text: 'A', error: undefined });
  });

  it('fails an event larger than maxEventBytes and closes the connection instead of holding it', async () => {
    let closed = false;
    answer = (res) => {
      res.on('close', () => (closed = true));
      // A line that never ends, on a connection that stays open.
      eventStream(res).write(`${chunk('A')}data: "${'x'.repeat(64 * 1024)}`);
    };
    const { text, error } = await streamed({}, client({ maxStreamEventBytes: 16 * 1024 }));
    expect(text).toBe('A');
    expect(error).toMatchObject({ code: 'unknown', message: expect.stringMatching(/larger than 16384 bytes \(maxEventBytes\)/) });
    await expect.poll(() => closed).toBe(true);
  });

  it('fails as a timeout when the answer sends nothing for idleTimeoutMs, and keeps what came before', async () => {
    answer = (res) => eventStream(res).write(chunk('Partial'));
    const { text, error } = await streamed({ idleTimeoutMs: 200 });
    expect(text).toBe('Partial');
    expect(error).toMatchObject({ code: 'timeout', retryable: true, message: expect.stringContaining('idleTimeoutMs') });
    // The client's own setting, for every stream; an error page that never ends counts too.
    answer = (res) => res.writeHead(502, { 'content-type': 'text/html' }).write('<html>');
    expect((await streamed({}, client({ streamIdleTimeoutMs: 200 }))).error).toMatchObject({ code: 'timeout' });
  });

  it('keeps a slow answer open while it keeps sending, keep-alive comments included', async () => {
    answer = (res) => {
      eventStream(res);
      const pieces = [': keep-alive\n\n', ': keep-alive\n\n', chunk('slow'), ': keep-alive\n\n', 'data: [DONE]\n\n'];
      const timer = setInterval(() => (pieces.length > 0 ? res.write(pieces.shift()) : (clearInterval(timer), res.end())), 80);
    };
    expect(await streamed({ idleTimeoutMs: 200 })).toMatchObject({ text: 'slow', error: undefined, last: { type: 'done' } });
  });

  it('refuses stream limits that are not whole numbers', () => {
    expect(() => client({ streamIdleTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => client({ maxStreamEventBytes: 0 })).toThrow(RangeError);
  });
});
