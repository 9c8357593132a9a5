import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import type { LimitPolicy } from '../limits/types.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

/** The body's length, so a DELETE's body is framed too (Node's client frames only some methods' by default). */
const framed = (headers: Record<string, string>, body?: Buffer | string) => (body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers });

/** A raw request, so nothing (fetch, a client library) fixes up what the test sends. */
function raw(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<{ status: number; body: string }> {
  const url = new URL(`${harness.url}${path.startsWith('/') ? path : `/${path}`}`);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, method, path: `${url.pathname}${path.includes('?') ? '' : url.search}`, headers: framed(headers, body) }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}
/** `path` is sent as written (not normalised by URL), appended to the gateway's mount. */
function rawPath(method: string, path: string, headers: Record<string, string>, body?: Buffer | string) {
  const base = new URL(harness.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest({ host: base.hostname, port: base.port, method, path: `${base.pathname}${path}`, headers: framed(headers, body) }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}
const asUser = { authorization: `Bearer ${CLIENT_KEY}` };
const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const json = { 'content-type': 'application/json' };
const chatBody = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }] });
const codeOf = (body: string) => (JSON.parse(body) as { error: { code: string; type: string; message: string } }).error;
const internalErrors = () => harness.logs.filter((line) => line.includes('unhandled error'));

describe('hostile requests are 4xx in the OpenAI error shape, never 500', () => {
  it('refuses a body announced larger than the limit with 413 at once, without waiting for it', async () => {
    const url = new URL(`${harness.url}/v1/chat/completions`);
    const answer = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
      const request = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { ...asUser, ...json, 'content-length': '99999999999' } }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, connection: response.headers.connection }));
      });
      request.on('error', reject);
      // The first bytes of a body that never comes.
      request.write('{"model":"chat","messages":[');
    });
    expect(answer.status).toBe(413);
    expect(codeOf(answer.body).code).toBe('request_too_large');
    expect(answer.connection).toBe('close');
  });

  it('closes the connection when it answers before reading a body, rather than reading all of it after', async () => {
    for (const [path, headers] of [['/v1/chat/completions', { ...asUser, 'content-type': 'text/plain' }], ['/v1/nowhere', { 'content-type': 'application/octet-stream' }]] as const) {
      const url = new URL(`${harness.url}${path}`);
      const answer = await new Promise<{ status: number; connection: string | undefined; closed: Promise<void> }>((resolve, reject) => {
        const request = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { ...headers, 'content-length': '99999999999' } }, (response) => {
          const closed = new Promise<void>((done) => request.socket?.once('close', () => done()));
          response.resume().on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, closed }));
        });
        request.on('error', () => undefined);
        request.once('socket', (socket) => socket.once('error', reject));
        request.write('a body that never ends');
      });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.connection).toBe('close');
      await answer.closed;
    }
  });

  it('reads a chunked JSON body, and refuses one that passes the limit with 413 as soon as it does', async () => {
    const small = await startHarness({ maxBodyBytes: 64 * 1024 });
    try {
      for (const path of ['/v1/chat/completions', '/api/ai/estimate']) {
        const url = new URL(`${small.url}${path}`);
        // A body sent in pieces, without a length, as a streaming client sends it.
        const answer = await new Promise<{ status: number }>((resolve, reject) => {
          const request = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { ...asUser, ...json, 'transfer-encoding': 'chunked' } }, (response) => {
            response.resume().on('end', () => resolve({ status: response.statusCode ?? 0 }));
          });
          request.on('error', reject);
          const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'in pieces' }] });
          request.write(body.slice(0, 10));
          request.end(body.slice(10));
        });
        expect(answer.status, path).toBe(200);
        // A body that goes on and on: the answer comes once the limit is passed, not when the client stops.
        const endless = await new Promise<{ status: number; connection: string | undefined; sent: number }>((resolve, reject) => {
          let sent = 0;
          const timers: NodeJS.Timeout[] = [];
          const request = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { ...asUser, ...json, 'transfer-encoding': 'chunked' } }, (response) => {
            timers.forEach(clearInterval);
            response.resume().on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, sent }));
          });
          request.on('error', () => undefined);
          request.once('socket', (socket) => socket.once('error', reject));
          request.write('{"model":"chat","messages":[{"role":"user","content":"');
          const timer = setInterval(() => {
            request.write('x'.repeat(16 * 1024));
            sent += 16 * 1024;
            if (sent > 4 * 1024 * 1024) {
              clearInterval(timer);
              reject(new Error('no answer after 4 MB'));
            }
          }, 1);
          timers.push(timer);
        });
        expect(endless.status, path).toBe(413);
        expect(endless.connection).toBe('close');
        expect(endless.sent).toBeLessThan(1024 * 1024);
      }
    } finally {
      await small.close();
    }
  });

  it('lets a client that goes on sending a refused body read its 413, then closes within a bound however long it sends', async () => {
    const small = await startHarness({ maxBodyBytes: 64 * 1024 });
    try {
      const url = new URL(`${small.url}/v1/chat/completions`);
      for (let attempt = 0; attempt < 10; attempt++) {
        // A client that writes a piece every millisecond and never stops: the answer must still reach it (not a
        // reset that throws the answer away), and the connection must end though the body does not.
        const outcome = await new Promise<{ status: number; error?: string; sent: number }>((resolve) => {
          let sent = 0;
          let status = 0;
          const request = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { ...asUser, ...json, 'transfer-encoding': 'chunked' } }, (response) => {
            status = response.statusCode ?? 0;
            response.resume();
          });
          const timer = setInterval(() => {
            if (request.destroyed) return clearInterval(timer);
            request.write('x'.repeat(16 * 1024));
            sent += 16 * 1024;
          }, 1);
          request.once('close', () => {
            clearInterval(timer);
            resolve({ status, sent });
          });
          request.on('error', (error: Error) => {
            if (status === 0) resolve({ status, error: error.message, sent });
          });
          request.write('{"model":"chat","messages":[{"role":"user","content":"');
        });
        expect(outcome.error, `attempt ${attempt}`).toBeUndefined();
        expect(outcome.status).toBe(413);
        // Closed after at most the lingering budget (4 MB more, or 2 s): not the endless body read to its end.
        expect(outcome.sent).toBeLessThan(64 * 1024 * 1024);
      }
    } finally {
      await small.close();
    }
  });

  it('refuses a charset or content encoding it cannot read with 415; a caller without a key gets 401 before its body is looked at', async () => {
    const latin1 = await raw('POST', '/v1/chat/completions', { ...asUser, 'content-type': 'application/json; charset=latin1' }, chatBody);
    expect(latin1.status).toBe(415);
    expect(codeOf(latin1.body).code).toBe('unsupported_media_type');
    const unknown = await raw('POST', '/v1/chat/completions', { ...asUser, ...json, 'content-encoding': 'br-nope' }, chatBody);
    expect(unknown.status).toBe(415);
    const lying = await raw('POST', '/v1/chat/completions', { ...asUser, ...json, 'content-encoding': 'gzip' }, chatBody);
    expect(lying.status).toBe(400);
    expect(codeOf(lying.body).code).toBe('invalid_request');
    for (const headers of [{ 'content-type': 'application/json; charset=latin1' }, { ...json, 'content-encoding': 'br-nope' }, { ...json, 'content-encoding': 'gzip' }]) {
      expect((await raw('POST', '/v1/chat/completions', headers, chatBody)).status).toBe(401);
    }
    // A body that really is gzip is read.
    const gzip = await raw('POST', '/v1/chat/completions', { ...asUser, ...json, 'content-encoding': 'gzip' }, gzipSync(chatBody));
    expect(gzip.status).toBe(200);
    expect(internalErrors()).toEqual([]);
  });

  it('answers a path with bad percent-encoding with 400', async () => {
    for (const path of ['/v1/models/%E0%A4%A', '/api/ai/conversations/%C0', '/v1/models/%']) {
      const answer = await rawPath('GET', path, asUser);
      expect(answer.status, path).toBe(400);
      expect(codeOf(answer.body).code).toBe('invalid_request');
    }
    expect(internalErrors()).toEqual([]);
  });

  it('refuses JSON nested deeper than 64 levels with 400 naming the limit', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const answer = await raw('POST', '/v1/chat/completions', { ...asUser, ...json }, `{"model":"chat","messages":${deep}}`);
    expect(answer.status).toBe(400);
    expect(codeOf(answer.body).message).toContain('64');
    const fine = await raw('POST', '/v1/chat/completions', { ...asUser, ...json }, JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: [{ type: 'text', text: 'nested fine' }] }], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } } } } } } } }));
    expect(fine.status).toBe(200);
    expect(internalErrors()).toEqual([]);
  });

  it('refuses NUL characters in bodies, paths and queries with 400 (no database can store them)', async () => {
    const inBody = await raw('POST', '/v1/chat/completions', { ...asUser, ...json }, JSON.stringify({ model: 'chat\u0000', messages: [{ role: 'user', content: 'a\u0000b' }] }));
    expect(inBody.status).toBe(400);
    expect(codeOf(inBody.body).message).toContain('NUL');
    const inPath = await rawPath('GET', '/api/ai/conversations/abc%00def', asUser);
    expect(inPath.status).toBe(400);
    const inQuery = await rawPath('GET', '/api/ai/usage?feature=chat%00', asAdmin);
    expect(inQuery.status).toBe(400);
    expect(internalErrors()).toEqual([]);
  });

  it('refuses a provider key with control characters, or any character a header cannot carry, with 400', async () => {
    for (const key of ['sk-or-v1-abc\r\nX-Injected: 1', 'sk-or-v1-abc\u0007def', 'sk-or-v1-abc😀def', 'sk-or-v1-abc\u2028def', 'sk-or-v1-abc\u00a0def', 'sk-or-v1-abc def']) {
      const answer = await raw('PUT', '/api/ai/provider-key', { ...asAdmin, ...json }, JSON.stringify({ key }));
      expect(answer.status, JSON.stringify(key)).toBe(400);
      expect(codeOf(answer.body).code).toBe('invalid_parameter');
    }
    expect(internalErrors()).toEqual([]);
  });

  it('survives a battery of hostile bodies, queries, paths and headers on every route, signed in or not', async () => {
    const reads = [
      '/v1/models', '/v1/models/openai/gpt-4o-mini', '/api/ai/models', '/api/ai/models/health', '/api/ai/models/performance', '/api/ai/limits',
      '/api/ai/limits/policy', '/api/ai/usage', '/api/ai/usage.csv', '/api/ai/usage/summary', '/api/ai/usage/config/chat', '/api/ai/audit',
      '/api/ai/errors', '/api/ai/errors/req_1', '/api/ai/admin/connections', '/api/ai/configurations', '/api/ai/configurations/chat',
      '/api/ai/configurations/chat/history', '/api/ai/conversations', '/api/ai/conversations/c1', '/api/ai/provider-key', '/api/ai/keys', '/mcp',
    ];
    const writes: Array<[string, string]> = [
      ['POST', '/v1/chat/completions'], ['POST', '/v1/embeddings'], ['POST', '/v1/images/generations'], ['POST', '/api/ai/chat/completion'],
      ['POST', '/api/ai/image/generation'], ['POST', '/api/ai/conversations'], ['PUT', '/api/ai/conversations/c1'], ['PATCH', '/api/ai/conversations/c1'],
      ['POST', '/api/ai/conversations/c1/messages'], ['DELETE', '/api/ai/conversations/c1'], ['PUT', '/api/ai/limits/policy'], ['PUT', '/api/ai/provider-key'],
      ['POST', '/api/ai/configurations'], ['PATCH', '/api/ai/configurations/chat'], ['POST', '/api/ai/configurations/test'], ['POST', '/api/ai/configurations/chat/test'],
      ['POST', '/api/ai/configurations/chat/reset'], ['POST', '/api/ai/configurations/chat/restore'], ['POST', '/api/ai/emergency-stop'], ['POST', '/api/ai/keys'],
      ['DELETE', '/api/ai/keys/key_1'], ['POST', '/mcp'],
    ];
    const bodies = [
      '', 'null', '[]', '"text"', '12', '{', '{"model":', '{"model":null}', '{"messages":{}}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}',
      '{"version":"1","policy":{"users":{"overrides":{"constructor":{"requestsPerMinute":1}}}}}', '{"model":"chat","messages":[{"role":"user","content":"\\ud800"}]}',
      'x'.repeat(1_000), `{"model":"${'a'.repeat(100_000)}"}`, `{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`, '{"title":"a\\u0000b"}',
    ];
    // Repeated keys make arrays, brackets make odd names, and the values are out of every range.
    const queries = ['?limit=-1&limit=2', '?before=%ZZ', '?feature=a&feature=b&from=yesterday&to=&groupBy=__proto__', '?cursor=!!!&limit=1e309', '?constructor=1&__proto__[x]=1'];
    const headerSets: Array<Record<string, string>> = [
      { authorization: 'Bearer' }, { authorization: 'Bearer a b' }, { authorization: `Bearer ${'k'.repeat(8_000)}` }, { authorization: 'Basic Og==' },
      { ...asAdmin, 'if-match': '"not-a-version"' }, { ...asUser, 'content-type': 'application/json; charset=utf-16' }, { ...asUser, 'content-type': 'text/plain' },
      { ...asAdmin, 'content-encoding': 'gzip, identity, compress' }, { ...asAdmin, 'x-request-id': 'r'.repeat(4_000) },
    ];
    const identities = [{}, asUser, asAdmin];
    const failures: string[] = [];
    const check = async (label: string, answer: Promise<{ status: number; body: string }>) => {
      const { status, body } = await answer;
      if (status >= 500) failures.push(`${label} → ${status} ${body.slice(0, 120)}`);
      else if (status >= 400 && !label.includes('/mcp')) {
        let shape: Record<string, unknown> | undefined;
        try {
          shape = (JSON.parse(body) as { error?: Record<string, unknown> }).error;
        } catch {
          shape = undefined;
        }
        if (!shape || !['message', 'type', 'code', 'param'].every((field) => field in shape)) failures.push(`${label} → ${status} not in the OpenAI error shape: ${body.slice(0, 120)}`);
      }
    };
    for (const headers of identities) {
      for (const path of reads) {
        for (const query of ['', ...queries]) await check(`GET ${path}${query}`, rawPath('GET', `${path}${query}`, headers));
      }
      for (const [method, path] of writes) {
        for (const body of bodies) await check(`${method} ${path} ${body.slice(0, 30)}`, raw(method, path, { ...headers, ...json }, body));
        for (const query of queries) await check(`${method} ${path}${query}`, rawPath(method, `${path}${query}`, { ...headers, ...json }, chatBody));
      }
    }
    for (const headers of headerSets) {
      for (const path of reads) await check(`GET ${path} ${JSON.stringify(headers).slice(0, 60)}`, rawPath('GET', path, headers));
      for (const [method, path] of writes) await check(`${method} ${path} ${JSON.stringify(headers).slice(0, 60)}`, raw(method, path, { ...json, ...headers }, chatBody));
    }
    expect(failures.join('\n')).toBe('');
    expect(internalErrors()).toEqual([]);
    expect(harness.logs.filter((line) => /\n\s+at /.test(line) || line.includes('"stack"'))).toEqual([]);
  }, 120_000);
});

/** A JSON value of every kind and edge a field may be given in its place. */
const FIELD_VALUES: unknown[] = [
  null, true, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, '', 'x', '\u0000', '\ud800', 'a'.repeat(5_000), '1e999', [], [null], [{}], [[[1]]], {}, { a: 1 },
  { constructor: 1 }, { type: 'text' }, { role: 'user', content: null }, { role: 'tool' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
  { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } }, { type: 'input_audio', input_audio: { data: 'AAAA', format: 'mp3' } },
];

/** `body` with one to three of its fields (at any depth) removed or given a value of `FIELD_VALUES`, as `random` picks. */
function mutated(body: Record<string, unknown>, random: () => number): unknown {
  const copy = structuredClone(body);
  const fieldsOf = (value: unknown, path: string[]): string[][] =>
    value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([key, inner]) => [[...path, key], ...fieldsOf(inner, [...path, key])]) : [];
  for (let change = Math.floor(random() * 3); change >= 0; change--) {
    const fields = fieldsOf(copy, []);
    const path = fields[Math.floor(random() * fields.length)];
    if (!path) break;
    const parent = path.slice(0, -1).reduce<Record<string, unknown>>((object, key) => object[key] as Record<string, unknown>, copy);
    if (random() < 0.15) Reflect.deleteProperty(parent, path.at(-1)!);
    else parent[path.at(-1)!] = structuredClone(FIELD_VALUES[Math.floor(random() * FIELD_VALUES.length)]);
  }
  return copy;
}

describe('a valid body with any of its fields changed is answered, never with a 5xx', () => {
  // Each route's body with every field it reads, then 40 variants of it: one to three fields, at any depth, removed or
  // of another type, size or edge value. Seeded, so a failure names a body that fails again.
  const BODIES: Record<string, Record<string, unknown>> = {
    '/v1/chat/completions': {
      model: 'chat', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], max_tokens: 10, stream: true, temperature: 0.5, stop: ['x'], n: 1, seed: 1,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }, { type: 'openrouter:web_search', parameters: { max_uses: 2 } }], tool_choice: 'auto',
      stream_options: { include_usage: true }, response_format: { type: 'json_object' }, reasoning: { effort: 'low' }, plugins: [{ id: 'web' }], provider: { order: ['openai'] },
      models: ['openai/gpt-4o-mini'], user: 'u', logit_bias: { '1': 1 }, modalities: ['text'], web_search_options: {}, usage: { include: true }, prediction: { type: 'content', content: 'x' },
    },
    '/v1/embeddings': { model: 'embed', input: ['a', 'b'], encoding_format: 'float', dimensions: 8, user: 'u' },
    '/v1/images/generations': { model: 'image', prompt: 'a cat', n: 1, size: '256x256', response_format: 'url', quality: 'standard', style: 'vivid' },
    '/api/ai/chat/completion': { model: 'chat', messages: [{ role: 'user', content: 'hi', images: [{ url: 'data:image/png;base64,AAAA' }] }], stream: true, maxTokens: 10, tools: [], toolChoice: 'auto', reasoning: { effort: 'low' } },
    '/api/ai/image/generation': { model: 'image', prompt: 'a cat', n: 1, size: '256x256' },
    '/api/ai/estimate': { model: 'chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, tools: [{ type: 'openrouter:web_search' }] },
    '/api/ai/conversations': { title: 't', messages: [{ role: 'user', content: 'hi', parts: [{ type: 'text', text: 'hi' }] }] },
    '/api/ai/files': { data: 'data:image/png;base64,iVBORw0KGgo=', name: 'a.png' },
  };

  it.each(Object.keys(BODIES))('POST %s', async (path) => {
    let state = [...path].reduce((hash, character) => (hash * 31 + character.charCodeAt(0)) >>> 0, 7);
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const failures: string[] = [];
    for (let variant = 0; variant < 40; variant++) {
      const body = JSON.stringify(variant === 0 ? BODIES[path] : mutated(BODIES[path]!, random));
      const { status, body: answer } = await raw('POST', path, { ...(variant % 2 === 0 ? asUser : asAdmin), ...json }, body);
      if (status >= 500) failures.push(`${status} for ${body.slice(0, 300)}: ${answer.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
    expect(internalErrors()).toEqual([]);
  }, 60_000);
});

describe('per-user limits use own properties only', () => {
  it('a user id named like an Object.prototype member is limited like any other', async () => {
    let version = 0;
    const put = async (policy: Partial<LimitPolicy>) => {
      const answer = await raw('PUT', '/api/ai/limits/policy', { ...asAdmin, ...json }, JSON.stringify({ version, policy: { project: {}, features: {}, users: { default: { requestsPerMinute: 2 }, overrides: {} }, ...policy } }));
      expect(answer.status, answer.body).toBe(200);
      version = (JSON.parse(answer.body) as { version: number }).version;
    };
    await put({});
    const local = await startHarness({ clientKeys: ['constructor', '__proto__', 'toString', 'hasOwnProperty'].map((userId, index) => ({ key: `ik_proto_user_key_${index}_0123456789`, userId })) });
    try {
      const policyAnswer = await fetch(`${local.url}/api/ai/limits/policy`, { method: 'PUT', headers: { ...asAdmin, ...json }, body: JSON.stringify({ version: 0, policy: { project: {}, features: {}, users: { default: { requestsPerMinute: 2 }, overrides: {} } } }) });
      expect(policyAnswer.status).toBe(200);
      for (const index of [0, 1, 2, 3]) {
        const statuses = [];
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const answer = await fetch(`${local.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ik_proto_user_key_${index}_0123456789`, ...json }, body: chatBody });
          statuses.push(answer.status);
          await answer.text();
        }
        expect(statuses, `user ${index}`).toEqual([200, 200, 429]);
      }
    } finally {
      await local.close();
      await put({ users: { default: {}, overrides: {} } });
    }
  });
});
