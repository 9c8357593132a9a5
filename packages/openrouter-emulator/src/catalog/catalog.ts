import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogModel, ModelKind, ModelPricing } from './types.js';

/** Default output dimension of each embedding model; `dimensions` may shorten it where the model allows. */
const EMBEDDING_DIMENSIONS: Record<string, number> = {
  'openai/text-embedding-3-small': 1536,
  'openai/text-embedding-3-large': 3072,
  'openai/text-embedding-ada-002': 1536,
  'mistralai/mistral-embed-2312': 1024,
  'google/gemini-embedding-001': 3072,
  'qwen/qwen3-embedding-8b': 4096,
};

/** What the routers (`openrouter/auto` and friends, priced "-1") route to, by requested output. */
const ROUTER_TARGETS = { text: 'openai/gpt-4o-mini', image: 'google/gemini-2.5-flash-image' };

/** Variant suffixes that select a routing preference but serve the same model and prices. */
const ROUTING_VARIANTS = [':nitro', ':floor', ':online', ':exacto', ':thinking', ':extended'];

export interface Catalog {
  /** Every model, in the order listed. */
  all(): readonly CatalogModel[];
  list(kind: ModelKind): readonly CatalogModel[];
  /** A model by id or canonical slug, with routing variants (`:nitro`, …) resolved to the base model. */
  find(idOrSlug: string): CatalogModel | undefined;
  kindOf(model: CatalogModel): ModelKind;
  embeddingDimensions(model: CatalogModel): number;
  /** The concrete model a router id serves, or the model itself. */
  routeTarget(model: CatalogModel, wantsImage: boolean): CatalogModel;
}

export interface CatalogSource {
  /** Models as `GET /models` lists them (defaults to the August 2026 snapshot shipped in `data/`). */
  models?: CatalogModel[];
  /** Embedding models (`/embeddings/models`); defaults to the shipped set. */
  embeddingModels?: CatalogModel[];
  /** Image-only models (`/images/models`); defaults to the shipped set. */
  imageModels?: CatalogModel[];
}

// A path, not `new URL(…, import.meta.url)`: bundlers rewrite that pattern into an asset URL, which breaks reading.
const DATA_DIRECTORY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'data');

function readData<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(DATA_DIRECTORY, name), 'utf8')) as T;
}

/** Loads the catalog once; lookups are map reads. */
export function createCatalog(source: CatalogSource = {}): Catalog {
  const extra = source.embeddingModels && source.imageModels
    ? undefined
    : readData<{ embeddings: CatalogModel[]; images: CatalogModel[] }>('extra-models.json');
  const chat = source.models ?? readData<{ data: CatalogModel[] }>('openrouter-models.json').data;
  const embeddings = source.embeddingModels ?? extra?.embeddings ?? [];
  const images = source.imageModels ?? extra?.images ?? [];
  const kinds = new Map<CatalogModel, ModelKind>();
  const byId = new Map<string, CatalogModel>();
  const register = (models: CatalogModel[], kind: ModelKind) => {
    for (const model of models) {
      kinds.set(model, kind);
      byId.set(model.id, model);
      if (!byId.has(model.canonical_slug)) byId.set(model.canonical_slug, model);
    }
  };
  register(chat, 'chat');
  register(embeddings, 'embedding');
  register(images, 'image');
  const all = [...chat, ...embeddings, ...images];
  const lists: Record<ModelKind, CatalogModel[]> = { chat, embedding: embeddings, image: images };

  const find = (idOrSlug: string) => {
    const direct = byId.get(idOrSlug);
    if (direct) return direct;
    const variant = ROUTING_VARIANTS.find((suffix) => idOrSlug.endsWith(suffix));
    return variant ? byId.get(idOrSlug.slice(0, -variant.length)) : undefined;
  };

  return {
    all: () => all,
    list: (kind) => lists[kind],
    find,
    kindOf: (model) => kinds.get(model) ?? 'chat',
    embeddingDimensions: (model) => EMBEDDING_DIMENSIONS[model.id] ?? 1024,
    routeTarget(model, wantsImage) {
      if (model.pricing.prompt !== '-1') return model;
      return find(wantsImage ? ROUTER_TARGETS.image : ROUTER_TARGETS.text) ?? model;
    },
  };
}

export interface TokenPrices {
  prompt: number;
  completion: number;
  /** Each request answered, whatever its tokens (`pricing.request`). */
  request: number;
  imageOutput: number;
  /** A reasoning token (`internal_reasoning`; the completion price when the model lists none). */
  reasoning: number;
  /** An input audio token (`pricing.audio`; the prompt price when the model lists none). */
  audio: number;
  /** An input image, on top of its tokens (`pricing.image`; 0 when none). */
  inputImage: number;
  /** A search on the model's own engine (`pricing.web_search`; 0 when it has none). */
  webSearch: number;
  /** A prompt token read from the provider's cache (the prompt price when the model lists none). */
  cacheRead: number;
  /** A prompt token written to the cache (the prompt price when the model lists none). */
  cacheWrite: number;
}

/** Per-token prices for a prompt of the given size, with `pricing.overrides` tiers applied. */
export function pricesFor(pricing: ModelPricing, promptTokens: number): TokenPrices {
  const tier = (pricing.overrides ?? [])
    .filter((override) => promptTokens >= (override.min_prompt_tokens ?? Infinity))
    .at(-1);
  const price = (value: string | undefined) => {
    const parsed = Number(value ?? 0);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
  };
  const completion = price(tier?.completion ?? pricing.completion);
  const prompt = price(tier?.prompt ?? pricing.prompt);
  return {
    prompt,
    completion,
    request: price(pricing.request),
    imageOutput: price(tier?.image_output ?? pricing.image_output) || completion,
    reasoning: price(pricing.internal_reasoning) || completion,
    audio: price(pricing.audio) || prompt,
    inputImage: price(pricing.image),
    webSearch: price(pricing.web_search),
    cacheRead: price(pricing.input_cache_read) || price(tier?.prompt ?? pricing.prompt),
    cacheWrite: price(pricing.input_cache_write) || price(tier?.prompt ?? pricing.prompt),
  };
}
