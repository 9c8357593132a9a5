import type { OpenRouterClient } from './openrouter-client.js';

/**
 * One provider's offer of a model, as OpenRouter's `GET /models/:author/:slug/endpoints` lists it: the fields the
 * gateway reads typed, the rest passed through. Prices are strings of USD per token, as in `/models`.
 */
export interface ModelEndpoint {
  /** The provider's display name (`Amazon Bedrock`), as `provider` in answers names it. */
  provider_name?: string;
  /** The provider's slug, with a variant after a slash where it has several (`deepinfra/fp8`). */
  tag?: string;
  pricing?: Record<string, unknown>;
  context_length?: number | null;
  max_completion_tokens?: number | null;
  [field: string]: unknown;
}

/** Where the estimate reads a model's endpoints: `fetchModelEndpoints` behind a cache (`NotifiedCache` fits). */
export interface ModelEndpointSource {
  /** The model's endpoints; undefined when OpenRouter lists none, `null` when they could not be read. */
  get(modelId: string): Promise<readonly ModelEndpoint[] | undefined | null>;
}

/**
 * How long a read of a model's endpoints may take: it runs on a request's path (once per model and cache period), and
 * a request whose read fails is priced at the catalog's price instead of waiting for it.
 */
const ENDPOINTS_TIMEOUT_MS = 3_000;

/**
 * The providers OpenRouter may route a model to, each with its own prices (`GET /models/:author/:slug/endpoints`);
 * undefined when it lists none for the id (a 404: an alias, a router such as `openrouter/auto`). Throws when the list
 * cannot be had, so a cache keeps serving the last one read.
 * @example
 * const endpoints = await fetchModelEndpoints(client, 'meta-llama/llama-3.3-70b-instruct');
 * // [{ provider_name: 'Groq', pricing: { prompt: '0.00000059', … } }, …]
 */
export async function fetchModelEndpoints(client: OpenRouterClient, modelId: string): Promise<readonly ModelEndpoint[] | undefined> {
  const path = `/models/${modelId.split('/').map(encodeURIComponent).join('/')}/endpoints`;
  const response = await client.send(path, { method: 'GET', signal: AbortSignal.timeout(ENDPOINTS_TIMEOUT_MS) });
  if (response.status === 404) {
    await response.body.dump();
    return undefined;
  }
  if (response.status !== 200) {
    await response.body.dump();
    throw new Error(`GET ${path} answered ${response.status}`);
  }
  const body = (await response.body.json()) as { data?: { endpoints?: unknown } } | null;
  const endpoints = body?.data?.endpoints;
  if (!Array.isArray(endpoints)) return undefined;
  return Object.freeze(endpoints.filter((endpoint): endpoint is ModelEndpoint => typeof endpoint === 'object' && endpoint !== null));
}

