import { dataUrlBytes, imageInputTokens, imageSize, isDataUrl, pdfPageCount } from '@insforge/ai-protocol';
import { GatewayError } from '../errors.js';
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

const resultsOf = (asked: unknown) => (typeof asked === 'number' && Number.isFinite(asked) && asked > 0 ? Math.ceil(asked) : DEFAULT_SEARCH_RESULTS);
const resultsFee = (asked: unknown) => resultsOf(asked) * WEB_SEARCH_RESULT_USD;

/**
 * Searches the `openrouter:web_search` server tool may run in one request when the request does not bound them
 * (`parameters.max_uses`): the model calls it as often as it likes, each search billed, and OpenRouter only stops
 * returning results after 50 in all (`max_total_results`' default), ten searches at its default of 5 results. The
 * gateway sends this bound with every request that offers the tool without one (`boundWebSearches`), so the estimate
 * has a number of searches to reserve.
 */
export const DEFAULT_MAX_SEARCHES = 10;
/** Results OpenRouter's engines return across all of a request's searches when it does not say (`max_total_results`). */
const DEFAULT_TOTAL_RESULTS = 50;

/** A positive whole number a request set, else `fallback`. */
const boundOf = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback);

/**
 * A setting of the `openrouter:web_search` tool a chat offers, the larger where it is set both in `parameters` and
 * beside `type` (as some clients send it): whichever OpenRouter reads, the estimate counts the larger.
 */
function webSearchSettingOf(tool: Record<string, unknown>, name: string): number | undefined {
  const parameters = isRecord(tool['parameters']) ? tool['parameters'] : {};
  const set = [parameters[name], tool[name]].map((value) => boundOf(value, 0)).filter((value) => value > 0);
  return set.length > 0 ? Math.max(...set) : undefined;
}

/** OpenRouter's engines for the web search tool: each enforces `max_uses` itself. */
const BOUNDED_ENGINES: ReadonlySet<unknown> = new Set(['exa', 'parallel', 'firecrawl', 'perplexity']);
/** The engine a tool left to OpenRouter's choice is sent with where that choice may be a search past `max_uses`. */
const BOUNDED_DEFAULT_ENGINE = 'exa';

/**
 * OpenRouter's engines whose searches cost no more than their results at `WEB_SEARCH_RESULT_USD` (Exa bills per result,
 * Parallel $0.005 per search of up to 10, Firecrawl on the user's own key). Perplexity's is left out: its price per
 * search is not published, so the model's own search price is counted for it as for `auto`.
 */
const RESULT_PRICED_ENGINES: ReadonlySet<unknown> = new Set(['exa', 'parallel', 'firecrawl']);

/** Whether the web search tool runs on one of `RESULT_PRICED_ENGINES`, wherever OpenRouter reads its engine. */
function runsOnResultEngine(tool: Record<string, unknown>): boolean {
  const parameters = isRecord(tool['parameters']) ? tool['parameters'] : {};
  const set = [parameters['engine'], tool['engine']].filter((engine) => engine != null);
  return set.length > 0 && set.every((engine) => RESULT_PRICED_ENGINES.has(engine));
}

/** Whether a chat offers the `openrouter:web_search` server tool. */
export const offersWebSearchTool = (body: Record<string, unknown>): boolean =>
  Array.isArray(body['tools']) && body['tools'].some((tool: unknown) => isRecord(tool) && tool['type'] === 'openrouter:web_search');

/**
 * The engine the `tools[index]` web search tool is sent with when the chat may be served by `model`, whose own search
 * does not keep `max_uses`: `exa` for one left to OpenRouter's choice (no `engine`, or `"auto"`, which is the model's own
 * search there), the client's where it names one of OpenRouter's engines. Any other (`"native"`) is a 400
 * `web_search_unbounded`, before anything is sent. Read in `parameters`, where OpenRouter's schema has it, and beside
 * `type`, as some clients send it: whichever OpenRouter reads must keep the bound.
 */
function boundedEngineOf(tool: Record<string, unknown>, index: number, model: string): unknown {
  const parameters = isRecord(tool['parameters']) ? tool['parameters'] : {};
  const set = [
    { param: `tools.${index}.parameters.engine`, engine: parameters['engine'] },
    { param: `tools.${index}.engine`, engine: tool['engine'] },
  ].filter((setting) => setting.engine != null);
  const unbounded = set.find((setting) => setting.engine !== 'auto' && !BOUNDED_ENGINES.has(setting.engine));
  if (unbounded) {
    const served = `"${model.slice(0, 120)}" (a model this chat may be served by)`;
    const why = unbounded.engine === 'native'
      ? `runs the model's own search, which on ${served} does not keep max_uses`
      : `is not an engine known to keep max_uses, and ${served} searches past it on its own`;
    throw new GatewayError(
      'web_search_unbounded',
      `${unbounded.param}: ${String(JSON.stringify(unbounded.engine)).slice(0, 40)} ${why}, so its searches could be neither bounded nor reserved for. Leave the engine unset or "auto" (the gateway then sends "${BOUNDED_DEFAULT_ENGINE}"), or name one of OpenRouter's engines: ${[...BOUNDED_ENGINES].join(', ')}.`,
      { param: unbounded.param },
    );
  }
  return set.length === 0 || set.some((setting) => setting.engine === 'auto') ? BOUNDED_DEFAULT_ENGINE : (parameters['engine'] ?? tool['engine']);
}

/**
 * Bounds how often the `openrouter:web_search` server tool may search in one request: a tool sent without
 * `max_uses` gets `DEFAULT_MAX_SEARCHES`, which OpenRouter enforces on its own engines (Exa, Parallel, Firecrawl,
 * Perplexity) and forwards to Anthropic's native search; a client's own `max_uses` stands (the estimate counts it).
 * Where the chat may be served by a model whose own search does not keep it (`searchesPastMaxUses`, from
 * `modelSearchingPastMaxUses`: any maker's but Anthropic's, a router), the tool runs on OpenRouter's engine: `exa` where
 * the client named none (or `"auto"`), and a 400 `web_search_unbounded` where it named the model's own (`"native"`).
 * The body is changed in place.
 * @example
 * boundWebSearches(body); // tools: [{ type: 'openrouter:web_search', parameters: { max_uses: 10 } }]
 * boundWebSearches(body, 'openai/gpt-5.4-mini'); // … parameters: { max_uses: 10, engine: 'exa' }
 */
export function boundWebSearches(body: Record<string, unknown>, searchesPastMaxUses?: string): void {
  if (!Array.isArray(body['tools'])) return;
  body['tools'] = body['tools'].map((tool: unknown, index: number) => {
    if (!isRecord(tool) || tool['type'] !== 'openrouter:web_search') return tool;
    const parameters = isRecord(tool['parameters']) ? tool['parameters'] : {};
    // In `parameters`, where OpenRouter's schema has it, whatever the client wrote (one beside `type` is copied there).
    const bound = webSearchSettingOf(tool, 'max_uses') ?? DEFAULT_MAX_SEARCHES;
    if (searchesPastMaxUses === undefined) return parameters['max_uses'] === bound ? tool : { ...tool, parameters: { ...parameters, max_uses: bound } };
    const engine = boundedEngineOf(tool, index, searchesPastMaxUses);
    return { ...tool, ...(tool['engine'] == null ? {} : { engine }), parameters: { ...parameters, max_uses: bound, engine } };
  });
}

/**
 * The fee of the web searches a chat may run on a model whose own search (`pricing.web_search`) costs `nativeUsd`
 * (0 where it has none), at most. The `web` plugin searches once; the `openrouter:web_search` server tool as often as
 * the model calls it, up to its `max_uses` (`DEFAULT_MAX_SEARCHES` where the request sets none). A search runs on
 * OpenRouter's engine, its `max_results` (else OpenRouter's default of 5) at the per-result price, no more than
 * `max_total_results` (else 50) in all, or on the model's own engine at its price per search (the default for
 * Anthropic, OpenAI, Perplexity and xAI models, but for the server tool on the last three, which the gateway sends to
 * OpenRouter's engine: `boundWebSearches`): the dearer of the two, or the results alone for a tool on an engine billed
 * by its results (`RESULT_PRICED_ENGINES`). `web_search_options` has the model search
 * natively, so it counts the dearest of that search, OpenAI's priciest (`NATIVE_SEARCH_USD`) and the results' fee. A
 * model that searches whether asked or not (`searchesUnasked`) adds its own search to one asked for through
 * OpenRouter's engine. 0 without a search.
 */
export function webSearchFeeOf(body: Record<string, unknown>, nativeUsd: number, searchesUnasked: boolean): number {
  const plugins = Array.isArray(body['plugins']) ? body['plugins'].filter(isRecord) : [];
  const tools = Array.isArray(body['tools']) ? body['tools'].filter(isRecord) : [];
  const tool = tools.find((candidate) => candidate['type'] === 'openrouter:web_search');
  const plugin = plugins.find((candidate) => candidate['id'] === 'web');
  const options = isRecord(body['web_search_options']) ? body['web_search_options'] : undefined;
  const asked = tool ? webSearchSettingOf(tool, 'max_results') : plugin?.['max_results'];
  let searchFee = 0;
  if (tool) {
    const searches = webSearchSettingOf(tool, 'max_uses') ?? DEFAULT_MAX_SEARCHES;
    const results = Math.min(searches * resultsOf(asked), webSearchSettingOf(tool, 'max_total_results') ?? DEFAULT_TOTAL_RESULTS);
    // On an engine of OpenRouter's own, results are what is billed (the model's own search is not run).
    searchFee = Math.max(results * WEB_SEARCH_RESULT_USD, runsOnResultEngine(tool) ? 0 : searches * nativeUsd);
  } else if (plugin) searchFee = Math.max(resultsFee(asked), nativeUsd);
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
