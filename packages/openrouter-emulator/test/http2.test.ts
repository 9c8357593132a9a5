import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HTTPClient, OpenRouter } from '@openrouter/sdk';
import { TooManyRequestsResponseError } from '@openrouter/sdk/models/errors';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, startEmulator, type Emulator } from '../src/index.js';
import { rejectionOf } from './client.js';
import { parseSse } from './sse.js';

// OpenRouter serves HTTPS and speaks HTTP/2 to clients that offer it. With `tls`, the emulator does the same, so a
// gateway's HTTP/2 client (undici's allowH2) is tested against the protocol it meets in production.

const MODEL = 'openai/gpt-4o-mini';

let emulator: Emulator;
/** The protocol version of every request the emulator received, in order. */
const versions: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ tls: true });
  emulator.server.on('request', (request: IncomingMessage) => versions.push(request.httpVersion));
});

afterAll(() => emulator.close());

/** A fetch over undici that trusts the emulator's certificate, offering HTTP/2 or not. */
function trustingFetch(allowH2: boolean) {
  const dispatcher = new Agent({ allowH2, connect: { ca: emulator.ca } });
  // undici's fetch has its own Request and Response classes: the global ones (which SDKs check with instanceof)
  // travel across as their parts.
  const trusting: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.body ? await request.arrayBuffer() : null;
    const response = await undiciFetch(request.url, { method: request.method, headers: [...request.headers], body, signal: request.signal, dispatcher });
    return new Response(response.body as ReadableStream | null, { status: response.status, statusText: response.statusText, headers: [...response.headers] });
  };
  return { fetch: trusting, close: () => dispatcher.close() };
}

function chat(fetcher: typeof fetch, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetcher(`${emulator.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Hello there' }], ...body }),
  });
}

describe('the self-signed certificate', () => {
  it('names each host, signs itself, is valid now and can serve as the trusted authority', () => {
    const { cert } = createSelfSignedCertificate(['localhost', '127.0.0.1', '::1', 'emulator.test']);
    const certificate = new X509Certificate(cert);
    expect(certificate.checkHost('localhost')).toBe('localhost');
    expect(certificate.checkHost('emulator.test')).toBe('emulator.test');
    expect(certificate.checkHost('example.com')).toBeUndefined();
    expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(certificate.checkIP('::1')).toBe('::1');
    expect(certificate.checkIP('10.0.0.1')).toBeUndefined();
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.ca).toBe(true);
    expect(Date.parse(certificate.validFrom)).toBeLessThan(Date.now());
    expect(Date.parse(certificate.validTo)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it('is fresh each time, and each one parses (its random serial number always in the shortest DER form)', () => {
    expect(createSelfSignedCertificate().cert).not.toBe(createSelfSignedCertificate().cert);
    // A serial starting with a zero byte followed by one below 0x80 is rejected as illegal padding: 1 in 256 before.
    const serials = new Set<string>();
    for (let index = 0; index < 1_000; index += 1) serials.add(new X509Certificate(createSelfSignedCertificate(['localhost'], 1).cert).serialNumber);
    expect(serials.size).toBe(1_000);
  });
});

describe('the emulator over TLS', () => {
  it('serves https, HTTP/2 to a client that offers it and HTTP/1.1 to one that does not', async () => {
    expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    for (const [allowH2, version] of [[true, '2.0'], [false, '1.1']] as const) {
      const client = trustingFetch(allowH2);
      try {
        versions.length = 0;
        const response = await chat(client.fetch, {});
        expect(response.status).toBe(200);
        const completion = (await response.json()) as { choices: Array<{ message: { content: string } }> };
        expect(completion.choices[0]?.message.content).toEqual(expect.any(String));
        expect(versions).toEqual([version]);
      } finally {
        await client.close();
      }
    }
  });

  it('refuses a client that does not trust its certificate', async () => {
    const error = await rejectionOf(fetch(`${emulator.url}/models`));
    expect(String((error as Error).cause)).toMatch(/certificate/i);
  });

  it('parses with the official openai and OpenRouter SDKs over HTTP/2, errors included', async () => {
    const client = trustingFetch(true);
    try {
      const openai = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey, maxRetries: 0, fetch: client.fetch });
      const stream = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Stream, please' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);

      const openRouter = new OpenRouter({
        apiKey: emulator.apiKey,
        serverURL: emulator.url,
        retryConfig: { strategy: 'none' },
        httpClient: new HTTPClient({ fetcher: client.fetch }),
      });
      const result = await openRouter.chat.send({ chatRequest: { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] } });
      expect(result).toMatchObject({ choices: [{ message: { role: 'assistant' } }] });
      const limited = await rejectionOf(
        openRouter.chat.send({ chatRequest: { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] } }, { headers: { 'x-emulator-scenario': 'status=429' } }),
      );
      expect(limited).toBeInstanceOf(TooManyRequestsResponseError);
    } finally {
      await client.close();
    }
  });

  it('drops one stream mid-way as a reset of that stream alone: the connection serves the next request', async () => {
    const client = trustingFetch(true);
    try {
      versions.length = 0;
      const dropped = await chat(client.fetch, { stream: true }, { 'x-emulator-scenario': 'drop-after=3' });
      expect(dropped.status).toBe(200);
      const generation = dropped.headers.get('x-generation-id') ?? '';
      expect(await rejectionOf(dropped.text())).toBeInstanceOf(Error);
      expect((await emulator.waitForGeneration(generation)).status).toBe('dropped');

      const next = await chat(client.fetch, { stream: true });
      const parsed = parseSse(await next.text());
      expect(parsed.data.at(-1)).toBe('[DONE]');
      expect(versions).toEqual(['2.0', '2.0']);
    } finally {
      await client.close();
    }
  });

  it('marks a stream the client cancels mid-way as cancelled', async () => {
    const client = trustingFetch(true);
    try {
      const response = await chat(client.fetch, { stream: true }, { 'x-emulator-scenario': 'tps=50' });
      const generation = response.headers.get('x-generation-id') ?? '';
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
      const probe = await emulator.waitForGeneration(generation);
      expect(probe.status).toBe('cancelled');
    } finally {
      await client.close();
    }
  });

  it('serves on a certificate it is given', async () => {
    const own = createSelfSignedCertificate(['localhost']);
    const other = await startEmulator({ tls: own });
    const client = new Agent({ allowH2: true, connect: { ca: own.cert } });
    try {
      expect(other.ca).toBe(own.cert);
      const response = await client.request({ origin: `https://localhost:${other.port}`, path: '/api/v1/models', method: 'GET' });
      expect(response.statusCode).toBe(200);
      await response.body.text();
    } finally {
      await client.close();
      await other.close();
    }
  });

  it('closes with HTTP/2 sessions still open', async () => {
    const other = await startEmulator({ tls: true });
    const client = new Agent({ allowH2: true, connect: { ca: other.ca } });
    const response = await client.request({ origin: other.origin, path: '/api/v1/models', method: 'GET' });
    await response.body.text();
    await other.close();
    await client.close();
  });
});
