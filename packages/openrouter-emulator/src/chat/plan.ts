import { llamaGuardPrompt } from '@insforge/ai-protocol';
import type { Catalog, TokenPrices } from '../catalog/catalog.js';
import { pricesFor } from '../catalog/catalog.js';
import { NoProviderError, providerPricing, providerProfile, routeProvider, type ProviderProfile } from '../catalog/providers.js';
import type { CatalogModel } from '../catalog/types.js';
import type { EmulatorContext } from '../context.js';
import { hashString } from '../content/hash.js';
import { renderImage, sizeForAspectRatio } from '../content/png.js';
import { isModerationModel, moderationVerdict } from '../content/moderation.js';
import { composeReasoning, composeReply, quote } from '../content/reply.js';
import { sampleFromSchema } from '../content/structured.js';
import { contentText, countPromptTokens, countTokens, isRecord, splitTokens } from '../content/tokens.js';
import { EmulatorHttpError } from '../http.js';
import { logprobsAsked } from './logprobs.js';
import { readAttachments } from './attachments.js';
import { promptCacheUse } from './prompt-cache.js';
import { healedContent, structuredContent } from './structured-output.js';
import { checkReasoningContinuity, reasoningStyleOf, type ReasoningStyle } from './reasoning-details.js';
import type { Scenario } from '../scenario.js';

/** Tokens an output image is billed as (Gemini bills 1290 a picture). */
export const IMAGE_OUTPUT_TOKENS = 1290;
const DEFAULT_REPLY_TOKENS = 48;
/** Output tokens of a model whose catalog entry bounds neither its output nor its context. */
const DEFAULT_OUTPUT_TOKENS = 4_096;
const REASONING_BY_EFFORT: Record<string, number> = { minimal: 8, low: 16, medium: 32, high: 64, xhigh: 96, max: 128 };

export interface PlannedToolCall {
  id: string;
  name: string;
  /** The arguments JSON, split into the pieces that stream as deltas. */
  argumentPieces: string[];
}

/** One web search result as a `url_citation` annotation: where its `[n]` marker stands in the answer. */
export interface Citation {
  url: string;
  title: string;
  content: string;
  start_index: number;
  end_index: number;
}

/** Everything one chat generation will say, decided before the first byte goes out. */
export interface ChatPlan {
  model: CatalogModel;
  provider: ProviderProfile;
  /** The serving provider's prices (an open-weights model's later hosts charge more than the list price). */
  prices: TokenPrices;
  promptTokens: number;
  reasoningPieces: string[];
  /** Reasoning was produced and billed but `reasoning.exclude` keeps it out of the response. */
  reasoningHidden: boolean;
  /** How the model family hands its reasoning back (`reasoning_details` entries, signatures). */
  reasoningStyle: ReasoningStyle;
  contentPieces: string[];
  toolCalls: PlannedToolCall[];
  /** `data:image/png;base64,…` URLs. */
  images: string[];
  /** Web search results the answer cites (`message.annotations`); empty without web search. */
  citations: Citation[];
  /** Results of OpenRouter's own web search (billed per result), cited or not; 0 without it or on a native search. */
  webSearchResults: number;
  /** Searches on the model's own engine (billed at its `web_search` price each). */
  webSearches: number;
  /** Searches the request ran, on any engine (`usage.server_tool_use.web_search_requests`); 0 without one. */
  webSearchRequests: number;
  /** Of `promptTokens`, those of input audio (billed at the audio price). */
  audioTokens: number;
  /** Input images, each billed the model's image price on top of its tokens. */
  inputImages: number;
  /** PDF pages the OCR engine parsed (billed per page). */
  ocrPages: number;
  /** Of `promptTokens`, those of input video. */
  videoTokens: number;
  /** Prompt tokens read from, and written to, the provider's prompt cache. */
  cachedTokens: number;
  cacheWriteTokens: number;
  finishReason: 'stop' | 'length' | 'tool_calls';
  nativeFinishReason: string;
  /** Alternatives per token of `logprobs` (0 for the token alone), or undefined when none are sent. */
  logprobs: number | undefined;
  /** Completion tokens of the whole answer, reasoning and images included. */
  completionTokens: number;
}

/**
 * The provider that serves the request: the scenario's when it forces one, else OpenRouter's routing under the
 * request's `provider` object; a 404 with OpenRouter's words when that object leaves none.
 */
export function providerFor(body: Record<string, unknown>, model: CatalogModel, scenario: Scenario): string {
  if (scenario.provider) return scenario.provider;
  try {
    return routeProvider(model, body['provider']);
  } catch (error) {
    if (error instanceof NoProviderError) throw new EmulatorHttpError(404, error.message);
    throw error;
  }
}

/** The served model: the first known id among `model` and the `models` fallback list. */
export function resolveChatModel(catalog: Catalog, requested: string[], wantsImage: boolean): CatalogModel {
  for (const id of requested) {
    const model = catalog.find(id);
    if (model && catalog.kindOf(model) === 'chat') return catalog.routeTarget(model, wantsImage);
  }
  const first = requested[0] ?? '';
  const known = catalog.find(first);
  if (known) throw new EmulatorHttpError(404, `No endpoints found for ${first}.`);
  throw new EmulatorHttpError(400, `${first} is not a valid model ID`);
}

function lastOf<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let index = items.length - 1; index >= 0; index -= 1) {
    const item = items[index] as T;
    if (test(item)) return item;
  }
  return undefined;
}

function reasoningBudget(body: Record<string, unknown>, model: CatalogModel, scenario: Scenario): number {
  const reasoning = isRecord(body['reasoning']) ? body['reasoning'] : undefined;
  const disabled = reasoning?.['enabled'] === false || reasoning?.['effort'] === 'none' || body['include_reasoning'] === false;
  const asked = reasoning !== undefined || body['include_reasoning'] === true;
  const byModel = model.reasoning?.mandatory === true || model.reasoning?.default_enabled === true;
  if (model.reasoning?.mandatory !== true && (disabled || (!asked && !byModel))) return 0;
  if (scenario.reasoningTokens !== undefined) return scenario.reasoningTokens;
  if (typeof reasoning?.['max_tokens'] === 'number') return Math.min(reasoning['max_tokens'], 256);
  const effort = typeof reasoning?.['effort'] === 'string' ? reasoning['effort'] : 'low';
  return REASONING_BY_EFFORT[effort] ?? 16;
}

/**
 * The tool calls of an answer, decided from the request alone so tests can assert on them: `tool_choice: "none"`
 * calls nothing; a named function (or `required`) is called alone; otherwise every tool the user's message mentions
 * (its name, or all its name's words: "create a ticket" for `create_ticket`) is called, in the order the tools are listed
 * (several calls in one answer, unless `parallel_tool_calls` is false), and when none is mentioned the first tool, or
 * none under the scenario's `toolCalls: "mentioned"`.
 */
function planToolCalls(body: Record<string, unknown>, userText: string, generation: string, scenario: Scenario, maxTokens: number): PlannedToolCall[] {
  const functions = (Array.isArray(body['tools']) ? body['tools'].filter(isRecord) : [])
    .map((tool) => (isRecord(tool['function']) ? tool['function'] : undefined))
    .filter((fn): fn is Record<string, unknown> & { name: string } => fn !== undefined && typeof fn['name'] === 'string');
  const choice = body['tool_choice'];
  if (functions.length === 0 || choice === 'none') return [];
  const named = isRecord(choice) && isRecord(choice['function']) ? choice['function']['name'] : undefined;
  const text = userText.toLowerCase();
  // Named as it is, or by all of its name's words (`create_ticket`: "create a ticket").
  const mentions = (name: string) => text.includes(name.toLowerCase()) || name.toLowerCase().split(/[_-]+/).every((word) => word !== '' && text.includes(word));
  const mentioned = functions.filter((fn) => mentions(fn.name));
  const unmentioned = choice === 'required' || scenario.toolCalls !== 'mentioned' ? functions.slice(0, 1) : [];
  let picked = named !== undefined ? functions.filter((fn) => fn.name === named).slice(0, 1) : mentioned.length > 0 ? mentioned : unmentioned;
  if (body['parallel_tool_calls'] === false) picked = picked.slice(0, 1);
  return picked.map((fn, index) => ({
    id: `call_${generation.slice(-12)}${index === 0 ? '' : `_${index}`}`,
    name: fn.name,
    argumentPieces: splitTokens(JSON.stringify(sampleFromSchema(fn['parameters'] ?? { type: 'object' }, userText, maxTokens))),
  }));
}

/**
 * The results a follow-up turn answers from: the `tool` messages after the last assistant message. One result is
 * quoted as it is; several are named by the function each answers (from the assistant's `tool_calls`).
 */
function toolResultsOf(messages: ReadonlyArray<Record<string, unknown>>): string | undefined {
  let start = messages.length;
  while (start > 0 && messages[start - 1]?.['role'] === 'tool') start -= 1;
  const results = messages.slice(start);
  if (results.length === 0) return undefined;
  if (results.length === 1) return contentText(results[0]?.['content']);
  const calls = messages[start - 1]?.['tool_calls'];
  const nameOf = (id: unknown) => {
    const call = Array.isArray(calls) ? calls.filter(isRecord).find((candidate) => candidate['id'] === id) : undefined;
    return call && isRecord(call['function']) && typeof call['function']['name'] === 'string' ? call['function']['name'] : 'tool';
  };
  return results.map((result) => `${nameOf(result['tool_call_id'])}: ${contentText(result['content'])}`).join('; ');
}

const DEFAULT_SEARCH_RESULTS = 5;

/** Endpoints with this context length or less compress prompts unless the request says not to (OpenRouter's default). */
const COMPRESSED_BY_DEFAULT = 8_192;

/**
 * Whether context compression ("middle-out") fits the prompt to the context: asked with the `context-compression`
 * plugin (unless `enabled: false`) or the older `transforms: ["middle-out"]`; by default for a context of 8,192 tokens
 * or less, which `transforms: []` or the disabled plugin turns off.
 */
function compressesContext(body: Record<string, unknown>, contextLength: number): boolean {
  const transforms = Array.isArray(body['transforms']) ? body['transforms'] : undefined;
  const plugin = (Array.isArray(body['plugins']) ? body['plugins'].filter(isRecord) : []).find((candidate) => candidate['id'] === 'context-compression');
  if (transforms?.includes('middle-out') || (plugin !== undefined && plugin['enabled'] !== false)) return true;
  return contextLength <= COMPRESSED_BY_DEFAULT && transforms === undefined && plugin === undefined;
}

/**
 * How many results a web search returns, when the request asks for one: the `openrouter:web_search` server tool
 * (`parameters.max_results`), the older `web` plugin (`max_results`) or `:online` suffix; undefined for none.
 */
function webSearchResultsOf(body: Record<string, unknown>): number | undefined {
  const tool = (Array.isArray(body['tools']) ? body['tools'].filter(isRecord) : []).find((candidate) => candidate['type'] === 'openrouter:web_search');
  const plugin = (Array.isArray(body['plugins']) ? body['plugins'].filter(isRecord) : []).find((candidate) => candidate['id'] === 'web');
  // The older `:online` model suffix searches too, with the default number of results.
  if (!tool && !plugin) return typeof body['model'] === 'string' && body['model'].endsWith(':online') ? DEFAULT_SEARCH_RESULTS : undefined;
  const asked = tool ? (isRecord(tool['parameters']) ? tool['parameters']['max_results'] : tool['max_results']) : plugin?.['max_results'];
  return typeof asked === 'number' && Number.isInteger(asked) ? Math.min(10, Math.max(1, asked)) : DEFAULT_SEARCH_RESULTS;
}

/** Results OpenRouter's engines return across all of a request's searches when the tool does not say. */
const DEFAULT_TOTAL_RESULTS = 50;

/** Who makes a model: its id's author, an alias's (`~openai/gpt-latest`) that of the model it stands for. */
const makerOf = (model: CatalogModel) => model.id.replace(/^~/, '').split('/')[0] ?? '';

/**
 * How often the model searches in one request: the `openrouter:web_search` server tool as often as the `searches`
 * knob says, up to its `max_uses` where the engine honours it (OpenRouter's engines, and Anthropic's own search, to
 * which OpenRouter forwards it); the `web` plugin and the `:online` suffix once.
 */
function searchCountOf(body: Record<string, unknown>, model: CatalogModel, scenario: Scenario, onModelEngine: boolean): number {
  const tool = (Array.isArray(body['tools']) ? body['tools'].filter(isRecord) : []).find((candidate) => candidate['type'] === 'openrouter:web_search');
  if (!tool) return 1;
  const settings = isRecord(tool['parameters']) ? tool['parameters'] : tool;
  const bound = settings['max_uses'];
  const honoured = !onModelEngine || makerOf(model) === 'anthropic';
  const wanted = scenario.searches ?? 1;
  return honoured && typeof bound === 'number' && Number.isInteger(bound) && bound >= 1 ? Math.min(wanted, bound) : wanted;
}

/** The most results a request's searches return in all (`max_total_results`, else 50). */
function totalResultsOf(body: Record<string, unknown>): number {
  const tool = (Array.isArray(body['tools']) ? body['tools'].filter(isRecord) : []).find((candidate) => candidate['type'] === 'openrouter:web_search');
  const settings = tool ? (isRecord(tool['parameters']) ? tool['parameters'] : tool) : {};
  const total = settings['max_total_results'];
  return typeof total === 'number' && Number.isInteger(total) && total >= 1 ? total : DEFAULT_TOTAL_RESULTS;
}

/** Providers whose own search engine OpenRouter's web search runs on unless the request names another. */
const NATIVE_SEARCH_AUTHORS = new Set(['anthropic', 'openai', 'perplexity', 'x-ai']);

/**
 * The searches a chat runs on the model's own engine, billed its `web_search` price (none for a model without one):
 * one for a model that takes `web_search_options` (OpenAI's search models and Perplexity's Sonar search on every
 * request), one asked with `web_search_options`, and one asked through the `openrouter:web_search` tool, the `web`
 * plugin or the `:online` suffix (`searchAsked`) whose engine is `native`, or left to OpenRouter (`auto`, or none) on a
 * model of Anthropic, OpenAI, Perplexity or xAI. Such a search replaces OpenRouter's (`replacesResults`: no fee per
 * result).
 */
function nativeSearchOf(body: Record<string, unknown>, model: CatalogModel, prices: TokenPrices, searchAsked: boolean): { searches: number; replacesResults: boolean; onModelEngine: boolean } {
  if (prices.webSearch <= 0) return { searches: 0, replacesResults: false, onModelEngine: false };
  const always = model.supported_parameters.includes('web_search_options');
  const tool = (Array.isArray(body['tools']) ? body['tools'].filter(isRecord) : []).find((candidate) => candidate['type'] === 'openrouter:web_search');
  const plugin = (Array.isArray(body['plugins']) ? body['plugins'].filter(isRecord) : []).find((candidate) => candidate['id'] === 'web');
  const engine = tool ? (isRecord(tool['parameters']) ? tool['parameters']['engine'] : tool['engine']) : plugin?.['engine'];
  const onModelEngine = engine === 'native' || ((engine === undefined || engine === 'auto') && NATIVE_SEARCH_AUTHORS.has(makerOf(model)));
  const replacesResults = searchAsked && (onModelEngine || isRecord(body['web_search_options']));
  return { searches: always || replacesResults || isRecord(body['web_search_options']) ? 1 : 0, replacesResults, onModelEngine };
}

/** The answer with its sources listed at the end (`[1] [2]…`), and a citation for each marker. */
function withSources(answer: string, userText: string, results: number): { text: string; citations: Citation[] } {
  const slug = userText.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'search';
  let text = `${answer}\n\nSources:`;
  const citations: Citation[] = [];
  for (let index = 1; index <= results; index += 1) {
    text += ' ';
    const marker = `[${index}]`;
    citations.push({
      url: `https://example.org/${slug}/${index}`,
      title: `${quote(userText, 60)} (result ${index})`,
      content: `A page about "${quote(userText, 120)}", found by the emulator's web search as result ${index}.`,
      start_index: text.length,
      end_index: text.length + marker.length,
    });
    text += marker;
  }
  return { text, citations };
}

function applyStop(text: string, stop: unknown): { text: string; stopped: boolean } {
  const sequences = (Array.isArray(stop) ? stop : [stop]).filter((entry): entry is string => typeof entry === 'string' && entry !== '');
  let cut = -1;
  for (const sequence of sequences) {
    const at = text.indexOf(sequence);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  return cut < 0 ? { text, stopped: false } : { text: text.slice(0, cut), stopped: true };
}

/**
 * An answer's token pieces: word pieces, or for a model whose tokens are long (the `token-chars` knob) pieces of that
 * many characters (a surrogate pair is never split).
 */
function piecesOf(text: string, scenario: Scenario): string[] {
  const size = scenario.tokenCharacters;
  if (size === undefined) return splitTokens(text);
  const pieces: string[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + size);
    if (end < text.length && (text.charCodeAt(end - 1) & 0xfc00) === 0xd800) end += 1;
    pieces.push(text.slice(at, end));
    at = end;
  }
  return pieces;
}

/** How many word pieces of text to compose per token, so that long tokens (`token-chars`) still fill the answer. */
const stretchOf = (scenario: Scenario) => (scenario.tokenCharacters === undefined ? 1 : Math.ceil(scenario.tokenCharacters / 3));

/** Decides the whole answer of a chat request: pure given the request, the scenario and the repeat count. */
export function planChat(
  context: EmulatorContext,
  body: Record<string, unknown>,
  model: CatalogModel,
  scenario: Scenario,
  generation: string,
): ChatPlan {
  const messages = body['messages'] as Array<Record<string, unknown>>;
  const attachments = readAttachments(body, model);
  // A Llama Guard model reads the conversation inside its chat template, billed as prompt too.
  // The template is fixed English text, whatever the knob says of the message's density (`tokenizer=bytes`).
  const template = isModerationModel(model.id) ? countTokens(llamaGuardPrompt('')) : 0;
  const fullPromptTokens = countPromptTokens(messages, body['tools'], scenario.tokenizer) + attachments.tokens + template;
  const cache = promptCacheUse(context, messages, model);
  const limit = (body['max_completion_tokens'] ?? body['max_tokens'] ?? model.top_provider.max_completion_tokens ?? DEFAULT_OUTPUT_TOKENS) as number;
  const contextLength = model.context_length ?? model.top_provider.context_length;
  const askedOutput = (body['max_completion_tokens'] ?? body['max_tokens'] ?? 0) as number;
  // Context compression ("middle-out") drops messages from the middle until the prompt fits: billed as what fit.
  const compressed = contextLength !== null && compressesContext(body, contextLength);
  const promptTokens = contextLength && compressed ? Math.min(fullPromptTokens, Math.max(1, contextLength - askedOutput)) : fullPromptTokens;
  if (contextLength && promptTokens + askedOutput > contextLength && !compressed) {
    throw new EmulatorHttpError(
      400,
      `This endpoint's maximum context length is ${contextLength} tokens. However, you requested about ${promptTokens + askedOutput} tokens (${promptTokens} of text input, ${askedOutput} in the output). Please reduce the length of either one, or use the "middle-out" transform to compress your prompt automatically.`,
      { error_type: 'context_length_exceeded' },
    );
  }
  const provider = providerProfile(providerFor(body, model, scenario));
  const reasoningStyle = reasoningStyleOf(model.id);
  checkReasoningContinuity(reasoningStyle, messages, reasoningBudget(body, model, scenario) > 0, provider.name);
  const lastUser = lastOf(messages, (message) => message['role'] === 'user');
  const userText = contentText(lastUser?.['content']);
  const systemPrompt = messages.filter((message) => message['role'] === 'system' || message['role'] === 'developer').map((message) => contentText(message['content'])).join('\n');
  const toolResult = toolResultsOf(messages);

  const promptHash = hashString(`${model.id}\u0000${JSON.stringify(messages)}`);
  const repeat = context.repeats.get(promptHash) ?? 0;
  if (context.repeats.size > 10_000) context.repeats.clear();
  context.repeats.set(promptHash, repeat + 1);
  const seed = `${model.id}|${body['seed'] ?? `repeat-${repeat}`}`;

  const reasoningTokens = Math.min(reasoningBudget(body, model, scenario), Math.floor(limit / 2));
  const reasoningPieces = reasoningTokens > 0 ? piecesOf(composeReasoning(userText, reasoningTokens * stretchOf(scenario), seed), scenario).slice(0, reasoningTokens) : [];
  const reasoningExcluded = isRecord(body['reasoning']) && body['reasoning']['exclude'] === true;
  const contentLimit = Math.max(0, limit - reasoningPieces.length);
  // The most the model writes, whatever was asked: the bound on the JSON built for a schema (an answer is cut at
  // its limit after; tool arguments are not cut, so they are bounded by the model's output alone).
  const modelOutput = model.top_provider.max_completion_tokens ?? contextLength ?? DEFAULT_OUTPUT_TOKENS;
  const writable = Math.min(contentLimit, modelOutput);

  const toolCalls = toolResult === undefined ? planToolCalls(body, userText, generation, scenario, modelOutput) : [];
  const wantsImage = Array.isArray(body['modalities']) && body['modalities'].includes('image');
  if (wantsImage && !model.architecture.output_modalities.includes('image')) {
    throw new EmulatorHttpError(404, `No endpoints found that support the requested output modalities: image`);
  }
  const images: string[] = [];
  if (wantsImage) {
    const config = isRecord(body['image_config']) ? body['image_config'] : {};
    const { width, height } = sizeForAspectRatio(config['aspect_ratio'] as string | undefined, config['image_size'] as string | undefined);
    const seedValue = typeof body['seed'] === 'number' ? body['seed'] : repeat;
    images.push(`data:image/png;base64,${renderImage({ prompt: userText, width, height, seed: seedValue }).toString('base64')}`);
  }

  let contentPieces: string[] = [];
  // The tokens the model produced: the response-healing plugin may rewrite its JSON afterwards, free of charge.
  let contentTokens = 0;
  let citations: Citation[] = [];
  const searchResults = webSearchResultsOf(body);
  let finish: ChatPlan['finishReason'] = 'stop';
  if (toolCalls.length > 0) {
    finish = 'tool_calls';
  } else if (isModerationModel(model.id)) {
    contentPieces = splitTokens(moderationVerdict(messages)).slice(0, Math.max(1, contentLimit));
    contentTokens = contentPieces.length;
  } else {
    const target = wantsImage ? 12 : (scenario.replyTokens ?? DEFAULT_REPLY_TOKENS);
    const reply = composeReply({ userText, systemPrompt: systemPrompt || undefined, toolResult, received: attachments.received, seed }, target * stretchOf(scenario));
    const structured = structuredContent(body, userText, reply, scenario.brokenJson, writable);
    const searched = structured === undefined && searchResults !== undefined ? withSources(reply, userText, searchResults) : undefined;
    const stopped = applyStop(structured ?? searched?.text ?? reply, body['stop']);
    contentPieces = piecesOf(stopped.text, scenario);
    if (contentPieces.length > contentLimit) {
      contentPieces = contentPieces.slice(0, contentLimit);
      finish = 'length';
    }
    contentTokens = contentPieces.length;
    const written = contentPieces.join('');
    const healed = structured === undefined ? written : healedContent(body, written, finish === 'length');
    if (healed !== written) contentPieces = splitTokens(healed);
    // A source whose marker was cut off (a stop sequence, max_tokens) is not cited.
    const shown = contentPieces.join('').length;
    citations = (searched?.citations ?? []).filter((citation) => citation.end_index <= shown);
  }
  const toolTokens = toolCalls.reduce((sum, call) => sum + call.argumentPieces.length + 1, 0);
  const prices = pricesFor(providerPricing(model, provider.name), promptTokens);
  const native = nativeSearchOf(body, model, prices, searchResults !== undefined);
  // Each search of the server tool is billed: its results on OpenRouter's engine (no more than the total allowed),
  // or a search on the model's own.
  const searches = searchResults === undefined ? 0 : searchCountOf(body, model, scenario, native.replacesResults && native.onModelEngine);
  const results = Math.min(searches * (searchResults ?? 0), totalResultsOf(body));
  return {
    model,
    provider,
    prices,
    promptTokens,
    reasoningPieces,
    reasoningHidden: reasoningExcluded,
    reasoningStyle,
    contentPieces,
    toolCalls,
    images,
    citations,
    webSearchResults: native.replacesResults ? 0 : results,
    webSearches: native.replacesResults ? native.searches * searches : native.searches,
    webSearchRequests: Math.max(searches, native.searches),
    audioTokens: Math.min(attachments.audioTokens, promptTokens),
    inputImages: attachments.images,
    ocrPages: attachments.ocrPages,
    videoTokens: attachments.videoTokens,
    ...cache,
    finishReason: finish,
    nativeFinishReason: provider.nativeFinish[finish],
    logprobs: logprobsAsked(body, model.supported_parameters),
    completionTokens: reasoningPieces.length + contentTokens + toolTokens + images.length * IMAGE_OUTPUT_TOKENS,
  };
}
