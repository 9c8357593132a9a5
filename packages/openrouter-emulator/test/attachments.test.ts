import OpenAI, { NotFoundError } from 'openai';
import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPdf } from '../src/content/pdf.js';
import { renderImage } from '../src/content/png.js';
import { startEmulator, type Emulator } from '../src/index.js';
import { rejectionOf } from './client.js';

// Attachments as OpenRouter's providers take them: images billed by their pixel size, PDFs by page (native reading)
// or by text (text engines) plus the OCR engine's fee, audio by length; a model that lacks the input refuses it.
// The answer says what it received, so a test sees the attachment arrived.

let emulator: Emulator;
let openai: OpenAI;
beforeAll(async () => {
  emulator = await startEmulator();
  openai = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey, maxRetries: 0 });
});
afterAll(() => emulator.close());

const pdfOf = (pages: number) => `data:application/pdf;base64,${renderPdf(pages).toString('base64')}`;
const png = `data:image/png;base64,${renderImage({ prompt: 'a fjord', width: 1024, height: 768, seed: 1 }).toString('base64')}`;
const ask = (model: string, parts: ChatCompletionContentPart[], extra: Record<string, unknown> = {}) =>
  openai.chat.completions.create({ model, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is attached?' }, ...parts] }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming);
const textOnly = (model: string) => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'What is attached?' }] });
const costOf = (usage: unknown) => (usage as { cost: number }).cost;
/** A minimal MP4: a `ftyp` box, then `moov` holding a version-0 `mvhd` of `seconds` at a timescale of 1,000. */
function mp4Of(seconds: number): Buffer {
  const box = (type: string, body: Buffer) => {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(8 + body.length);
    return Buffer.concat([size, Buffer.from(type, 'latin1'), body]);
  };
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1_000, 12);
  mvhd.writeUInt32BE(seconds * 1_000, 16);
  return Buffer.concat([box('ftyp', Buffer.from('isom\0\0\0\0isommp41', 'latin1')), box('moov', box('mvhd', mvhd)), box('mdat', Buffer.alloc(64))]);
}
const video = (url: string) => ({ type: 'video_url', video_url: { url } }) as unknown as ChatCompletionContentPart;

describe('attachments', () => {
  it('an image is billed by its pixel size, and the answer says what it saw', async () => {
    const answer = await ask('openai/gpt-4o-mini', [{ type: 'image_url', image_url: { url: png } }]);
    expect(answer.choices[0]?.message.content).toContain('I received an image of 1024×768 pixels.');
    const plain = await textOnly('openai/gpt-4o-mini');
    expect(answer.usage!.prompt_tokens - plain.usage!.prompt_tokens).toBeGreaterThanOrEqual(1_048);
    expect(answer.usage!.prompt_tokens - plain.usage!.prompt_tokens).toBeLessThan(1_048 + 20);
  });

  it('a later turn names only its own attachments, while every earlier one is still billed', async () => {
    const image: ChatCompletionContentPart = { type: 'image_url', image_url: { url: png } };
    const first = await ask('openai/gpt-4o-mini', [image]);
    const later = await openai.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is attached?' }, image] },
        { role: 'assistant', content: first.choices[0]?.message.content ?? '' },
        { role: 'user', content: 'And what colour is it?' },
      ],
    });
    expect(later.choices[0]?.message.content).not.toContain('I received');
    expect(later.usage!.prompt_tokens).toBeGreaterThan(first.usage!.prompt_tokens);
    const again = await openai.chat.completions.create({
      model: 'google/gemini-3.5-flash',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is attached?' }, image] },
        { role: 'assistant', content: 'An image.' },
        { role: 'user', content: [{ type: 'text', text: 'And this one?' }, { type: 'input_audio', input_audio: { data: Buffer.alloc(3_000).toString('base64'), format: 'mp3' } }] },
      ],
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(again.choices[0]?.message.content).toContain('I received 3000 bytes of mp3 audio.');
    expect(again.choices[0]?.message.content).not.toContain('pixels');
  });

  it('a model without image or audio input refuses them as OpenRouter does', async () => {
    const refused = await rejectionOf(ask('deepseek/deepseek-r1', [{ type: 'image_url', image_url: { url: png } }]));
    expect(refused).toBeInstanceOf(NotFoundError);
    expect((refused as NotFoundError).message).toContain('No endpoints found that support image input');
    const audio = await rejectionOf(ask('openai/gpt-4o-mini', [{ type: 'input_audio', input_audio: { data: Buffer.alloc(32_000).toString('base64'), format: 'wav' } }]));
    expect((audio as NotFoundError).message).toContain('No endpoints found that support input audio');
    const heard = await ask('google/gemini-3.5-flash', [{ type: 'input_audio', input_audio: { data: Buffer.alloc(32_000).toString('base64'), format: 'wav' } }]);
    expect(heard.choices[0]?.message.content).toContain('I received 32000 bytes of wav audio.');
  });

  it('a video is billed by its length (video_tokens in the usage), not as text; a model that does not watch refuses it', async () => {
    const plain = await textOnly('google/gemini-3.5-flash');
    const clip = await ask('google/gemini-3.5-flash', [video(`data:video/mp4;base64,${mp4Of(10).toString('base64')}`)]);
    expect(clip.choices[0]?.message.content).toContain('I received a video of 10 seconds.');
    const details = clip.usage as unknown as { prompt_tokens: number; prompt_tokens_details: { video_tokens: number } };
    expect(details.prompt_tokens_details.video_tokens).toBe(2_630);
    expect(details.prompt_tokens - plain.usage!.prompt_tokens).toBeGreaterThanOrEqual(2_630);
    expect(details.prompt_tokens - plain.usage!.prompt_tokens).toBeLessThan(2_630 + 20);
    // The legacy input_video part is the same video; a video with no header that says its length goes by its size.
    const legacy = await ask('google/gemini-3.5-flash', [{ type: 'input_video', video_url: { url: `data:video/mp4;base64,${mp4Of(10).toString('base64')}` } } as unknown as ChatCompletionContentPart]);
    expect((legacy.usage as unknown as typeof details).prompt_tokens_details.video_tokens).toBe(2_630);
    const webm = await ask('google/gemini-3.5-flash', [video(`data:video/webm;base64,${Buffer.alloc(1_250_000, 1).toString('base64')}`)]);
    expect((webm.usage as unknown as typeof details).prompt_tokens_details.video_tokens).toBe(10 * 263);
    const refused = await rejectionOf(ask('openai/gpt-4o-mini', [video(`data:video/mp4;base64,${mp4Of(10).toString('base64')}`)]));
    expect((refused as NotFoundError).message).toContain('No endpoints found that support video input');
  });

  it('reads a data URL whatever the case of its scheme (DATA:), as the scheme is case-insensitive', async () => {
    const lower = await ask('openai/gpt-4o-mini', [{ type: 'image_url', image_url: { url: png } }]);
    const upper = await ask('openai/gpt-4o-mini', [{ type: 'image_url', image_url: { url: `DATA:image/png;BASE64,${png.slice(png.indexOf(',') + 1)}` } }]);
    expect(upper.choices[0]?.message.content).toContain('I received an image of 1024×768 pixels.');
    expect(upper.usage!.prompt_tokens).toBe(lower.usage!.prompt_tokens);
  });

  it('a PDF: read natively by page, by a text engine for its text, or by OCR with its fee per page', async () => {
    const file = (pages: number): ChatCompletionContentPart => ({ type: 'file', file: { filename: 'report.pdf', file_data: pdfOf(pages) } });
    const plain = await textOnly('openai/gpt-4o-mini');
    const native = await ask('openai/gpt-4o-mini', [file(10)]);
    expect(native.choices[0]?.message.content).toContain('I received a PDF of 10 pages ("report.pdf", read with native).');
    expect(native.usage!.prompt_tokens - plain.usage!.prompt_tokens).toBeGreaterThanOrEqual(10_000);
    const text = await ask('openai/gpt-4o-mini', [file(10)], { plugins: [{ id: 'file-parser', pdf: { engine: 'pdf-text' } }] });
    expect(text.usage!.prompt_tokens - plain.usage!.prompt_tokens).toBeLessThan(200);
    const ocr = await ask('openai/gpt-4o-mini', [file(10)], { plugins: [{ id: 'file-parser', pdf: { engine: 'mistral-ocr' } }] });
    expect(ocr.choices[0]?.message.content).toContain('read with mistral-ocr');
    // Its tokens as the text engine's, plus $0.002 a page on top of what the tokens cost.
    const details = (ocr.usage as unknown as { cost_details: { upstream_inference_prompt_cost: number; upstream_inference_completions_cost: number } }).cost_details;
    expect(costOf(ocr.usage) - details.upstream_inference_prompt_cost - details.upstream_inference_completions_cost).toBeCloseTo(10 * 0.002, 9);
    expect(ocr.usage!.prompt_tokens).toBe(text.usage!.prompt_tokens);
    // A model that cannot read files gets OCR without asking.
    const deepseek = await ask('deepseek/deepseek-r1', [file(2)]);
    expect(deepseek.choices[0]?.message.content).toContain('read with mistral-ocr');
    const broken = await rejectionOf(ask('openai/gpt-4o-mini', [{ type: 'file', file: { filename: 'x.pdf', file_data: 'data:application/pdf;base64,aGVsbG8=' } }]));
    expect((broken as Error).message).toContain('Failed to parse x.pdf');
  });
});
