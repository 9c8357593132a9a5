import { dataUrlBytes, imageInputTokens, imageSize, isDataUrl, pdfPageCount } from '@insforge/ai-protocol';
import { isRecord } from '../records.js';

/** Tokens assumed for an image whose size cannot be read here (a link): the most any image is billed. */
const UNKNOWN_IMAGE_TOKENS = 1_600;
/** Tokens a PDF page may cost read natively, at most (models bill from a few hundred to about 1,500). */
export const PDF_PAGE_TOKENS = 1_500;
/** USD a page of the dearest PDF engine (`mistral-ocr`, $2 per 1,000 pages). */
export const OCR_PAGE_USD = 0.002;
/** Audio tokens per 1,000 bytes, at most (speech bills about 32 a second at 16 kHz). */
const AUDIO_TOKENS_PER_KB = 2;

/** What a chat's attachments may cost, read from their bytes: the estimate prices them, not their base64 text. */
export interface AttachmentFacts {
  /** Prompt tokens of images and audio, at most. */
  tokens: number;
  /** Of `tokens`, those of audio: a model may price them above its prompt tokens (`pricing.audio`). */
  audioTokens: number;
  /** Images (`image_url`), inline or linked: a model may bill each on top of its tokens (`pricing.image`). */
  images: number;
  /** Pages of the PDFs, priced per model: tokens per page, and the OCR fee where the model cannot read files. */
  pdfPages: number;
  /**
   * Videos (`video_url`, `input_video`), inline or linked. Providers bill a video by its length (Gemini about 260 to
   * 300 tokens a second), which neither its bytes bound (a still scene encodes to almost nothing) nor its header
   * proves, so the estimate reserves the model's whole context window for a prompt that holds one.
   */
  videos: number;
  /** A part is marked `cache_control`: its prefix may be written to the provider's cache, dearer than the prompt. */
  writesCache: boolean;
}

/** The size of a data URL's payload in characters (0 for a link), to leave out of the prompt's text. */
const payloadLength = (url: unknown) => (typeof url === 'string' && isDataUrl(url) ? url.length - url.indexOf(',') - 1 : 0);

/**
 * Reads the attachments of a chat's messages: their worst-case tokens, PDF pages and videos, and how many characters of
 * base64 they add to the body (which the prompt's size leaves out, since they are not billed as text).
 */
export function attachmentFactsOf(messages: readonly unknown[]): AttachmentFacts & { payloadCharacters: number } {
  const facts = { tokens: 0, audioTokens: 0, images: 0, pdfPages: 0, videos: 0, payloadCharacters: 0, writesCache: false };
  for (const message of messages) {
    const content = isRecord(message) ? message['content'] : undefined;
    if (!Array.isArray(content)) continue;
    for (const part of content.filter(isRecord)) {
      if (part['cache_control'] !== undefined) facts.writesCache = true;
      if (part['type'] === 'image_url') {
        const url = isRecord(part['image_url']) ? part['image_url']['url'] : undefined;
        const decoded = typeof url === 'string' ? dataUrlBytes(url) : undefined;
        const size = decoded ? imageSize(decoded.bytes) : undefined;
        facts.tokens += size ? imageInputTokens(size) : UNKNOWN_IMAGE_TOKENS;
        facts.images += 1;
        facts.payloadCharacters += payloadLength(url);
      } else if (part['type'] === 'file') {
        const data = isRecord(part['file']) ? part['file']['file_data'] : undefined;
        const decoded = typeof data === 'string' ? dataUrlBytes(data) : undefined;
        const pages = decoded ? pdfPageCount(decoded.bytes) : undefined;
        // Not a PDF the gateway can count: read as text, at most a token a byte.
        if (pages === undefined) facts.tokens += decoded?.bytes.length ?? 0;
        else facts.pdfPages += pages;
        facts.payloadCharacters += payloadLength(data);
      } else if (part['type'] === 'input_audio') {
        const data = isRecord(part['input_audio']) ? part['input_audio']['data'] : undefined;
        const length = typeof data === 'string' ? data.length : 0;
        const tokens = Math.ceil(((length * 3) / 4 / 1_000) * AUDIO_TOKENS_PER_KB);
        facts.tokens += tokens;
        facts.audioTokens += tokens;
        facts.payloadCharacters += length;
      } else if (part['type'] === 'video_url' || part['type'] === 'input_video') {
        facts.videos += 1;
        facts.payloadCharacters += payloadLength(isRecord(part['video_url']) ? part['video_url']['url'] : undefined);
      }
    }
  }
  return facts;
}

/** USD a web search result (OpenRouter's default engine: $4 per 1,000 results). */
const WEB_SEARCH_RESULT_USD = 0.004;
/** Results a web search returns when the request does not say (OpenRouter's default). */
const DEFAULT_SEARCH_RESULTS = 5;

/**
 * USD a model's own (native) web search may cost a request, at most: OpenAI's price at its largest search context
 * ($50 per 1,000 requests), which `web_search_options.search_context_size: "high"` asks for.
 */
const NATIVE_SEARCH_USD = 0.05;

const resultsFee = (asked: unknown) => (typeof asked === 'number' && Number.isFinite(asked) && asked > 0 ? Math.ceil(asked) : DEFAULT_SEARCH_RESULTS) * WEB_SEARCH_RESULT_USD;

/**
 * The fee of the web searches a chat may run on a model whose own search (`pricing.web_search`) costs `nativeUsd`
 * (0 where it has none), at most. A search asked for (the `openrouter:web_search` server tool or the `web` plugin)
 * runs on OpenRouter's engine, its `max_results` (else OpenRouter's default of 5) at the per-result price, or on the
 * model's own engine at its price (the plugin's default for Anthropic, OpenAI, Perplexity and xAI models): the dearer
 * of the two. `web_search_options` has the model search natively, so it counts the dearest of that search, OpenAI's
 * priciest (`NATIVE_SEARCH_USD`) and the results' fee. A model that searches whether asked or not (`searchesUnasked`)
 * adds its own search to one asked for through OpenRouter's engine. 0 without a search.
 */
export function webSearchFeeOf(body: Record<string, unknown>, nativeUsd: number, searchesUnasked: boolean): number {
  const tools = Array.isArray(body['tools']) ? body['tools'].filter(isRecord) : [];
  const plugins = Array.isArray(body['plugins']) ? body['plugins'].filter(isRecord) : [];
  const tool = tools.find((candidate) => candidate['type'] === 'openrouter:web_search');
  const plugin = plugins.find((candidate) => candidate['id'] === 'web');
  const options = isRecord(body['web_search_options']) ? body['web_search_options'] : undefined;
  const asked = tool ? (isRecord(tool['parameters']) ? tool['parameters']['max_results'] : tool['max_results']) : plugin?.['max_results'];
  const searchFee = tool || plugin ? Math.max(resultsFee(asked), nativeUsd) : 0;
  if (options) return Math.max(searchFee, resultsFee(options['max_results'] ?? asked), NATIVE_SEARCH_USD, nativeUsd);
  return searchFee + (searchesUnasked ? nativeUsd : 0);
}

/**
 * The fee a model id ending in `:online` adds when it serves a chat: that of OpenRouter's `web` plugin, which the
 * suffix runs, at its default results or on the model's own engine (`nativeUsd`), the dearer; none when the chat
 * sends the plugin itself (the same search, counted by `webSearchFeeOf`).
 */
export function onlineSearchFeeOf(body: Record<string, unknown>, nativeUsd: number): number {
  const plugins = Array.isArray(body['plugins']) ? body['plugins'].filter(isRecord) : [];
  return plugins.some((plugin) => plugin['id'] === 'web') ? 0 : Math.max(resultsFee(undefined), nativeUsd);
}

/**
 * The tokens of a predicted output (`prediction.content`): those the model does not use are billed as output on
 * top of the answer, so the estimate counts them all. At most a token a byte, as the prompt's (its text, or its
 * parts as JSON).
 */
export function predictionTokensOf(body: Record<string, unknown>): number {
  const prediction = body['prediction'];
  if (!isRecord(prediction) || prediction['content'] === undefined) return 0;
  const content = prediction['content'];
  return Buffer.byteLength(typeof content === 'string' ? content : JSON.stringify(content));
}
