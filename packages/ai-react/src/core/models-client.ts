import type { ModelEntry, ModelListQuery } from './chat-types.js';
import { AiError, isAiError } from './errors.js';
import { requestJson, type RequestOptions, type Transport } from './http-transport.js';
import { isRecord } from './json-records.js';
import { fromCatalogModel, fromListedModel, type CatalogModel, type ListedModel } from './model-entries.js';

/** The models a caller may pick. */
export interface ModelsApi {
  /** The admin catalog (`/api/ai/models`) when allowed, else the caller's features (`/v1/models`). */
  list(query?: ModelListQuery, options?: RequestOptions): Promise<ModelEntry[]>;
}

/** The entries of a list answer (`{ data: [...] }`) that have a string `id`; any other answer is an AiError, not a TypeError. */
function entriesOf<T extends { id: string }>(answer: unknown, path: string): T[] {
  const data = isRecord(answer) ? answer['data'] : undefined;
  if (!Array.isArray(data)) throw new AiError({ code: 'unknown', message: `The server answered ${path} with something that is not a list.` });
  return data.filter((entry): entry is T => isRecord(entry) && typeof entry['id'] === 'string');
}

/**
 * The model routes, each a typed call.
 * @example
 * const entries = await createModelsApi(transport).list({ modality: 'image' });
 */
export function createModelsApi(transport: Transport): ModelsApi {
  return {
    async list({ modality, source = 'auto' } = {}, { signal } = {}) {
      if (source !== 'features') {
        try {
          const catalog = await requestJson<unknown>(transport, '/api/ai/models', { query: { modality }, signal, admin: true });
          return entriesOf<CatalogModel>(catalog, '/api/ai/models').map(fromCatalogModel);
        } catch (error) {
          // A user (403) or a server without admin routes (404) gets what it may call instead.
          if (source === 'catalog' || !isAiError(error) || !['forbidden', 'admin_unavailable', 'not_found'].includes(error.code)) throw error;
        }
      }
      const list = await requestJson<unknown>(transport, '/v1/models', { signal });
      const entries = entriesOf<ListedModel>(list, '/v1/models').map(fromListedModel);
      return modality ? entries.filter((entry) => entry.modalities.includes(modality)) : entries;
    },
  };
}
