import { randomBytes } from 'node:crypto';
import { renderImage, renderPdf } from '@insforge/openrouter-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { neverReadingRequest } from '../../test/raw-http.js';
import type { ConversationBody } from '@insforge/ai-protocol';

let harness: Harness;
let otherUserKey: string;
beforeAll(async () => {
  harness = await startHarness({ conversations: { messageBytes: 64 * 1024 } });
  otherUserKey = (await (await harness.gateway.ready).clientKeys.create('default', { label: 'other', userId: 'user-2' }, 'test')).key;
});
afterAll(() => harness.close());

type ErrorBody = { error: { message: string; code: string; param: string | null } };

async function call<T>(method: string, path: string, body?: unknown, key = CLIENT_KEY) {
  const response = await fetch(`${harness.url}/api/ai/conversations${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T & ErrorBody };
}

const dataUrl = (mediaType: string, bytes: Buffer) => `data:${mediaType};base64,${bytes.toString('base64')}`;
const photo = renderImage({ prompt: 'a tram in Lisbon', width: 64, height: 48 });
const large = randomBytes(200 * 1024);
const pdf = renderPdf(2);
const audio = randomBytes(3_000);
const drawn = renderImage({ prompt: 'a drawn lighthouse', width: 40, height: 40 });

/** A conversation with a file in every shape a message carries one: the client's parts and OpenAI's. */
const messages = () => [
  {
    id: 'u1',
    role: 'user',
    parts: [
      { type: 'text', text: 'What are these?' },
      { type: 'file', kind: 'image', mediaType: 'image/png', name: 'tram.png', size: photo.length, url: dataUrl('image/png', photo) },
      { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'timetable.pdf', size: pdf.length, url: `data:application/pdf;name=timetable.pdf;base64,${pdf.toString('base64')}` },
      // Past the conversation's 64 KB message cap as text: only its reference counts.
      { type: 'file', kind: 'file', mediaType: 'application/octet-stream', size: large.length, url: dataUrl('application/octet-stream', large) },
    ],
  },
  { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'A tram.' }, { type: 'image', url: dataUrl('image/png', drawn) }] },
  {
    id: 'u2',
    role: 'user',
    content: [
      { type: 'image_url', image_url: { url: dataUrl('image/png', photo), detail: 'low' } },
      { type: 'file', file: { filename: 'timetable.pdf', file_data: dataUrl('application/pdf', pdf) } },
      { type: 'input_audio', input_audio: { data: audio.toString('base64'), format: 'wav' } },
      // Left as sent: a link, percent-encoded text, base64 that would not encode back the same.
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      { type: 'file', file: { file_data: 'data:text/plain,hello%20there' } },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,QUJD\nRA==' } },
    ],
  },
  { id: 'a2', role: 'assistant', content: 'Here it is.', images: [{ type: 'image_url', image_url: { url: dataUrl('image/png', drawn) } }] },
];

const partsOf = (message: unknown) => (message as { parts: Array<{ url?: string }> }).parts;

/** Every URL (or audio base64) of a conversation's files, in order. */
const fileStrings = (conversation: { messages: unknown[] }) => JSON.stringify(conversation.messages).match(/"(?:url|file_data|data)":"[^"]*"/g) ?? [];

describe('attachments of saved conversations rest in the file store', () => {
  it('saves messages with data URLs and reads them back exactly as they were sent, counting references, not bytes', async () => {
    const sent = messages();
    const saved = await call<ConversationBody>('PUT', '/with-files', { title: 'Files', messages: sent });
    expect(saved.status).toBe(201);
    expect(saved.body.messages).toEqual(sent);
    const read = await call<ConversationBody>('GET', '/with-files');
    expect(read.body.messages).toEqual(sent);

    const { db } = (await harness.gateway.ready).database;
    const stored = await db.selectFrom('conversation_messages').select('body').execute();
    const text = stored.map((row) => row.body).join('');
    expect(text).not.toContain(photo.toString('base64').slice(0, 100));
    expect(text).toMatch(/insforge-file:[0-9a-f]{64}#application\/pdf;name=timetable\.pdf;base64/);
    // The photo twice, the drawing twice, the PDF twice: each stored once.
    const blobs = await db.selectFrom('file_blobs').select('size').execute();
    expect(blobs.map((blob) => Number(blob.size)).sort((a, b) => a - b)).toEqual([audio.length, drawn.length, photo.length, pdf.length, large.length].sort((a, b) => a - b));
    const totals = await db.selectFrom('conversation_owners').select('byte_count').where('owner', '=', 'user:user-1').executeTakeFirstOrThrow();
    expect(Number(totals.byte_count)).toBeLessThan(5_000);
    const files = await db.selectFrom('file_owner_totals').select('byte_count').where('owner', '=', 'user:user-1').executeTakeFirstOrThrow();
    expect(Number(files.byte_count)).toBe(audio.length + drawn.length + photo.length + pdf.length + large.length);
  });

  it('answers signed URLs with ?attachments=reference that load without credentials, and keeps them as references when saved back', async () => {
    const read = await call<ConversationBody>('GET', '/with-files?attachments=reference');
    expect(read.status).toBe(200);
    const urls = fileStrings(read.body).map((entry) => entry.replace(/^"[a-z_]+":"|"$/g, ''));
    const signed = urls.filter((url) => url.includes('/api/ai/files/'));
    expect(signed).toHaveLength(8);
    for (const url of signed) expect(url).toMatch(new RegExp(`^${harness.url}/api/ai/files/[0-9a-f]{64}\\?expires=\\d+&owner=[\\w-]+&signature=[\\w-]{43}$`));
    const image = await fetch(signed[0]!);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(photo)).toBe(true);
    // What is not in the store stays as sent.
    expect(urls).toEqual(expect.arrayContaining(['https://example.com/cat.png', 'data:text/plain,hello%20there']));

    // A client that saves what it read (signed URLs, which expire) saves the references they stand for.
    const again = await call<ConversationBody>('PUT', '/with-files', { messages: read.body.messages });
    expect(again.status).toBe(200);
    const { db } = (await harness.gateway.ready).database;
    const bodies = (await db.selectFrom('conversation_messages').select('body').execute()).map((row) => row.body).join('');
    expect(bodies).not.toContain('signature=');
    const inline = await call<ConversationBody>('GET', '/with-files');
    expect(partsOf(inline.body.messages[0])[1]?.url).toBe(dataUrl('image/png', photo));
    // A signed URL of someone else's file is not theirs to keep: it stays as sent, and the file stays theirs.
    const foreign = await call<ConversationBody>('PUT', '/foreign', { messages: [{ id: 'm', role: 'user', parts: [{ type: 'image', url: signed[0] }] }] }, otherUserKey);
    expect(foreign.status).toBe(201);
    expect((await call<ConversationBody>('GET', '/foreign', undefined, otherUserKey)).body.messages[0]).toEqual({ id: 'm', role: 'user', parts: [{ type: 'image', url: signed[0] }] });
  });

  it('appends messages with files, and lets the files go with the conversation', async () => {
    const extra = randomBytes(1_500);
    await call('PUT', '/appended', { messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] });
    const appended = await call('POST', '/appended/messages', { messages: [{ id: 'm2', role: 'user', parts: [{ type: 'file', kind: 'file', mediaType: 'application/zip', size: 1_500, url: dataUrl('application/zip', extra) }] }] });
    expect(appended.body).toEqual({ appended: 1, messageCount: 2 });
    const reference = await call<ConversationBody>('GET', '/appended?attachments=reference');
    const url = partsOf(reference.body.messages[1])[0]!.url!;
    expect((await fetch(url)).status).toBe(200);
    expect((await call<ConversationBody>('GET', '/appended')).body.messages[1]).toMatchObject({ parts: [{ url: dataUrl('application/zip', extra) }] });

    expect((await call('DELETE', '/appended')).status).toBe(204);
    expect((await fetch(url)).status).toBe(404);
    // Replacing a conversation lets go of the files it no longer names (the photo stays: other messages name it).
    const before = await (await harness.gateway.ready).database.db.selectFrom('file_blobs').select('id').execute();
    await call('PUT', '/with-files', { messages: messages().slice(0, 1).map((message) => ({ ...message, parts: message.parts?.slice(0, 2) })) });
    const after = await (await harness.gateway.ready).database.db.selectFrom('file_blobs').select('id').execute();
    expect(before.length - after.length).toBe(4);
  });

  it('keeps every file the last of several concurrent saves names, and no other', async () => {
    const images = Array.from({ length: 6 }, () => randomBytes(800));
    const saves = await Promise.all(images.map((bytes, index) => call('PUT', '/racing', { messages: [{ id: 'm', role: 'user', parts: [{ type: 'file', url: dataUrl('image/png', bytes) }], save: index }] })));
    expect(saves.every((save) => save.status === 200 || save.status === 201)).toBe(true);
    const read = await call<ConversationBody>('GET', '/racing');
    const { save } = read.body.messages[0] as unknown as { save: number };
    expect(partsOf(read.body.messages[0])[0]?.url).toBe(dataUrl('image/png', images[save]!));
    const { db } = (await harness.gateway.ready).database;
    // One file is held, by the conversation: the other saves' files (and their writes' own holds) are gone.
    const held = await db.selectFrom('file_holds').select(['file_id', 'holder']).where('owner', '=', 'user:user-1').where('holder', '!=', 'conversation:with-files').execute();
    expect(held).toEqual([{ file_id: expect.any(String) as string, holder: 'conversation:racing' }]);
    expect((await call('DELETE', '/racing')).status).toBe(204);
  });

  it('refuses a file past the file cap with a 413 naming the part, and keeps nothing of the refused save', async () => {
    const tooBig = dataUrl('application/octet-stream', Buffer.alloc(10 * 1024 * 1024 + 1, 7));
    const refused = await call('PUT', '/too-big', { messages: [{ id: 'm', role: 'user', parts: [{ type: 'text', text: 'x' }, { type: 'file', url: tooBig }] }] });
    // The body itself is past the JSON cap first: either way a 413, never a 500.
    expect(refused.status).toBe(413);
    const small = await startHarness({ files: { maxFileBytes: 1_000 } });
    try {
      const response = await fetch(`${small.url}/api/ai/conversations/too-big`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
        body: JSON.stringify({ messages: [{ id: 'a', role: 'user', parts: [{ type: 'image', url: dataUrl('image/png', photo.subarray(0, 500)) }] }, { id: 'b', role: 'user', parts: [{ type: 'file', url: dataUrl('image/png', randomBytes(1_001)) }] }] }),
      });
      expect(response.status).toBe(413);
      expect(((await response.json()) as ErrorBody).error).toMatchObject({ code: 'request_too_large', param: 'messages.1.parts.0.url' });
      const { db } = (await small.gateway.ready).database;
      expect(await db.selectFrom('file_owners').selectAll().execute()).toEqual([]);
      expect(await db.selectFrom('file_blobs').selectAll().execute()).toEqual([]);
    } finally {
      await small.close();
    }
  });
});

describe('a conversation read back inline is bounded by what its owner may hold', () => {
  it('answers a page whose references name a file past the owner\'s file cap with a 413, and serves it with signed URLs', async () => {
    // A 64 KB message of references read back inline stood for gigabytes of base64: a 500 (no string that long) or
    // the gateway's memory.
    const capped = await startHarness({ files: { maxBytesPerOwner: 1024 * 1024 } });
    try {
      const read = async (path: string) => {
        const response = await fetch(`${capped.url}/api/ai/conversations${path}`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
        return { status: response.status, body: (await response.json()) as ConversationBody & ErrorBody };
      };
      const bytes = randomBytes(300 * 1024);
      const url = dataUrl('application/octet-stream', bytes);
      const saved = await fetch(`${capped.url}/api/ai/conversations/echo`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` }, body: JSON.stringify({ messages: [{ id: 'u1', role: 'user', parts: [{ type: 'file', url }] }] }) });
      expect(saved.status).toBe(201);
      const id = new URL(partsOf((await read('/echo?attachments=reference')).body.messages[0])[0]!.url!).pathname.split('/').at(-1)!;
      // Three messages name it once each: 900 KB inline, within the cap.
      const named = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `m${index}`, role: 'user', parts: [{ type: 'file', url: `insforge-file:${id}` }] }));
      const put = async (count: number) => (await fetch(`${capped.url}/api/ai/conversations/echo`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` }, body: JSON.stringify({ messages: named(count) }) })).status;
      expect(await put(3)).toBe(200);
      const within = await read('/echo');
      expect(within.status).toBe(200);
      expect(within.body.messages.map((message) => partsOf(message)[0]?.url === url)).toEqual([true, true, true]);
      expect(await put(40)).toBe(200);
      const refused = await read('/echo');
      expect(refused.status).toBe(413);
      expect(refused.body.error).toMatchObject({ code: 'request_too_large', param: 'messages.3.parts.0.url' });
      expect(refused.body.error.message).toContain('attachments=reference');
      const referenced = await read('/echo?attachments=reference');
      expect(referenced.status).toBe(200);
      expect(referenced.body.messages).toHaveLength(40);
    } finally {
      await capped.close();
    }
  });
});

describe('conversation reads that inline files for clients that do not read them', () => {
  let capped: Harness;
  beforeAll(async () => {
    capped = await startHarness({ maxBodyBytes: 20_000_000, files: { maxFileBytes: 9_000_000, maxBytesPerOwner: 50_000_000, maxSendingBytes: 20_000_000 } });
  });
  afterAll(() => capped?.close());

  it('count the files they inline with the file answers: past maxSendingBytes a read is a 503, and a client that leaves frees its share', async () => {
    const bytes = randomBytes(8_000_000);
    const created = await fetch(`${capped.url}/api/ai/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}` },
      body: JSON.stringify({ messages: [{ id: 'u1', role: 'user', parts: [{ type: 'file', kind: 'file', mediaType: 'application/octet-stream', size: bytes.length, url: dataUrl('application/octet-stream', bytes) }] }] }),
    });
    expect(created.status).toBe(201);
    const url = `${capped.url}/api/ai/conversations/${((await created.json()) as { id: string }).id}`;
    const read = () => fetch(url, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    const asUser = { headers: `Authorization: Bearer ${CLIENT_KEY}\r\n` };
    const stalled = [await neverReadingRequest(url, asUser), await neverReadingRequest(url, asUser)];
    await expect.poll(async () => (await read()).status, { timeout: 10_000 }).toBe(503);
    const refused = await read();
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as ErrorBody).error.code).toBe('service_unavailable');
    // With references instead, nothing is inlined and nothing waits.
    expect((await fetch(`${url}?attachments=reference`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status).toBe(200);
    stalled[0]!.destroy();
    await expect.poll(async () => (await read()).status, { timeout: 10_000 }).toBe(200);
    stalled[1]!.destroy();
  });
});
