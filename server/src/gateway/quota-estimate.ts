import { llamaGuardPrompt } from '@insforge/ai-protocol';
import { MODERATION_CALLS, type GuardrailConfig } from '../features/feature-policies.js';
import type { QuotaEstimate } from '../limits/quota-guard.js';
import type { ChatRun } from './chat.js';
import { OCR_PAGE_USD, PDF_PAGE_TOKENS, onlineSearchFeeOf, predictionTokensOf, webSearchFeeOf } from './attachment-estimate.js';
import { searchesOnline, servedModelsOf } from './client-models.js';
import type { GatewayContext } from './context.js';
import { factsOf, modelFactsOf, type ModelFacts, type TokenPrices } from './model-facts.js';

/** Output tokens assumed when neither the request, the feature nor the catalog bounds them. */
const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;
/** Tokens an output image is billed as per megapixel (Gemini's figure for 1024×1024). */
const IMAGE_TOKENS_PER_MEGAPIXEL = 1_290;

/**
 * An estimate a quota backend can count: whole tokens, at most what it counts exactly (a reasoning budget of 1e300
 * asks for more than any cap allows, and is refused as such).
 */
const countable = (estimate: QuotaEstimate & { promptTokens: number }): QuotaEstimate => {
  const tokens = Math.min(Math.ceil(estimate.tokens), Number.MAX_SAFE_INTEGER);
  const promptTokens = Math.min(Math.ceil(estimate.promptTokens), tokens);
  return estimate.guardrailCostUsd === undefined ? { tokens, promptTokens, costUsd: estimate.costUsd } : { tokens, promptTokens, costUsd: estimate.costUsd, guardrailCostUsd: estimate.guardrailCostUsd };
};

/**
 * The most tokens a text can be: its UTF-8 bytes. A byte-level tokenizer (and SentencePiece with byte fallback) never
 * makes more tokens than bytes, and dense text comes close (Chinese or Japanese, emoji, runs of one-letter words);
 * four characters a token holds only for English. Counted on JSON, whose quotes and keys outnumber the special tokens
 * a chat template adds per message.
 */
const tokensOfText = (text: string) => Buffer.byteLength(text);

/** The same where only a length in UTF-16 units is known: a unit is at most three bytes of UTF-8 (a pair, four). */
const tokensOfLength = (length: number) => 3 * length;

/** The most tokens a value sent as JSON can be (an embeddings input, an image prompt). */
function promptTokensOf(value: unknown): number {
  return tokensOfText(JSON.stringify(value ?? ''));
}

/**
 * Characters of an answer a token is assumed to be when counting how often a stream of it calls the moderation model:
 * a token may be many more (runs of spaces, long words), and each call past those counted reserves its own worst case
 * (`moderationCallWorstCase`), so this only sets what is reserved up front.
 */
const ANSWER_CHARACTERS_PER_TOKEN = 4;

/**
 * The reasoning budget a chat asks for (billed as output), 0 when it sets none: chat's `reasoning.max_tokens`, or the
 * Messages API's `thinking.budget_tokens`, counted on top of `max_tokens` as chat's is (a router may raise
 * `max_tokens` to fit a budget past it).
 */
function reasoningBudgetOf(body: Record<string, unknown>): number {
  const budget = (body['reasoning'] as { max_tokens?: unknown } | null | undefined)?.max_tokens ?? (body['thinking'] as { budget_tokens?: unknown } | null | undefined)?.budget_tokens;
  return typeof budget === 'number' && Number.isFinite(budget) && budget > 0 ? budget : 0;
}

/** The PDF engine a chat asks for through the file-parser plugin, if any. */
function pdfEngineOf(body: Record<string, unknown>): unknown {
  const plugins = Array.isArray(body['plugins']) ? (body['plugins'] as unknown[]) : [];
  const parser = plugins.find((plugin) => (plugin as { id?: unknown } | null)?.id === 'file-parser') as { pdf?: { engine?: unknown } } | undefined;
  return parser?.pdf?.engine;
}

/** The output a chat asks for: the larger of `max_tokens` and `max_completion_tokens` (a feature's extras may set either). */
function askedOutputOf(body: Record<string, unknown>): number | undefined {
  const tokens = body['max_tokens'];
  const completion = body['max_completion_tokens'];
  const asked = typeof tokens === 'number' ? tokens : undefined;
  return typeof completion === 'number' && completion > (asked ?? 0) ? completion : asked;
}

/**
 * The tokens each answer's output image may be billed as, beside the answer's `max_tokens` (an image is made whole or
 * not at all): Gemini's 1,290 for an image up to 1024×1024 or 2K, 2,000 at 4K (`image_config.image_size`); none when
 * the chat does not ask for images (`modalities`).
 */
function outputImageTokensOf(body: Record<string, unknown>): number {
  const modalities = body['modalities'];
  if (!Array.isArray(modalities) || !modalities.includes('image')) return 0;
  const config = body['image_config'] as { image_size?: unknown } | null | undefined;
  return config?.image_size === '4K' ? 2_000 : IMAGE_TOKENS_PER_MEGAPIXEL;
}

/** The answers a chat asks for (`n`, which a feature's extras may set; a client's is refused): each is billed. */
function choicesOf(body: Record<string, unknown>): number {
  const choices = body['n'];
  return typeof choices === 'number' && Number.isInteger(choices) && choices > 1 ? choices : 1;
}

/**
 * The price of an output token: the dearer of the completion price and the reasoning price (`internal_reasoning`).
 * Any output token may be a reasoning token: a model that reasons by default, or must, does so unasked, and how many
 * of its tokens go to reasoning is its own choice within the output bound; a request that turns reasoning off only
 * over-reserves on a model whose reasoning is dearer, which few list.
 */
const outputPriceOf = (prices: TokenPrices) => Math.max(prices.completion, prices.reasoning);

/**
 * The most a chat may consume: everything it sends as prompt (messages, tools, tool results, schemas) at one token per
 * byte of its JSON (`tokensOfText`), plus its attachments by what they hold (images by pixel size and the model's fee
 * per image, PDFs by page, with the OCR engine's fee where it applies, audio by length at the dearer of the prompt and
 * audio prices, and with a video the model's whole context window), all of it at most the model's context (a longer
 * prompt is refused unbilled, or cut to fit by middle-out), and the web searches' fees (OpenRouter's engine or the
 * model's own, each search the server tool's `max_uses` allows), plus `max_tokens` (else the model's maximum output)
 * plus its reasoning budget and a predicted output's tokens (billed as output where unused) at the dearer of the
 * completion and reasoning prices, and with images asked for an image's tokens more, all at the image output price
 * where dearer, for each answer asked for, plus the model's fee per request, priced at the dearest of the models it may be served by (the feature's and
 * the client's `models`) on the dearest provider its `provider` preferences let OpenRouter route it to
 * (`modelFactsOf`), with the web search fee of an `:online` one. This is one attempt's worst case: an attempt after
 * one OpenRouter may have billed reserves it again (`Admission.reserveAgain`). Spend and token caps reserve this
 * before forwarding.
 */
export async function estimateChat(context: GatewayContext, run: Pick<ChatRun, 'target' | 'body' | 'promptBytes' | 'attachments'>): Promise<QuotaEstimate> {
  const text = run.promptBytes;
  // The client's `models` too: OpenRouter falls back to them on any attempt and bills the one that answered.
  const served = servedModelsOf(run);
  const facts = await factsOf(context, served, run.body['provider']);
  const asked = askedOutputOf(run.body);
  const choices = choicesOf(run.body);
  // Output beyond the answer's own: the reasoning budget, and a predicted output's unused tokens.
  const extraOutput = reasoningBudgetOf(run.body) + predictionTokensOf(run.body);
  const engine = pdfEngineOf(run.body);
  const imageTokens = choices * outputImageTokensOf(run.body);
  const { pdfPages, audioTokens, images } = run.attachments;
  let tokens = 0;
  let promptTokens = 0;
  let costUsd = 0;
  let mostOutput = 0;
  for (const [index, model] of facts.entries()) {
    const listed = text + run.attachments.tokens + pdfPages * PDF_PAGE_TOKENS;
    // A video's length is not known before the provider reads it: it may fill the whole context window.
    const prompt = run.attachments.videos > 0 ? model.contextLength : Math.min(listed, model.contextLength);
    const ocr = engine === 'mistral-ocr' || (engine === undefined && !model.readsFiles) ? pdfPages * OCR_PAGE_USD : 0;
    const output = choices * ((asked ?? model.maxOutput ?? DEFAULT_MAX_OUTPUT_TOKENS) + extraOutput);
    mostOutput = Math.max(mostOutput, output);
    if (prompt + output + imageTokens > tokens) {
      tokens = prompt + output + imageTokens;
      promptTokens = prompt;
    }
    const prices = model.pricesAt(prompt);
    // A cache write may bill the whole prompt at the write price, dearer than the prompt's.
    const promptPrice = run.attachments.writesCache ? Math.max(prices.prompt, prices.cacheWrite) : prices.prompt;
    // Audio tokens are among the prompt's, at the audio price where it is dearer.
    const audio = Math.min(audioTokens, prompt) * Math.max(0, prices.audio - promptPrice);
    // A model id ending in `:online` runs the web plugin, with its fee, when it serves.
    const online = searchesOnline(served[index] ?? '') ? onlineSearchFeeOf(run.body, prices.webSearch) : 0;
    const search = webSearchFeeOf(run.body, prices.webSearch, model.searchesUnasked) + online;
    const fees = ocr + search + images * prices.inputImage + prices.request;
    // With images asked for, any output token may be an image's, at the image price (`image_output`) where dearer.
    const outputPrice = imageTokens > 0 ? Math.max(outputPriceOf(prices), prices.image) : outputPriceOf(prices);
    costUsd = Math.max(costUsd, prompt * promptPrice + audio + (output + imageTokens) * outputPrice + fees);
  }
  if (!run.target.isFeature || !moderated(run.target.feature.guardrails)) return countable({ tokens, promptTokens, costUsd });
  // The input call reads the client's texts, a part of the prompt's JSON, and the text of text files (their tokens
  // are among the attachments'; an image's, counted with them, only makes the reservation larger).
  const guardrailCostUsd = await moderationWorstCase(context, run.target.feature.guardrails, text + run.attachments.tokens, mostOutput);
  return countable({ tokens, promptTokens, costUsd: costUsd + guardrailCostUsd, guardrailCostUsd });
}

/** Whether a feature's guardrails call a moderation model (most features have none: no estimate to wait for). */
const moderated = (guardrails: readonly GuardrailConfig[] | undefined): guardrails is readonly GuardrailConfig[] => guardrails?.some((guardrail) => guardrail.type === 'moderation') === true;

/**
 * What a feature's moderation guardrails reserve up front for one request (`MODERATION_CALLS`): a call reading the
 * input, and on the answer the dearer of one call reading it whole and the calls a stream of it makes at four
 * characters a token, each reading at most the latest window (2,000 UTF-16 units, at most 6,000 tokens, and no more
 * than the answer's); each call its message in Llama Guard's template, at most the moderation model's context, at its
 * prices and with its fee per request. Its tokens are the moderation model's, not the request's, so only spend caps
 * count them. A call this does not cover (a stream whose tokens are long makes more calls; a text denser than assumed)
 * reserves its own worst case before it is made.
 */
async function moderationWorstCase(context: GatewayContext, guardrails: readonly GuardrailConfig[] | undefined, inputTokens: number, outputTokens: number): Promise<number> {
  let costUsd = 0;
  for (const guardrail of guardrails ?? []) {
    if (guardrail.type !== 'moderation') continue;
    const model = await modelFactsOf(context, guardrail.model);
    // Every attempt of a call may be billed (one that fails after OpenRouter had it is retried).
    const call = (tokens: number) => attemptsOf(context) * moderationCallUsd(model, tokens);
    if (guardrail.stage !== 'output') costUsd += call(inputTokens);
    if (guardrail.stage === 'input' || outputTokens === 0) continue;
    const streamedCalls = Math.floor((outputTokens * ANSWER_CHARACTERS_PER_TOKEN) / MODERATION_CALLS.everyCharacters) + 1;
    const window = Math.min(outputTokens, tokensOfLength(MODERATION_CALLS.windowCharacters));
    costUsd += Math.max(call(outputTokens), streamedCalls * call(window));
  }
  return costUsd;
}

/** The attempts a call may make, each of which may be billed (one that fails after OpenRouter had it is retried). */
const attemptsOf = (context: GatewayContext) => 1 + context.retry.maxRetries;

/**
 * The prompt tokens a moderation call bills beside its message, at most: Llama Guard's chat template (its task, its
 * 14 categories and its answer instructions) around the message, at a token per three of its characters (285). The
 * template is fixed English text and header tokens, not a client's text, so it needs no byte-a-token bound: measured
 * once, it is 201 tokens with Llama 3's tokenizer (Llama Guard 3's) and with o200k (of the size of Llama Guard 4's),
 * 223 even with its header tokens read as plain text; at a token a byte (853) it was counted 4.2 times over.
 */
const MODERATION_TEMPLATE_TOKENS = Math.ceil(llamaGuardPrompt('').length / 3);

/**
 * The most one attempt of a moderation call whose message is `messageTokens` may cost: the message in the model's
 * template (no more than its context is billed), its answer and its fee per request.
 */
function moderationCallUsd(model: ModelFacts, messageTokens: number): number {
  const prompt = Math.min(messageTokens + MODERATION_TEMPLATE_TOKENS, model.contextLength);
  const prices = model.pricesAt(prompt);
  return prompt * prices.prompt + MODERATION_CALLS.answerTokens * outputPriceOf(prices) + prices.request;
}

/**
 * The most one attempt of a moderation call reading `text` may cost: what an attempt that fails after reaching
 * OpenRouter (billed, perhaps, with no answer to say how much) is counted at.
 */
export async function moderationAttemptWorstCase(context: GatewayContext, model: string, text: string): Promise<number> {
  return moderationCallUsd(await modelFactsOf(context, model), tokensOfText(text));
}

/**
 * The most a moderation call reading `text` may cost, every attempt of it: what it reserves before it is made when the
 * request's estimate did not cover it.
 * @example
 * await reserve(await moderationCallWorstCase(context, 'meta-llama/llama-guard-4-12b', window));
 */
export async function moderationCallWorstCase(context: GatewayContext, model: string, text: string): Promise<number> {
  return attemptsOf(context) * (await moderationAttemptWorstCase(context, model, text));
}

/** An embeddings input's tokens: a token array (numbers) counts its length, text one token a byte of its JSON. */
function embeddingInputTokens(input: unknown): number {
  const isTokenArray = (value: unknown) => Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'number');
  if (isTokenArray(input)) return (input as unknown[]).length;
  if (!Array.isArray(input)) return promptTokensOf(input);
  const tokenArrays = input.filter(isTokenArray) as unknown[][];
  const texts = input.filter((item) => !isTokenArray(item));
  return tokenArrays.reduce((sum, tokens) => sum + tokens.length, 0) + (texts.length > 0 ? promptTokensOf(texts) : 0);
}

/**
 * The most embeddings may cost (with the model's fee per request), with its feature's moderation guardrails reading its
 * input.
 */
export async function estimateEmbeddings(context: GatewayContext, models: readonly string[], input: unknown, guardrails?: readonly GuardrailConfig[]): Promise<QuotaEstimate> {
  const tokens = embeddingInputTokens(input);
  const facts = await factsOf(context, models);
  const costUsd = Math.max(0, ...facts.map((model) => {
    const prices = model.pricesAt(tokens);
    return tokens * prices.prompt + prices.request;
  }));
  if (!moderated(guardrails)) return countable({ tokens, promptTokens: tokens, costUsd });
  const guardrailCostUsd = await moderationWorstCase(context, guardrails, tokens, 0);
  return countable({ tokens, promptTokens: tokens, costUsd: costUsd + guardrailCostUsd, guardrailCostUsd });
}

/**
 * The most an image generation may cost (its prompt as sent, one token a byte of its JSON, and the model's fee per
 * request), with its feature's moderation guardrails reading its prompt.
 */
export async function estimateImages(context: GatewayContext, models: readonly string[], prompt: string, count: number, size: string, guardrails?: readonly GuardrailConfig[]): Promise<QuotaEstimate> {
  const [width = 1024, height = 1024] = size.split('x').map(Number);
  const imageTokens = Math.ceil(((width * height) / (1024 * 1024)) * IMAGE_TOKENS_PER_MEGAPIXEL) * count;
  const promptTokens = promptTokensOf(prompt);
  const facts = await factsOf(context, models);
  const tokens = promptTokens + imageTokens;
  const costUsd = Math.max(0, ...facts.map((model) => {
    const prices = model.pricesAt(promptTokens);
    return promptTokens * prices.prompt + imageTokens * prices.image + prices.request;
  }));
  if (!moderated(guardrails)) return countable({ tokens, promptTokens, costUsd });
  const guardrailCostUsd = await moderationWorstCase(context, guardrails, promptTokens, 0);
  return countable({ tokens, promptTokens, costUsd: costUsd + guardrailCostUsd, guardrailCostUsd });
}
