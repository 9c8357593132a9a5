import type { OpenRouterClient } from './openrouter-client.js';

/** A model as OpenRouter lists it; only the fields the gateway reads are typed, the rest pass through. */
export interface UpstreamModel {
  id: string;
  name?: string;
  created?: number;
  context_length?: number | null;
  architecture?: { input_modalities?: string[]; output_modalities?: string[] };
  pricing?: Record<string, unknown>;
  top_provider?: { max_completion_tokens?: number | null; context_length?: number | null };
  supported_parameters?: string[];
  [field: string]: unknown;
}

export interface CatalogSnapshot {
  models: UpstreamModel[];
  byId: Map<string, UpstreamModel>;
  fetchedAt: number;
}

/**
 * OpenRouter's catalog (chat, embedding and image models), cached for `ttlMs`. Concurrent callers share one
 * upstream fetch; when a refresh fails, the last good copy keeps being served.
 */
export class ModelCatalog {
  #snapshot: CatalogSnapshot | undefined;
  #inflight: Promise<CatalogSnapshot> | undefined;

  constructor(
    private readonly client: OpenRouterClient,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  async snapshot(): Promise<CatalogSnapshot> {
    const current = this.#snapshot;
    if (current && Date.now() - current.fetchedAt < this.ttlMs) return current;
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    try {
      return await this.#inflight;
    } catch (error) {
      if (current) return current;
      throw error;
    }
  }

  /** The model, or undefined when OpenRouter does not list it; `null` when the catalog cannot be had. */
  async find(id: string): Promise<UpstreamModel | undefined | null> {
    try {
      return (await this.snapshot()).byId.get(id);
    } catch {
      return null;
    }
  }

  async #fetch(): Promise<CatalogSnapshot> {
    const lists = await Promise.all(
      ['/models', '/embeddings/models', '/images/models'].map(async (path, index) => {
        try {
          const response = await this.client.send(path, { method: 'GET' });
          if (response.status !== 200) {
            await response.body.dump();
            throw new Error(`GET ${path} answered ${response.status}`);
          }
          return ((await response.body.json()) as { data?: UpstreamModel[] }).data ?? [];
        } catch (error) {
          if (index === 0) throw error;
          return [];
        }
      }),
    );
    const models = lists.flat();
    const byId = new Map(models.map((model) => [model.id, model]));
    this.#snapshot = { models, byId, fetchedAt: Date.now() };
    return this.#snapshot;
  }
}
