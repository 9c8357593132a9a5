import { dataUrlBytes, imageInputTokens, imageSize, pdfPageCount } from '@insforge/ai-protocol';
import type { CatalogModel } from '../catalog/types.js';
import { countTokens, isRecord } from '../content/tokens.js';
import { VIDEO_TOKENS_PER_SECOND, videoInputTokens } from '../content/video.js';
import { EmulatorHttpError } from '../http.js';

/** Tokens a page of a PDF costs when the model reads the file itself (`native`). */
export const NATIVE_PDF_PAGE_TOKENS = 1_000;
/** USD per page of the `mistral-ocr` engine of the file-parser plugin ($2 per 1,000 pages). */
export const OCR_PAGE_USD = 0.002;
/** Tokens of input audio per 1,000 bytes (about 32 a second of 16 kHz 16-bit speech). */
const AUDIO_TOKENS_PER_KB = 1;
/** The length a linked video (a YouTube link) is billed as: the emulator does not fetch it. */
const LINKED_VIDEO_SECONDS = 60;

export type PdfEngine = 'native' | 'mistral-ocr' | 'pdf-text';

/** What the attachments of a chat cost and what the answer says it received. */
export interface AttachmentUse {
  /** Prompt tokens of the images, PDFs, audio and video (text parts are counted elsewhere). */
  tokens: number;
  /** Of `tokens`, those of video (`prompt_tokens_details.video_tokens`). */
  videoTokens: number;
  /** Of `tokens`, those of audio (`prompt_tokens_details.audio_tokens`), at the model's audio price. */
  audioTokens: number;
  /** Images, each billed the model's image price on top of its tokens. */
  images: number;
  /** PDF pages parsed by the OCR engine, each billed `OCR_PAGE_USD`. */
  ocrPages: number;
  /** One line an attachment, for the answer: `an image of 1024×768 pixels`, `a PDF of 10 pages ("report.pdf")`. */
  received: string[];
}

/** The text a PDF shows, as a text engine extracts it: its `(…) Tj` strings. */
function pdfText(bytes: Uint8Array): string {
  // One character a byte, ASCII as it is ('latin1' is windows-1252 to TextDecoder), decoded in one pass.
  const text = new TextDecoder('latin1').decode(bytes);
  return [...text.matchAll(/\(((?:\\.|[^\\)])*)\)\s*Tj/g)].map((match) => match[1]).join(' ');
}

/** The engine a PDF is read with: the file-parser plugin's, else the model's own reading, else OCR. */
function pdfEngineOf(body: Record<string, unknown>, model: CatalogModel): PdfEngine {
  const plugin = (Array.isArray(body['plugins']) ? body['plugins'].filter(isRecord) : []).find((candidate) => candidate['id'] === 'file-parser');
  const engine = plugin && isRecord(plugin['pdf']) ? plugin['pdf']['engine'] : undefined;
  if (engine === 'mistral-ocr' || engine === 'pdf-text' || engine === 'native') return engine;
  return model.architecture.input_modalities.includes('file') ? 'native' : 'mistral-ocr';
}

/**
 * Reads every attachment of a chat as OpenRouter's providers do: an image costs tokens by its pixel size (and the
 * model's fee per image), a PDF by its pages (or its text, with a text engine) plus the OCR engine's fee, audio and
 * video by their length (audio at the model's audio price). A model
 * whose `input_modalities` lack images, audio or video refuses them as OpenRouter does (no endpoint supports the
 * input). Data URLs are read in any case (`DATA:image/png;base64,…`), as their scheme is case-insensitive.
 */
export function readAttachments(body: Record<string, unknown>, model: CatalogModel): AttachmentUse {
  const use: AttachmentUse = { tokens: 0, videoTokens: 0, audioTokens: 0, images: 0, ocrPages: 0, received: [] };
  const messages = Array.isArray(body['messages']) ? body['messages'].filter(isRecord) : [];
  const inputs = model.architecture.input_modalities;
  // Every attachment of the conversation is billed; the answer names those of the message it answers.
  const answered = messages.findLast((message) => message['role'] === 'user');
  for (const message of messages) {
    if (!Array.isArray(message['content'])) continue;
    const received = message === answered ? use.received : [];
    for (const part of message['content'].filter(isRecord)) {
      if (part['type'] === 'image_url') {
        if (!inputs.includes('image')) throw new EmulatorHttpError(404, 'No endpoints found that support image input');
        const url = isRecord(part['image_url']) && typeof part['image_url']['url'] === 'string' ? part['image_url']['url'] : '';
        const decoded = dataUrlBytes(url);
        const size = decoded ? imageSize(decoded.bytes) : undefined;
        if (decoded && !size) throw new EmulatorHttpError(400, `Invalid image: the data URL does not hold a PNG, JPEG, GIF or WebP image (${decoded.mimeType || 'no type'}).`);
        use.tokens += size ? imageInputTokens(size) : 85;
        use.images += 1;
        received.push(size ? `an image of ${size.width}×${size.height} pixels` : `an image at ${url.slice(0, 80)}`);
      } else if (part['type'] === 'file') {
        const file = isRecord(part['file']) ? part['file'] : {};
        const name = typeof file['filename'] === 'string' ? file['filename'] : 'a file';
        const decoded = typeof file['file_data'] === 'string' ? dataUrlBytes(file['file_data']) : undefined;
        const pages = decoded ? pdfPageCount(decoded.bytes) : undefined;
        if (!decoded || pages === undefined) throw new EmulatorHttpError(400, `Failed to parse ${name}: only PDF files (as a data URL) can be read.`);
        const engine = pdfEngineOf(body, model);
        if (engine === 'native') use.tokens += pages * NATIVE_PDF_PAGE_TOKENS;
        else use.tokens += countTokens(pdfText(decoded.bytes));
        if (engine === 'mistral-ocr') use.ocrPages += pages;
        received.push(`a PDF of ${pages} page${pages === 1 ? '' : 's'} ("${name}", read with ${engine})`);
      } else if (part['type'] === 'input_audio') {
        if (!inputs.includes('audio')) throw new EmulatorHttpError(404, 'No endpoints found that support input audio');
        const audio = isRecord(part['input_audio']) ? part['input_audio'] : {};
        const data = typeof audio['data'] === 'string' ? audio['data'] : '';
        const bytes = Math.floor((data.length * 3) / 4) - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
        const tokens = Math.max(1, Math.ceil((bytes / 1_000) * AUDIO_TOKENS_PER_KB));
        use.tokens += tokens;
        use.audioTokens += tokens;
        received.push(`${bytes} bytes of ${typeof audio['format'] === 'string' ? audio['format'] : 'audio'} audio`);
      } else if (part['type'] === 'video_url' || part['type'] === 'input_video') {
        if (!inputs.includes('video')) throw new EmulatorHttpError(404, 'No endpoints found that support video input');
        const url = isRecord(part['video_url']) && typeof part['video_url']['url'] === 'string' ? part['video_url']['url'] : '';
        const decoded = dataUrlBytes(url);
        const video = decoded ? videoInputTokens(decoded.bytes) : { seconds: LINKED_VIDEO_SECONDS, tokens: LINKED_VIDEO_SECONDS * VIDEO_TOKENS_PER_SECOND };
        use.tokens += video.tokens;
        use.videoTokens += video.tokens;
        received.push(decoded ? `a video of ${Math.round(video.seconds)} seconds` : `a video at ${url.slice(0, 80)}`);
      }
    }
  }
  return use;
}
