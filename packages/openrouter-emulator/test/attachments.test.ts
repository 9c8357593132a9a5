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
