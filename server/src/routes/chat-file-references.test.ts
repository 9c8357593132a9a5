import { renderImage, renderPdf } from '@insforge/openrouter-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import type { ConversationBody } from '@insforge/ai-protocol';
import type { UploadedFileResponse } from './files.js';

let harness: Harness;
let otherUserKey: string;
beforeAll(async () => {
  harness = await startHarness({ features: [...DEFAULT_FEATURES, { name: 'jpeg-only', model: 'openai/gpt-4o-mini', extensions: { attachments: { image: { mimeTypes: ['image/jpeg'] } } } }] });
  otherUserKey = (await (await harness.gateway.ready).clientKeys.create('default', { label: 'other', userId: 'user-2' }, 'test')).key;
});
afterAll(() => harness.close());

type ErrorBody = { error: { message: string; code: string; param: string | null } };
type Completion = { choices: Array<{ message: { content: string } }> };

const headers = (key = CLIENT_KEY) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const post = async <T>(path: string, body: unknown, key = CLIENT_KEY) => {
  const response = await fetch(`${harness.url}${path}`, { method: 'POST', headers: headers(key), body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T & ErrorBody };
};
const upload = async (bytes: Buffer, mediaType: string, key = CLIENT_KEY) =>
  (await post<UploadedFileResponse>('/api/ai/files', { data: `data:${mediaType};base64,${bytes.toString('base64')}` }, key)).body;
const chat = (content: unknown[], key = CLIENT_KEY, model = 'chat') => post<Completion>('/v1/chat/completions', { model, messages: [{ role: 'user', content }] }, key);
const upstreamMessagesOf = (generationId: string | undefined) => (harness.emulator.probe(generationId!)!.request as { messages: unknown[] }).messages;

describe('a chat request names files of the store instead of carrying them', () => {
  it('puts the bytes of a signed URL or a reference in before the policy and the estimate, for the owner', async () => {
    const image = renderImage({ prompt: 'a tram', width: 64, height: 48 });
    const pdf = renderPdf(3);
    const storedImage = await upload(image, 'image/png');
    const storedPdf = await upload(pdf, 'application/pdf');
    const before = harness.usage.records.length;
    const answer = await chat([
      { type: 'text', text: 'What are these?' },
      { type: 'image_url', image_url: { url: storedImage.url } },
      { type: 'file', file: { filename: 'timetable.pdf', file_data: `insforge-file:${storedPdf.id}` } },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.choices[0]?.message.content).toContain('I received an image of 64×48 pixels, a PDF of 3 pages ("timetable.pdf"');
    const [record] = harness.usage.records.slice(before);
    expect(upstreamMessagesOf(record?.generationId)[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What are these?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } },
        { type: 'file', file: { filename: 'timetable.pdf', file_data: `data:application/pdf;base64,${pdf.toString('base64')}` } },
      ],
    });
  });

  it('lets the feature\'s attachment policy judge the file a reference names', async () => {
    const stored = await upload(renderImage({ prompt: 'a png', width: 8, height: 8 }), 'image/png');
    const refused = await chat([{ type: 'image_url', image_url: { url: stored.url } }], CLIENT_KEY, 'jpeg-only');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'parameter_not_allowed', param: 'messages.0.content.0', message: expect.stringContaining('image/png') as string });
  });

  it('sends back a reloaded conversation\'s signed URLs, after their expiry too, without uploading again', async () => {
    const image = renderImage({ prompt: 'a lighthouse', width: 40, height: 30 });
    const saved = await fetch(`${harness.url}/api/ai/conversations/reload`, {
      method: 'PUT',
      headers: headers(),
      body: JSON.stringify({ messages: [{ id: 'm1', role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } }] }] }),
    });
    expect(saved.status).toBe(201);
    const reloaded = (await (await fetch(`${harness.url}/api/ai/conversations/reload?attachments=reference`, { headers: headers() })).json()) as ConversationBody;
    const { url } = (reloaded.messages[0] as unknown as { content: Array<{ image_url: { url: string } }> }).content[0]!.image_url;
    expect(url).toContain('signature=');
    const expired = url.replace(/expires=\d+/, 'expires=1000');
    for (const sent of [url, expired]) {
      const answer = await chat([{ type: 'text', text: 'And this?' }, { type: 'image_url', image_url: { url: sent } }]);
      expect(answer.status).toBe(200);
      expect(answer.body.choices[0]?.message.content).toContain('an image of 40×30 pixels');
    }
  });

  it('refuses a reference or signed URL of a file the caller does not hold with a 400 naming the part', async () => {
    const theirs = await upload(renderImage({ prompt: 'private', width: 16, height: 16 }), 'image/png', otherUserKey);
    const unknown = 'a'.repeat(64);
    for (const [content, param] of [
      [[{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: theirs.url } }], 'messages.0.content.1.image_url.url'],
      [[{ type: 'image_url', image_url: { url: `insforge-file:${theirs.id}` } }], 'messages.0.content.0.image_url.url'],
      [[{ type: 'input_audio', input_audio: { data: `insforge-file:${unknown}`, format: 'wav' } }], 'messages.0.content.0.input_audio.data'],
    ] as const) {
      const refused = await chat([...content]);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'invalid_parameter', param });
      expect(refused.body.error.message).toContain('holds no file');
      // Refused in the plan: nothing reached OpenRouter.
      expect(harness.usage.records.at(-1)).toMatchObject({ status: 'rejected', errorCode: 'invalid_parameter', attempts: 0 });
    }
  });
});

describe('the files a chat request names are bounded by what their owner may hold', () => {
  it('refuses a request that names a file again and again past the owner\'s file cap with a 413 naming the part, before building it', async () => {
    // A few bytes of references stood for gigabytes of base64, all built before the policy counted a single part.
    const capped = await startHarness({ files: { maxBytesPerOwner: 1024 * 1024 }, features: [...DEFAULT_FEATURES, { name: 'many', model: 'openai/gpt-4o-mini', extensions: { attachments: { image: { maxCount: 100 } } } }] });
    try {
      const image = Buffer.concat([renderImage({ prompt: 'a tram', width: 16, height: 16 }), Buffer.alloc(300 * 1024, 1)]);
      const stored = (await (await fetch(`${capped.url}/api/ai/files`, { method: 'POST', headers: headers(), body: JSON.stringify({ data: `data:image/png;base64,${image.toString('base64')}` }) })).json()) as UploadedFileResponse;
      const ask = async (times: number) => {
        const content = Array.from({ length: times }, () => ({ type: 'image_url', image_url: { url: `insforge-file:${stored.id}` } }));
        const response = await fetch(`${capped.url}/v1/chat/completions`, { method: 'POST', headers: headers(), body: JSON.stringify({ model: 'many', messages: [{ role: 'user', content }] }) });
        return { status: response.status, body: (await response.json()) as ErrorBody };
      };
      // Three times is 900 KB, within the owner's 1 MB: sent.
      expect((await ask(3)).status).toBe(200);
      const refused = await ask(50);
      expect(refused.status).toBe(413);
      expect(refused.body.error).toMatchObject({ code: 'request_too_large', param: 'messages.0.content.3.image_url.url' });
      expect(refused.body.error.message).toContain('1 MB');
    } finally {
      await capped.close();
    }
  });
});
