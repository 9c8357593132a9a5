import { modalitiesOf, type OpenRouterModel } from '@insforge/ai-protocol';
import { closestListedModels, isListedModel } from './listed-models.js';
import type { ModelEndpoint, ModelEndpointSource } from './model-endpoints.js';
import type { OpenRouterClient } from './openrouter-client.js';
import { SentKey } from './sent-key.js';

/** A model as OpenRouter lists it (the protocol's shape): the fields the gateway reads typed, the rest passed through. */
export type UpstreamModel = OpenRouterModel;

export { modalitiesOf };

export interface CatalogSnapshot {
  models: UpstreamModel[];
  byId: Map<string, UpstreamModel>;
  fetchedAt: number;
  /** The highest price of each kind any listed model has (USD per token or image), read when first asked. */
  dearest?: Record<string, number>;
}

/**
 * The model with its `supported_parameters` as a list of names, as `/models` gives them: the Image API's
 * `/images/models` gives a record of what each parameter takes (`{ seed: { type: 'range', … } }`) instead.
 */
function withParameterNames(model: UpstreamModel): UpstreamModel {
  const parameters: unknown = model.supported_parameters;
  if (parameters === undefined || Array.isArray(parameters)) return model;
  return { ...model, supported_parameters: typeof parameters === 'object' && parameters !== null ? Object.keys(parameters) : [] };
}

/**
 * OpenRouter's catalog (chat, embedding and image models), cached for `ttlMs`. Once the copy is older than that,
 * callers keep getting it while one background fetch replaces it (stale-while-revalidate); only the very first
 * callers wait for `/models`. When a refresh fails, the last good copy keeps being served.
 */
export class ModelCatalog {
  #snapshot: CatalogSnapshot | undefined;
  #inflight: Promise<CatalogSnapshot> | undefined;

  /**
   * @param endpointSource where each model's endpoints (its providers and their prices) are read, cached; without it
   * none are known, and every provider counts at the catalog's price.
   */
  constructor(
    private readonly client: OpenRouterClient,
    private readonly ttlMs = 10 * 60_000,
    private readonly endpointSource?: ModelEndpointSource,
  ) {}

  async snapshot(): Promise<CatalogSnapshot> {
    const current = this.#snapshot;
    if (!current) return this.#refresh();
    // A failed background refresh only means the current copy is served a while longer.
    if (Date.now() - current.fetchedAt >= this.ttlMs) void this.#refresh().catch(() => undefined);
    return current;
  }

  /** The model, or undefined when OpenRouter does not list it; `null` when the catalog cannot be had. */
  async find(id: string): Promise<UpstreamModel | undefined | null> {
    try {
      return (await this.snapshot()).byId.get(id);
    } catch {
      return null;
    }
  }

  /**
   * The ids among `ids` OpenRouter does not list (routing variants such as `:online` after a listed id count as
   * listed), each with the listed ids closest to it; `null` when the catalog cannot be had, which refuses nothing.
   */
  async unlisted(ids: readonly string[]): Promise<Array<{ id: string; closest: string[] }> | null> {
    let snapshot: CatalogSnapshot;
    try {
      snapshot = await this.snapshot();
    } catch {
      return null;
    }
    return [...new Set(ids)].filter((id) => !isListedModel(snapshot, id)).map((id) => ({ id, closest: closestListedModels(snapshot, id) }));
  }

  /**
   * The providers OpenRouter may route a listed model to, each with its own prices: undefined when it lists none,
   * `null` when they cannot be had (the catalog's price then stands for every provider).
   */
  async endpoints(id: string): Promise<readonly ModelEndpoint[] | undefined | null> {
    if (!this.endpointSource) return null;
    try {
      return await this.endpointSource.get(id);
    } catch {
      return null;
    }
  }

  /**
   * The highest price of each kind (`prompt`, `completion`, `image_output`…) among the listed models: the worst case
   * for a model whose price is not known (not listed, or variable as `openrouter/auto`'s `-1`); `null` when the
   * catalog cannot be had.
   */
  async dearest(): Promise<Record<string, number> | null> {
    let snapshot: CatalogSnapshot;
    try {
      snapshot = await this.snapshot();
    } catch {
      return null;
    }
    if (!snapshot.dearest) {
      const dearest: Record<string, number> = {};
      for (const model of snapshot.models) {
        for (const [kind, value] of Object.entries(model.pricing ?? {})) {
          const price = Number(value);
          if (Number.isFinite(price) && price > (dearest[kind] ?? 0)) dearest[kind] = price;
        }
      }
      snapshot.dearest = dearest;
    }
    return snapshot.dearest;
  }

  /** The fetch under way, or a new one: concurrent callers share one set of upstream requests. */
  #refresh(): Promise<CatalogSnapshot> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<CatalogSnapshot> {
    // Models are listed to clients: an upstream that echoes the key it was sent into the catalog must not list it.
    const apiKey = await this.client.apiKey();
    const sentKey = SentKey.of(apiKey);
    const lists = await Promise.all(
      ['/models', '/embeddings/models', '/images/models'].map(async (path, index) => {
        try {
          const response = await this.client.send(path, { method: 'GET', apiKey });
          if (response.status !== 200) {
            await response.body.dump();
            throw new Error(`GET ${path} answered ${response.status}`);
          }
          const bytes = Buffer.from(await response.body.arrayBuffer());
          const text = (sentKey ? sentKey.replaceInBytes(bytes) : bytes).toString('utf8');
          const list = JSON.parse(text) as { data?: UpstreamModel[] };
          if (sentKey && SentKey.mayEscapeIn(text)) sentKey.cleanParsed(list);
          return (list.data ?? []).map(withParameterNames);
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
