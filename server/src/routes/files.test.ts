import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderImage } from '@insforge/openrouter-emulator';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { neverReadingRequest } from '../../test/raw-http.js';
import type { Identity } from '../auth/identity.js';
import { gatewayErrorHandler } from '../errors.js';
import { UPLOAD_HOLDER, type FileOwner, type StoredFile } from '../files/file-store.js';
import { FileUrlSigner } from '../files/file-urls.js';
import { FolderBytes } from '../files/folder-bytes.js';
import { GatewayFiles } from '../files/gateway-files.js';
import { SqlFileStore } from '../files/sql-file-store.js';
import { openGatewayStores, type GatewayStores } from '../store/gateway-stores.js';
import { filesRouter, signedFilesRouter, type UploadedFileResponse } from './files.js';

let harness: Harness;
let small: Harness;
let otherUserKey: string;
beforeAll(async () => {
  [harness, small] = await Promise.all([startHarness(), startHarness({ files: { maxFileBytes: 1_000, maxBytesPerOwner: 2_500 } })]);
  otherUserKey = (await (await harness.gateway.ready).clientKeys.create('default', { label: 'other', userId: 'user-2' }, 'test')).key;
});
afterAll(async () => {
  await Promise.all([harness.close(), small.close()]);
});

type ErrorBody = { error: { message: string; code: string; param: string | null } };
const PNG = renderImage({ prompt: 'a harbour', width: 32, height: 24 });
/** The CSP every file is served under: no script, no form, no request of its own (inline styles for media pages). */
const FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

async function upload(body: Buffer | string, contentType: string, options: { key?: string; on?: Harness; query?: string } = {}) {
  const { key = CLIENT_KEY, on = harness, query = '' } = options;
  const response = await fetch(`${on.url}/api/ai/files${query}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });
  return { status: response.status, body: (await response.json()) as UploadedFileResponse & ErrorBody };
}
const read = (path: string, headers: Record<string, string> = {}, on = harness) => fetch(path.startsWith('http') ? path : `${on.url}/api/ai/files/${path}`, { headers });
const asUser = (key = CLIENT_KEY) => ({ authorization: `Bearer ${key}` });

/** The gateway's blob rows: how many times bytes are stored. */
const blobCount = async (on = harness) => (await (await on.gateway.ready).database.db.selectFrom('file_blobs').select('id').execute()).length;

describe('the file store routes', () => {
  it('uploads raw bytes and serves them to their owner with their type, in a sandbox, asked again of the gateway before each reuse', async () => {
    const uploaded = await upload(PNG, 'image/png', { query: '?name=harbour.png' });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{64}$/) as string, mediaType: 'image/png', size: PNG.length, name: 'harbour.png', url: expect.stringContaining(`${harness.url}/api/ai/files/`) as string });
    const response = await read(uploaded.body.id, asUser());
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(PNG)).toBe(true);
    expect(Object.fromEntries(['content-type', 'x-content-type-options', 'content-security-policy', 'content-disposition', 'cache-control', 'etag'].map((name) => [name, response.headers.get(name)]))).toEqual({
      'content-type': 'image/png',
      'x-content-type-options': 'nosniff',
      'content-security-policy': FILE_POLICY,
      'content-disposition': `inline; filename="harbour.png"; filename*=UTF-8''harbour.png`,
      // A copy kept for good would open without credentials later in the same browser (another user, after sign-out).
      'cache-control': 'private, no-cache',
      etag: `"${uploaded.body.id}"`,
    });
    // Raw: fetch would add `Cache-Control: no-cache` to a conditional request, as a browser revalidating does not.
    const revalidated = await raw('GET', `/api/ai/files/${uploaded.body.id}`, { ...asUser(), 'if-none-match': `"${uploaded.body.id}"` });
    expect(revalidated).toEqual({ status: 304, body: '' });
  });

  it('answers a byte range, as audio players ask, and 416 for one past the end', async () => {
    const audio = randomBytes(5_000);
    const { body } = await upload(audio, 'audio/wav');
    const part = await read(body.url, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/5000');
    expect(part.headers.get('content-disposition')).toBe('inline');
    expect(Buffer.from(await part.arrayBuffer()).equals(audio.subarray(100, 200))).toBe(true);
    expect((await read(body.url, { range: 'bytes=4900-' })).headers.get('content-range')).toBe('bytes 4900-4999/5000');
    expect((await read(body.url, { range: 'bytes=6000-7000' })).status).toBe(416);
    expect((await read(body.url, { range: 'bytes=0-1,5-9' })).status).toBe(200);
    expect((await read(body.url, { range: 'bytes=0-1', 'if-range': '"other"' })).status).toBe(200);
  });

  it('answers a suffix range longer than the file with the whole file, and the last bytes for a shorter one', async () => {
    const audio = randomBytes(5_000);
    const { body } = await upload(audio, 'audio/wav');
    for (const range of ['bytes=-99999999999999999999', 'bytes=-5001']) {
      const whole = await read(body.url, { range });
      expect([whole.status, whole.headers.get('content-range'), whole.headers.get('content-length')]).toEqual([206, 'bytes 0-4999/5000', '5000']);
      expect(Buffer.from(await whole.arrayBuffer()).equals(audio)).toBe(true);
    }
    const tail = await read(body.url, { range: 'bytes=-10' });
    expect([tail.status, tail.headers.get('content-range')]).toEqual([206, 'bytes 4990-4999/5000']);
    expect((await read(body.url, { range: 'bytes=-0' })).status).toBe(416);
  });

  it('takes a JSON data URL too, and stores the same bytes once however often and by whomever they are sent', async () => {
    const bytes = randomBytes(700);
    const before = await blobCount();
    const first = await upload(JSON.stringify({ data: `data:application/pdf;base64,${bytes.toString('base64')}`, name: 'notes.pdf' }), 'application/json');
    const second = await upload(bytes, 'application/pdf');
    const other = await upload(bytes, 'application/pdf', { key: otherUserKey });
    expect([first.status, second.status, other.status]).toEqual([201, 201, 201]);
    expect(new Set([first.body.id, second.body.id, other.body.id]).size).toBe(1);
    expect(await blobCount()).toBe(before + 1);
    const served = await read(first.body.id, asUser());
    expect(served.headers.get('content-disposition')).toBe(`inline; filename="notes.pdf"; filename*=UTF-8''notes.pdf`);
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('takes a percent-encoded data URL byte for byte, escapes that are no UTF-8 included, as the same file as its bytes', async () => {
    const bytes = Buffer.concat([Buffer.from([0x89, 0x00, 0xff]), Buffer.from('PNG ok/é', 'utf8')]);
    const spelled = `data:application/octet-stream,%89%00%FFPNG%20ok/${encodeURIComponent('é')}`;
    const asJson = await upload(JSON.stringify({ data: spelled }), 'application/json');
    const asBytes = await upload(bytes, 'application/octet-stream');
    expect([asJson.status, asBytes.status]).toEqual([201, 201]);
    expect(asJson.body.id).toBe(asBytes.body.id);
    expect(Buffer.from(await (await read(asJson.body.id, asUser())).arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('serves a signed URL without credentials, and answers 404 for a bad, expired or altered one', async () => {
    const { body } = await upload(PNG, 'image/png');
    const signed = await read(body.url);
    expect(signed.status).toBe(200);
    expect(Buffer.from(await signed.arrayBuffer()).equals(PNG)).toBe(true);
    const url = new URL(body.url);
    const signature = url.searchParams.get('signature')!;
    const altered = (change: (target: URL) => void) => {
      const copy = new URL(url);
      change(copy);
      return copy.toString();
    };
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const later = String(Number(url.searchParams.get('expires')) + 300);
    const { db } = (await harness.gateway.ready).database;
    const secret = await db.selectFrom('gateway_secrets').select('value').executeTakeFirstOrThrow();
    const expired = new FileUrlSigner([Buffer.from(secret.value, 'base64')]).url(harness.url, { projectId: 'default', owner: 'user:user-1' }, body.id, Date.now() - 3 * 60 * 60 * 1000);
    const bad = [
      altered((target) => target.searchParams.set('signature', flipped)),
      altered((target) => target.searchParams.set('expires', later)),
      altered((target) => target.searchParams.set('signature', 'short')),
      altered((target) => target.searchParams.delete('expires')),
      altered((target) => target.searchParams.append('signature', signature)),
      altered((target) => (target.pathname = target.pathname.replace(body.id, body.id.replace(/^./, (first) => (first === 'a' ? 'b' : 'a'))))),
      expired,
    ];
    for (const candidate of bad) {
      const response = await read(candidate);
      expect({ candidate, status: response.status }).toEqual({ candidate, status: 404 });
      expect(((await response.json()) as ErrorBody).error.code).toBe('not_found');
    }
  });

  it('signs a URL at the address the request came to when it names no host (HTTP/1.0 sends no Host header)', async () => {
    const { hostname, port } = new URL(harness.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.end(`POST /ai/api/ai/files HTTP/1.0\r\nAuthorization: Bearer ${CLIENT_KEY}\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`);
      });
      let text = '';
      socket.on('data', (data) => (text += data.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const { url } = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as UploadedFileResponse;
    expect(url.startsWith(`${harness.url}/api/ai/files/`)).toBe(true);
    expect((await read(url)).status).toBe(200);
  });

  it('answers 404, never 403, for another caller\'s file, and deletes only the caller\'s own reference', async () => {
    const bytes = randomBytes(100);
    const { body } = await upload(bytes, 'application/octet-stream');
    expect((await read(body.id, asUser(otherUserKey))).status).toBe(404);
    expect((await read(body.id)).status).toBe(401);
    expect((await fetch(`${harness.url}/api/ai/files/${body.id}`, { method: 'DELETE', headers: asUser(otherUserKey) })).status).toBe(404);
    await upload(bytes, 'application/octet-stream', { key: otherUserKey });
    expect((await fetch(`${harness.url}/api/ai/files/${body.id}`, { method: 'DELETE', headers: asUser() })).status).toBe(204);
    expect((await read(body.id, asUser())).status).toBe(404);
    expect((await read(body.url)).status).toBe(404);
    expect((await read(body.id, asUser(otherUserKey))).status).toBe(200);
  });

  it('serves SVG, HTML and anything else that could run script as a download, never sniffed', async () => {
    for (const [type, content] of [
      ['image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
      ['text/html', '<script>alert(document.cookie)</script>'],
      ['application/octet-stream', '<html><script>alert(1)</script></html>'],
    ] as const) {
      const { body } = await upload(content, type, { query: '?name=x.html' });
      for (const response of [await read(body.id, asUser()), await read(body.url)]) {
        expect(response.headers.get('content-type')).toBe(type);
        expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="x\.html"/);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('content-security-policy')).toBe(FILE_POLICY);
      }
    }
  });

  it('serves an audio type a browser would render as XML, or one no player reads, as a download', async () => {
    const xhtml = '<x xmlns="http://www.w3.org/1999/xhtml"><h1>Sign in again</h1><img src="https://attacker.example/p.png"/></x>';
    for (const type of ['audio/x+xml', 'audio/svg+xml', 'audio/x-unknown']) {
      const { body } = await upload(xhtml, type);
      for (const response of [await read(body.id, asUser()), await read(body.url)]) {
        expect({ type, disposition: response.headers.get('content-disposition') }).toEqual({ type, disposition: 'attachment' });
      }
    }
    for (const type of ['audio/mpeg', 'audio/wav', 'audio/ogg', 'audio/webm', 'audio/mp4', 'audio/flac']) {
      const { body } = await upload(randomBytes(64), type);
      expect({ type, disposition: (await read(body.url)).headers.get('content-disposition') }).toEqual({ type, disposition: 'inline' });
    }
  });

  it('names any file in Content-Disposition as RFC 6266 and 5987 have it: quotes, apostrophes, parentheses and non-ASCII included', async () => {
    const cases: Array<[string, string]> = [
      ['say "hi".png', `inline; filename="say _hi_.png"; filename*=UTF-8''say%20%22hi%22.png`],
      ["it's (1)*.png", `inline; filename="it's (1)*.png"; filename*=UTF-8''it%27s%20%281%29%2A.png`],
      ['résumé 简历.png', `inline; filename="r_sum_ __.png"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E7%AE%80%E5%8E%86.png`],
      ['🙂.png', `inline; filename="__.png"; filename*=UTF-8''%F0%9F%99%82.png`],
    ];
    for (const [name, disposition] of cases) {
      const { status, body } = await upload(JSON.stringify({ data: `data:image/png;base64,${randomBytes(30).toString('base64')}`, name }), 'application/json');
      expect(status).toBe(201);
      const response = await read(body.url);
      expect({ name, status: response.status, disposition: response.headers.get('content-disposition') }).toEqual({ name, status: 200, disposition });
    }
  });

  it('serves every answer for a file, HEAD, 206 and 304 included, under a CSP that loads nothing, embeddable cross-site only by a signed URL', async () => {
    const { body } = await upload(PNG, 'image/png');
    const answers = {
      signedIn: await read(body.id, asUser()),
      signed: await read(body.url),
      head: await fetch(body.url, { method: 'HEAD' }),
      range: await read(body.url, { range: 'bytes=0-9' }),
      revalidated: await read(body.url, { 'if-none-match': `"${body.id}"`, 'cache-control': 'max-age=0' }),
    };
    const seen = Object.fromEntries(Object.entries(answers).map(([name, response]) => [name, [response.status, response.headers.get('content-security-policy'), response.headers.get('x-content-type-options'), response.headers.get('cross-origin-resource-policy')]]));
    expect(seen).toEqual({
      // An <img> on another site may show a signed URL (whoever has it may read it), never a signed-in read.
      signedIn: [200, FILE_POLICY, 'nosniff', 'same-site'],
      signed: [200, FILE_POLICY, 'nosniff', 'cross-origin'],
      head: [200, FILE_POLICY, 'nosniff', 'cross-origin'],
      range: [206, FILE_POLICY, 'nosniff', 'cross-origin'],
      revalidated: [304, FILE_POLICY, 'nosniff', 'cross-origin'],
    });
  });

  it('lets the browser keep a signed URL\'s file no longer than the URL works', async () => {
    const { body } = await upload(PNG, 'image/png');
    const expires = Number(new URL(body.url).searchParams.get('expires'));
    const left = expires - Date.now() / 1000;
    const cacheControl = (await read(body.url)).headers.get('cache-control') ?? '';
    const maxAge = Number(/max-age=(\d+)/.exec(cacheControl)?.[1]);
    expect(cacheControl).toMatch(/^private, max-age=\d+, immutable$/);
    expect(maxAge).toBeGreaterThan(left - 5);
    expect(maxAge).toBeLessThanOrEqual(Math.ceil(left));
    expect((await read(body.id, asUser())).headers.get('cache-control')).toBe('private, no-cache');
  });

  it('refuses a file past the file cap and an owner past theirs with a clear 413', async () => {
    const tooBig = await upload(randomBytes(1_001), 'image/png', { on: small });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({ code: 'request_too_large', param: 'file', message: expect.stringContaining('at most 1000 bytes') as string });
    const asJson = await upload(JSON.stringify({ data: `data:image/png;base64,${randomBytes(1_200).toString('base64')}` }), 'application/json', { on: small });
    expect(asJson.status).toBe(413);
    expect((await upload(randomBytes(1_000), 'image/png', { on: small })).status).toBe(201);
    expect((await upload(randomBytes(1_000), 'image/png', { on: small })).status).toBe(201);
    const full = await upload(randomBytes(900), 'image/png', { on: small });
    expect(full.status).toBe(413);
    expect(full.body.error.message).toMatch(/Your stored files would hold 2\.8 KB; the most allowed is 2\.4 KB/);
  });
});

/** The signed-in caller of the file routes `serveFile` serves, and the owner of its files. */
const identity: Identity = { projectId: 'p1', userId: 'u1', role: 'user' };
const owner: FileOwner = { projectId: 'p1', owner: 'user:u1' };

/**
 * The file routes alone in an app, as the gateway mounts them (signed URLs first, then the routes of the signed-in
 * caller `identity`), and file `id`'s two URLs on it.
 */
async function serveFile(files: GatewayFiles, id: string): Promise<{ server: Server; signedInUrl: string; signedUrl: string }> {
  const server = express()
    .use(signedFilesRouter(files))
    .use((_req, res, next) => {
      res.locals['identity'] = identity;
      next();
    })
    .use(filesRouter(files))
    .use(gatewayErrorHandler(() => undefined))
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, signedInUrl: `${base}/api/ai/files/${id}`, signedUrl: files.signedUrl(owner, id, base) };
}

/** A raw request, so nothing (fetch) fixes up what the test sends: the path goes as written. */
function raw(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<{ status: number; body: string }> {
  const base = new URL(harness.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: base.hostname, port: base.port, method, path: `${base.pathname}${path}`, headers: body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('hostile uploads and file ids are 4xx, never 500', () => {
  const internalErrors = () => [...harness.logs, ...small.logs].filter((line) => line.includes('unhandled error'));

  it('refuses a huge upload as it streams, with a 413', async () => {
    const huge = await upload(Buffer.alloc(12 * 1024 * 1024, 1), 'application/octet-stream', { on: small });
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toContain('a file is at most 1000 bytes');
    const hugeJson = await upload(JSON.stringify({ data: `data:image/png;base64,${'A'.repeat(11 * 1024 * 1024)}` }), 'application/json');
    expect(hugeJson.status).toBe(413);
  });

  it('refuses malformed data URLs, wrong base64, bad types and names, and empty files with a 400 naming the field', async () => {
    const cases: Array<[string | Buffer, string, string, string?]> = [
      [JSON.stringify({ data: 'not a data url' }), 'application/json', 'data'],
      [JSON.stringify({ data: 'data:image/png;base64' }), 'application/json', 'data'],
      [JSON.stringify({ data: 'data:image/png;base64,@@@@' }), 'application/json', 'data'],
      [JSON.stringify({ data: 'data:image/png;base64,QUJD=' }), 'application/json', 'data'],
      [JSON.stringify({ data: 'data:text/plain,%E0%A4%A' }), 'application/json', 'data'],
      [JSON.stringify({ data: 'data:<script>;base64,QUJD' }), 'application/json', 'data'],
      [JSON.stringify({ data: 42 }), 'application/json', 'data'],
      [JSON.stringify({ data: 'data:image/png;base64,QUJD', name: '../../etc/passwd' }), 'application/json', 'name'],
      [JSON.stringify({ data: 'data:image/png;base64,' }), 'application/json', 'file'],
      [Buffer.alloc(0), 'image/png', 'file'],
      [PNG, 'image/png', 'name', '?name=a%0Ab'],
      // JSON.stringify writes the lone surrogate as its escape, which the body parser reads back as one.
      [JSON.stringify({ data: 'data:image/png;base64,QUJD', name: '\ud800.png' }), 'application/json', 'name'],
    ];
    for (const [body, type, param, query] of cases) {
      const response = await upload(body, type, query === undefined ? {} : { query });
      expect({ body: String(body).slice(0, 60), status: response.status, param: response.body.error?.param }).toEqual({ body: String(body).slice(0, 60), status: 400, param });
    }
    const noType = await raw('POST', '/api/ai/files', { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'image' }, 'abc');
    expect(noType.status).toBe(400);
    expect(internalErrors()).toEqual([]);
  });

  it('answers 404 for ids that are no file: path traversal, encoded slashes, other lengths', async () => {
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', 'abc', 'a'.repeat(65), 'A'.repeat(64), `${'a'.repeat(63)}%00`]) {
      for (const headers of [asUser(), {}]) {
        const response = await raw('GET', `/api/ai/files/${id}?expires=9999999999&signature=${'A'.repeat(43)}`, headers);
        expect({ id, status: response.status }).toEqual({ id, status: id.includes('%00') ? 400 : 404 });
      }
      expect((await raw('GET', `/api/ai/files/${id}`, asUser())).status).toBe(id.includes('%00') ? 400 : 404);
      expect((await raw('DELETE', `/api/ai/files/${id}`, asUser())).status).toBe(id.includes('%00') ? 400 : 404);
    }
    expect((await raw('GET', '/api/ai/files/../../../etc/passwd', asUser())).status).toBe(404);
    expect(internalErrors()).toEqual([]);
  });
});

describe('file answers waiting for clients that do not read them', () => {
  let capped: Harness;
  beforeAll(async () => {
    capped = await startHarness({ files: { maxFileBytes: 8_000_000, maxBytesPerOwner: 50_000_000, maxSendingBytes: 20_000_000 } });
  });
  afterAll(() => capped?.close());

  it('hold at most maxSendingBytes: past it a read is a 503 with Retry-After, and a client that leaves frees its share', async () => {
    const bytes = randomBytes(8_000_000);
    const uploaded = await upload(bytes, 'application/octet-stream', { on: capped });
    expect(uploaded.status).toBe(201);
    const url = uploaded.body.url;
    const stalled = [await neverReadingRequest(url), await neverReadingRequest(url)];
    // Both answers are taken (16 MB of 20 MB); the next would pass the cap.
    await expect.poll(async () => (await read(url)).status, { timeout: 10_000 }).toBe(503);
    const refused = await read(url);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as ErrorBody).error.code).toBe('service_unavailable');
    stalled[0]!.destroy();
    await expect.poll(async () => (await read(url)).status, { timeout: 10_000 }).toBe(200);
    stalled[1]!.destroy();
  });
});

/** The file store, counting the reads that load a file's bytes into memory; `vanish` makes the next read find none. */
class CountingFileStore extends SqlFileStore {
  reads = 0;
  vanish = false;

  override async read(owner: FileOwner, id: string): Promise<(StoredFile & { bytes: Buffer }) | undefined> {
    this.reads += 1;
    if (this.vanish) {
      this.vanish = false;
      return undefined;
    }
    return super.read(owner, id);
  }
}

describe('file answers and the sending budget', () => {
  const MAX_SENDING_BYTES = 1_000_000;
  const bytes = randomBytes(400_000);
  let stores: GatewayStores;
  let store: CountingFileStore;
  let files: GatewayFiles;
  let server: Server;
  let signedInUrl: string;
  let signedUrl: string;

  beforeAll(async () => {
    stores = await openGatewayStores({ database: ':memory:', defaultProjectId: 'p1' });
    store = new CountingFileStore(stores.database.db, { limits: { maxFileBytes: 1_000_000, maxBytesPerOwner: 5_000_000 } });
    files = new GatewayFiles(store, new FileUrlSigner([randomBytes(32)]), undefined, MAX_SENDING_BYTES);
    const { id } = await store.put(owner, { bytes, mediaType: 'audio/wav' }, UPLOAD_HOLDER);
    ({ server, signedInUrl, signedUrl } = await serveFile(files, id));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await stores?.close();
  });

  /** Runs `body` while other answers hold 900 KB of the 1 MB budget: a 400 KB file does not fit. */
  async function whileBudgetHeld(body: () => Promise<void>): Promise<void> {
    const waiting = files.startSending(900_000);
    try {
      store.reads = 0;
      await body();
    } finally {
      waiting.release();
    }
  }
  /** Whether every file answer has let its share go: only then does an answer of the whole budget fit beside them. */
  const nothingHeld = () => {
    files.startSending(MAX_SENDING_BYTES).release();
    return true;
  };

  it('refuses a file with a 503 while other answers hold the budget, without reading it or giving the error its cache headers', async () => {
    await whileBudgetHeld(async () => {
      for (const url of [signedInUrl, signedUrl]) {
        const refused = await fetch(url);
        expect({ url, status: refused.status, reads: store.reads }).toEqual({ url, status: 503, reads: 0 });
        expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
        expect([refused.headers.get('cache-control'), refused.headers.get('etag'), refused.headers.get('content-disposition')]).toEqual([null, null, null]);
        expect(((await refused.json()) as ErrorBody).error.code).toBe('service_unavailable');
      }
    });
  });

  it('answers a 304, a HEAD and a 416 from the file\'s details, reading and reserving nothing, while the budget is full', async () => {
    await whileBudgetHeld(async () => {
      for (const url of [signedInUrl, signedUrl]) {
        const etag = `"${new URL(url).pathname.split('/').pop()}"`;
        const revalidated = await fetch(url, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } });
        expect([revalidated.status, revalidated.headers.get('etag'), revalidated.headers.get('content-security-policy'), store.reads]).toEqual([304, etag, FILE_POLICY, 0]);
        const head = await fetch(url, { method: 'HEAD' });
        expect([head.status, head.headers.get('content-length'), head.headers.get('content-type'), head.headers.get('accept-ranges')]).toEqual([200, String(bytes.length), 'audio/wav', 'bytes']);
        const headOfRange = await fetch(url, { method: 'HEAD', headers: { range: 'bytes=100-199' } });
        expect([headOfRange.status, headOfRange.headers.get('content-range'), headOfRange.headers.get('content-length')]).toEqual([206, `bytes 100-199/${bytes.length}`, '100']);
        expect((await fetch(url, { headers: { range: 'bytes=500000-' } })).status).toBe(416);
      }
      expect(store.reads).toBe(0);
    });
  });

  it('reads a file once the budget has room, and lets its share go when the answer has left', async () => {
    store.reads = 0;
    const whole = await fetch(signedInUrl);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await fetch(signedUrl, { headers: { range: 'bytes=-10' } });
    expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes ${bytes.length - 10}-${bytes.length - 1}/${bytes.length}`]);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(-10))).toBe(true);
    expect(store.reads).toBe(2);
    await expect.poll(nothingHeld, { timeout: 10_000 }).toBe(true);
  });

  it('answers 404 with none of the file\'s headers, and holds nothing, for a file deleted between its lookup and its read', async () => {
    store.vanish = true;
    const gone = await fetch(signedInUrl);
    expect([gone.status, gone.headers.get('etag'), gone.headers.get('cache-control')]).toEqual([404, null, null]);
    expect(((await gone.json()) as ErrorBody).error.code).toBe('not_found');
    await expect.poll(nothingHeld, { timeout: 10_000 }).toBe(true);
  });

  it('answers 404 for a file the caller does not hold, reading nothing', async () => {
    store.reads = 0;
    expect((await fetch(`${signedInUrl.slice(0, -1)}${signedInUrl.endsWith('a') ? 'b' : 'a'}`)).status).toBe(404);
    expect(store.reads).toBe(0);
  });
});

describe('a file whose bytes are gone from the storage folder', () => {
  let directory: string;
  let stores: GatewayStores;
  let store: CountingFileStore;
  let server: Server;
  let signedInUrl: string;
  let signedUrl: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'insforge-files-route-'));
    stores = await openGatewayStores({ database: ':memory:', defaultProjectId: 'p1' });
    store = new CountingFileStore(stores.database.db, { folder: new FolderBytes(directory) });
    const files = new GatewayFiles(store, new FileUrlSigner([randomBytes(32)]), undefined);
    const { id } = await store.put(owner, { bytes: PNG, mediaType: 'image/png' }, UPLOAD_HOLDER);
    ({ server, signedInUrl, signedUrl } = await serveFile(files, id));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await stores?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('answers a 304, a HEAD and a 416 as its GET does, a 404 without the file\'s headers, checking the folder without reading the bytes', async () => {
    const url = signedInUrl;
    const etag = `"${new URL(url).pathname.split('/').pop()}"`;
    // While the bytes are there: the file's answers.
    expect((await fetch(url, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } })).status).toBe(304);
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(200);
    await rm(directory, { recursive: true, force: true });
    for (const address of [signedInUrl, signedUrl]) {
      store.reads = 0;
      const answers = {
        revalidated: await fetch(address, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } }),
        head: await fetch(address, { method: 'HEAD' }),
        headOfRange: await fetch(address, { method: 'HEAD', headers: { range: 'bytes=0-9' } }),
        outOfRange: await fetch(address, { headers: { range: `bytes=${PNG.length + 10}-` } }),
      };
      const seen = Object.fromEntries(Object.entries(answers).map(([name, response]) => [name, [response.status, response.headers.get('etag'), response.headers.get('cache-control'), response.headers.get('content-disposition')]]));
      expect({ address, seen }).toEqual({ address, seen: Object.fromEntries(Object.keys(answers).map((name) => [name, [404, null, null, null]])) });
      expect(((await answers.revalidated.json()) as ErrorBody).error.code).toBe('not_found');
      expect(store.reads).toBe(0);
      // And the GET they agree with.
      const got = await fetch(address);
      expect([got.status, ((await got.json()) as ErrorBody).error.code]).toEqual([404, 'not_found']);
    }
  });
});
