import type { IncomingMessage, ServerResponse } from 'node:http';
import { bill } from '../billing.js';
import { pricesFor } from '../catalog/catalog.js';
import { providerPricing, providersForModel } from '../catalog/providers.js';
import { attributionHeaders, authenticateInference, resolveScenario, type EmulatorContext } from '../context.js';
import { countTokens } from '../content/tokens.js';
import { embedText, embedTokens, encodeEmbedding } from '../content/vectors.js';
import { checkCredit, faultError, sendMalformed } from '../faults.js';
import { generationId } from '../generations.js';
import { EmulatorHttpError, readJsonBody, sendJson, sleep } from '../http.js';

type EmbeddingInput = { kind: 'text'; text: string } | { kind: 'tokens'; tokens: number[] };

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => Number.isInteger(entry) && entry >= 0);
}

/** `input` as OpenAI accepts it: a string, strings, a token array, or token arrays. */
function parseInput(input: unknown): EmbeddingInput[] {
  if (typeof input === 'string') return [{ kind: 'text', text: input }];
  if (isTokenArray(input)) return [{ kind: 'tokens', tokens: input }];
  if (Array.isArray(input) && input.length > 0 && input.length <= 2048) {
    if (input.every((entry) => typeof entry === 'string')) return input.map((text: string) => ({ kind: 'text', text }));
    if (input.every(isTokenArray)) return input.map((tokens: number[]) => ({ kind: 'tokens', tokens }));
  }
  throw new EmulatorHttpError(400, 'input must be a string, an array of up to 2048 strings, or token arrays', { param: 'input' });
}

/** `POST /api/v1/embeddings`: deterministic unit vectors, float or base64, billed at the catalog price. */
export async function handleEmbeddings(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const account = authenticateInference(context, req);
  const body = await readJsonBody(req);
  if (typeof body['model'] !== 'string') throw new EmulatorHttpError(400, 'model is required', { param: 'model' });
  const { model: requested, scenario } = resolveScenario(context, req, 'embeddings', body, body['model'], account);
  const model = context.catalog.find(requested);
  if (!model) throw new EmulatorHttpError(400, `${requested} is not a valid model ID`);
  if (context.catalog.kindOf(model) !== 'embedding') throw new EmulatorHttpError(404, `No endpoints found for ${requested}.`);
  const inputs = parseInput(body['input']);
  const format = body['encoding_format'] ?? 'float';
  if (format !== 'float' && format !== 'base64') throw new EmulatorHttpError(400, 'encoding_format must be "float" or "base64"', { param: 'encoding_format' });
  const native = context.catalog.embeddingDimensions(model);
  const dimensions = body['dimensions'] ?? native;
  const shortenable = model.supported_parameters.includes('dimensions');
  if (!Number.isInteger(dimensions) || (dimensions as number) < 1 || (dimensions as number) > native || (!shortenable && dimensions !== native)) {
    throw new EmulatorHttpError(400, `dimensions must be an integer from 1 to ${native}${shortenable ? '' : ` (${requested} only supports ${native})`}`, { param: 'dimensions' });
  }
  const provider = scenario.provider ?? providersForModel(model.id)[0] ?? 'OpenAI';
  if (scenario.stallMs) await sleep(scenario.stallMs);
  if (scenario.failStatus) throw faultError(scenario.failStatus, model.id, provider, scenario.retryAfterSeconds, scenario);
  if (sendMalformed(res, scenario)) return;

  const promptTokens = inputs.reduce((sum, input) => sum + (input.kind === 'text' ? countTokens(input.text, scenario.tokenizer) : input.tokens.length), 0);
  const prices = pricesFor(providerPricing(model, provider), promptTokens);
  checkCredit(context.keys, account, prices, promptTokens, 0);
  if (scenario.ttftMs) await sleep(scenario.ttftMs);
  const data = inputs.map((input, index) => {
    const vector = input.kind === 'text' ? embedText(input.text, dimensions as number) : embedTokens(input.tokens, dimensions as number);
    return { object: 'embedding', embedding: encodeEmbedding(vector, format), index };
  });
  const id = generationId();
  const billed = bill(prices, { promptTokens, completionTokens: 0, reasoningTokens: 0, imageTokens: 0 });
  const probe = context.generations.start({
    id,
    kind: 'embeddings',
    requestedModel: requested,
    model: model.id,
    provider,
    keyLabel: account.label,
    user: typeof body['user'] === 'string' ? body['user'] : null,
    streamed: false,
    request: body,
    headers: attributionHeaders(req),
    scenario: { ...scenario },
    promptTokens,
    plannedTokens: 0,
  });
  sendJson(
    res,
    200,
    { id, object: 'list', data, model: model.id, provider, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, cost: billed.cost } },
    { 'x-generation-id': id },
  );
  context.generations.finish(probe, 'completed', billed, scenario.generationDelayMs ?? 0);
  context.keys.charge(account, billed.cost);
}
