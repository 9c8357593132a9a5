import { NotifiedCache } from './store/notified-cache.js';
import { fetchModelEndpoints, type ModelEndpoint, type ModelEndpointSource } from './upstream/model-endpoints.js';
import type { OpenRouterClient } from './upstream/openrouter-client.js';

/** Models whose endpoints are kept at most (a request may name any model a feature allows). */
const MAX_MODELS = 2_000;

/**
 * Each model's endpoints read when a request first names it and kept for `ttlMs`. A read that fails is not tried again
 * by every request (each would wait for it): the last list read, or `null` (the catalog's price), stands for the
 * period, and `warn` is told.
 * @example
 * const catalog = new ModelCatalog(client, ttlMs, cachedModelEndpoints(client, ttlMs, logger.warn));
 */
export function cachedModelEndpoints(client: OpenRouterClient, ttlMs: number, warn: (message: string, fields: Record<string, unknown>) => void): ModelEndpointSource {
  const lastRead = new Map<string, readonly ModelEndpoint[] | undefined>();
  return new NotifiedCache({
    ttlMs,
    load: async (modelId: string): Promise<readonly ModelEndpoint[] | undefined | null> => {
      try {
        const read = await fetchModelEndpoints(client, modelId);
        if (lastRead.size >= MAX_MODELS) lastRead.clear();
        lastRead.set(modelId, read);
        return read;
      } catch (error) {
        const last = lastRead.get(modelId) ?? null;
        warn(`a model's providers could not be read from OpenRouter; ${last ? 'the prices read last stand' : "the catalog's price stands"} until the next read`, { model: modelId, error });
        return last;
      }
    },
    maxEntries: MAX_MODELS,
  });
}
