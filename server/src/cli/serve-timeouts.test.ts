import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { askToContinue } from '../../test/raw-http.js';
import { parseSseBody } from '../../test/sse.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';
import { CliError } from './cli-error.js';
import { serve, type ServeHandle } from './serve.js';

// A client that never finishes sending its request must not hold a connection for Node's five minutes; an answer
// that takes minutes (a long stream) must not be cut by the same bound.

const UPSTREAM_KEY = generateKey();
const CLIENT_KEY = 'ik_timeouts_client_key_0123456789';
const ENV = { OPENROUTER_API_KEY: UPSTREAM_KEY, INSFORGE_AI_CLIENT_KEY: CLIENT_KEY };

let emulator: Emulator;
let features: string;
let server: ServeHandle;
const lines: string[] = [];
const io = { out: (line: string) => void lines.push(line), err: (line: string) => void lines.push(line) };

const inDirectory = useTemporaryDirectory('insforge-ai-timeouts-');
beforeAll(async () => {
  emulator = await startEmulator({ keys: [UPSTREAM_KEY] });
  features = inDirectory('features.json');
  await writeFile(features, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini' }]));
  server = await serve(['--port', '0', '--upstream', emulator.url, '--features', features, '--database', ':memory:', '--request-timeout', '1', '--headers-timeout', '0.5'], ENV, io);
});
afterAll(async () => {
  await server?.close();
  await emulator?.close();
});

/** Opens a raw connection, sends `head`, then `drip` every 100 ms; resolves with the status line and when it closed. */
function sendSlowly(head: string, drip = ''): Promise<{ statusLine: string; closedAfterMs: number }> {
  const { port } = new URL(server.url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(head));
    const tick = setInterval(() => drip && !socket.destroyed && socket.write(drip), 100);
    const giveUp = setTimeout(() => socket.destroy(), 10_000);
    let received = '';
    socket.on('data', (data) => (received += data.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(tick);
      clearTimeout(giveUp);
      resolve({ statusLine: received.split('\r\n')[0] ?? '', closedAfterMs: Date.now() - started });
    });
  });
}

const auth = `Authorization: Bearer ${CLIENT_KEY}\r\nContent-Type: application/json\r\n`;

describe('insforge-ai serve: how long a client may take to send a request', () => {
  it('answers 408 and closes a body that never ends, a body shorter than announced, and headers that never end', async () => {
    const [drip, short, headers] = await Promise.all([
      sendSlowly(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`, '1\r\n \r\n'),
      sendSlowly(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 1000\r\n\r\n{"model":"chat"`),
      sendSlowly('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n', 'X-A: b\r\n'),
    ]);
    for (const [name, result] of Object.entries({ drip, short, headers })) {
      expect(result.statusLine, name).toBe('HTTP/1.1 408 Request Timeout');
      // The timeout (1 s, 0.5 s for headers) and Node's check of it, every second at most: well under Node's 300 s.
      expect(result.closedAfterMs, name).toBeLessThan(3_500);
    }
    expect(lines.join('\n')).toContain('timeouts      0.5 s for a request\'s headers, 1 s for the whole request');
  });

  it('lets an answer run past the request timeout: a 3-second stream ends with [DONE]', async () => {
    const rule = emulator.addRule({ match: { contains: 'a slow answer' }, scenario: 'tps=10;tokens=30' });
    try {
      const started = Date.now();
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'a slow answer please' }] }),
      });
      expect(response.status).toBe(200);
      const { events, done } = parseSseBody(await response.text());
      expect(Date.now() - started).toBeGreaterThan(2_000);
      expect(done).toBe(true);
      expect(events.some((event) => (event as { error?: unknown }).error !== undefined)).toBe(false);
    } finally {
      rule.remove();
    }
  });

  it('answers a client that asks before sending its body (Expect: 100-continue) 401 or 413 before 100 Continue', async () => {
    const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'asked first' }] });
    const head = (headers: string, length: number) => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n${headers}Content-Type: application/json\r\nContent-Length: ${length}\r\n`;
    expect(await askToContinue(server.url, head('', body.length), body)).toEqual(['HTTP/1.1 401 Unauthorized']);
    expect(await askToContinue(server.url, head(`Authorization: Bearer ${CLIENT_KEY}\r\n`, 11 * 1024 * 1024), body)).toEqual(['HTTP/1.1 413 Payload Too Large']);
    expect(await askToContinue(server.url, head(`Authorization: Bearer ${CLIENT_KEY}\r\n`, body.length), body)).toEqual(['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK']);
  });

  it('gives 20 s to headers and 120 s to the whole request by default, and refuses timeouts Node cannot take', async () => {
    const defaults: string[] = [];
    const plain = await serve(['--port', '0', '--upstream', emulator.url, '--database', ':memory:'], ENV, { out: (line) => void defaults.push(line), err: () => undefined });
    await plain.close();
    expect(defaults.join('\n')).toContain('timeouts      20 s for a request\'s headers, 120 s for the whole request');
    for (const flags of [['--headers-timeout', '30', '--request-timeout', '10'], ['--request-timeout', '0']]) {
      await expect(serve(['--port', '0', '--upstream', emulator.url, '--database', ':memory:', ...flags], ENV, io), flags.join(' ')).rejects.toBeInstanceOf(CliError);
    }
  });
});
