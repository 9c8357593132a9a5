import type { QuotaEstimate } from '../limits/quota-guard.js';
import type { ChatRun } from './chat.js';
import type { GatewayContext } from './context.js';

/** Output tokens assumed when neither the request, the feature nor the catalog bounds them. */
const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;
/** Tokens an output image is billed as per megapixel (Gemini's figure for 1024×1024). */
const IMAGE_TOKENS_PER_MEGAPIXEL = 1_290;

interface ModelFacts {
  promptPrice: number;
  completionPrice: number;
  imagePrice: number;
  maxOutput: number | undefined;
}

const price = (value: unknown) => {
  const parsed = Number(value ?? 0);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
};

/** The catalog facts of each model a request may be served by (unknown models count as free and unbounded). */
async function factsOf(context: GatewayContext, models: readonly string[]): Promise<ModelFacts[]> {
  return Promise.all(
    models.map(async (id) => {
      const model = await context.catalog.find(id);
      const pricing = model?.pricing ?? {};
      return {
        promptPrice: price(pricing['prompt']),
        completionPrice: price(pricing['completion']),
        imagePrice: price(pricing['image_output']) || price(pricing['completion']),
        maxOutput: model?.top_provider?.max_completion_tokens ?? undefined,
      };
    }),
  );
}

/** A rough token count: four characters a token, as OpenAI documents for English. */
const tokensOfCharacters = (characters: number) => Math.ceil(characters / 4);

/** A rough prompt size, from the prompt as JSON. */
function estimatePromptTokens(value: unknown): number {
  return tokensOfCharacters(JSON.stringify(value ?? '').length);
}

/** The reasoning budget a chat asks for (billed as output), 0 when it sets none. */
function reasoningBudgetOf(body: Record<string, unknown>): number {
  const budget = (body['reasoning'] as { max_tokens?: unknown } | null | undefined)?.max_tokens;
  return typeof budget === 'number' && Number.isFinite(budget) && budget > 0 ? budget : 0;
}

/**
 * The most a chat may consume: everything it sends as prompt (messages, tools, tool results, schemas,
 * attachments) plus `max_tokens` (else the model's maximum output) plus its reasoning budget, priced at the
 * dearest of the models it may fall back to. Spend and token caps reserve this before forwarding.
 */
export async function estimateChat(context: GatewayContext, run: Pick<ChatRun, 'target' | 'body' | 'promptCharacters'>): Promise<QuotaEstimate> {
  const prompt = tokensOfCharacters(run.promptCharacters);
  const facts = await factsOf(context, run.target.models);
  const asked = typeof run.body['max_tokens'] === 'number' ? run.body['max_tokens'] : undefined;
  const reasoning = reasoningBudgetOf(run.body);
  let tokens = 0;
  let costUsd = 0;
  for (const model of facts) {
    const output = (asked ?? model.maxOutput ?? DEFAULT_MAX_OUTPUT_TOKENS) + reasoning;
    tokens = Math.max(tokens, prompt + output);
    costUsd = Math.max(costUsd, prompt * model.promptPrice + output * model.completionPrice);
  }
  return { tokens, costUsd };
}

export async function estimateEmbeddings(context: GatewayContext, models: readonly string[], input: unknown): Promise<QuotaEstimate> {
  const tokens = estimatePromptTokens(input);
  const facts = await factsOf(context, models);
  return { tokens, costUsd: Math.max(0, ...facts.map((model) => tokens * model.promptPrice)) };
}

export async function estimateImages(context: GatewayContext, models: readonly string[], prompt: string, count: number, size: string): Promise<QuotaEstimate> {
  const [width = 1024, height = 1024] = size.split('x').map(Number);
  const imageTokens = Math.ceil(((width * height) / (1024 * 1024)) * IMAGE_TOKENS_PER_MEGAPIXEL) * count;
  const promptTokens = estimatePromptTokens(prompt);
  const facts = await factsOf(context, models);
  return { tokens: promptTokens + imageTokens, costUsd: Math.max(0, ...facts.map((model) => promptTokens * model.promptPrice + imageTokens * model.imagePrice)) };
}
