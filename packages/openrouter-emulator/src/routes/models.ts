import type { IncomingMessage, ServerResponse } from 'node:http';
import { providerFigures, providerPricing, providersForModel } from '../catalog/providers.js';
import type { CatalogModel, ModelKind } from '../catalog/types.js';
import { ASPECT_RATIOS, LONG_SIDE_BY_IMAGE_SIZE } from '../content/png.js';
import { authenticate, type EmulatorContext } from '../context.js';
import { EmulatorHttpError, sendJson } from '../http.js';

function listParam(query: URLSearchParams, name: string): string[] {
  return (query.get(name) ?? '').split(',').map((value) => value.trim()).filter(Boolean);
}

/**
 * The models `GET /models` lists for `kind`, with OpenRouter's filters: `supported_parameters` (all listed),
 * `input_modalities` and `output_modalities` (any listed; `output_modalities=all` includes embedding and image-only
 * models).
 */
function listModels(context: EmulatorContext, query: URLSearchParams, kind: ModelKind): CatalogModel[] {
  const parameters = listParam(query, 'supported_parameters');
  const inputs = listParam(query, 'input_modalities');
  const outputs = listParam(query, 'output_modalities');
  let models: readonly CatalogModel[] = context.catalog.list(kind);
  if (kind === 'chat' && outputs.length > 0) {
    models = outputs.includes('all') ? context.catalog.all() : [...models, ...context.catalog.list('image'), ...context.catalog.list('embedding')];
  }
  return models.filter(
    (model) =>
      parameters.every((parameter) => model.supported_parameters.includes(parameter)) &&
      (inputs.length === 0 || inputs.some((modality) => model.architecture.input_modalities.includes(modality))) &&
      (outputs.length === 0 || outputs.includes('all') || outputs.some((modality) => model.architecture.output_modalities.includes(modality))),
  );
}

/** `GET /models`, `/embeddings/models` and `/images/models`: every model of `kind` the filters keep, in one page. */
export function handleModels(context: EmulatorContext, res: ServerResponse, query: URLSearchParams, kind: ModelKind): void {
  const data = listModels(context, query, kind);
  sendJson(res, 200, { data: kind === 'image' ? data.map(imageListing) : data, total_count: data.length, links: { next: null } });
}

/** `GET /models/count`: `{ data: { count } }`, how many models `GET /models` lists under the same filters. */
export function handleModelsCount(context: EmulatorContext, res: ServerResponse, query: URLSearchParams): void {
  sendJson(res, 200, { data: { count: listModels(context, query, 'chat').length } });
}

/** Most models one page of `GET /models/user` holds. */
const MAX_PAGE_SIZE = 1000;

/** A paging parameter: absent, or an integer from `min` to `max`; a 400 naming it otherwise. */
function pagingParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new EmulatorHttpError(400, `${name} must be an integer from ${min} to ${max}`, { param: name });
  return value;
}

/**
 * `GET /models/user`: the models the key's account may use, filtered by its provider preferences and guardrails. The
 * emulated account has none, so these are the models of `GET /models` under the same filters; a key is required.
 * `offset` and `limit` (up to 1,000) page them, and `links.next` points to the next page while one is left.
 */
export function handleUserModels(context: EmulatorContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  authenticate(context, req);
  const limit = pagingParam(query, 'limit', 1, MAX_PAGE_SIZE);
  const offset = pagingParam(query, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const models = listModels(context, query, 'chat');
  // Without offset and limit the whole list is one page, as OpenRouter answers.
  const end = limit === undefined ? models.length : offset + limit;
  let next: string | null = null;
  if (limit !== undefined && end < models.length) {
    const page = new URLSearchParams(query);
    page.set('offset', String(end));
    page.set('limit', String(limit));
    next = `/api/v1/models/user?${page.toString()}`;
  }
  sendJson(res, 200, { data: models.slice(offset, end), total_count: models.length, links: { next } });
}

/** What each parameter of an image model takes, as the Image API's listing describes it (`image_config` is two). */
const IMAGE_PARAMETERS: Readonly<Record<string, Record<string, unknown>>> = {
  seed: { seed: { type: 'range', min: 0, max: 2_147_483_647 } },
  image_config: { aspect_ratio: { type: 'enum', values: Object.keys(ASPECT_RATIOS) }, image_size: { type: 'enum', values: Object.keys(LONG_SIDE_BY_IMAGE_SIZE) } },
};

/**
 * An image model as `GET /images/models` lists it: its parameters as a record of what each takes (not a list of names
 * as `/models` gives), where its endpoints are, and whether it streams; its prices and the rest as in the catalog.
 */
function imageListing(model: CatalogModel): Record<string, unknown> {
  return {
    ...model,
    endpoints: `/api/v1/models/${model.id}/endpoints`,
    supported_parameters: Object.assign({}, ...model.supported_parameters.map((name) => IMAGE_PARAMETERS[name] ?? { [name]: { type: 'boolean' } })) as Record<string, unknown>,
    supports_streaming: true,
  };
}

/**
 * `GET /models/:author/:slug/endpoints`: the providers serving a model, in routing order, each with its own prices (an
 * open-weights model's later hosts charge more than the list price), limits and the throughput and latency figures
 * `provider.sort` reads.
 */
export function handleModelEndpoints(context: EmulatorContext, res: ServerResponse, slug: string): void {
  const model = context.catalog.find(slug);
  if (!model) throw new EmulatorHttpError(404, `Model ${slug} not found`);
  const tools = model.supported_parameters.includes('tool_choice');
  const endpoints = providersForModel(model.id).map((provider, index) => {
    const { throughput, latency } = providerFigures(provider);
    return {
      name: `${provider} | ${model.canonical_slug}`,
      model_id: model.id,
      model_name: model.name,
      context_length: model.context_length,
      pricing: { ...providerPricing(model, provider), discount: 0 },
      provider_name: provider,
      tag: provider.toLowerCase().replace(/\s+/g, '-'),
      quantization: null,
      max_completion_tokens: model.top_provider.max_completion_tokens,
      max_prompt_tokens: null,
      supported_parameters: model.supported_parameters,
      status: 0,
      uptime_last_5m: 100 - index * 0.5,
      uptime_last_30m: 99.9 - index * 0.4,
      uptime_last_1d: 99.8 - index * 0.3,
      latency_last_30m: { p50: latency, p75: Math.round(latency * 1.4), p90: Math.round(latency * 2), p99: Math.round(latency * 4) },
      throughput_last_30m: { p50: throughput, p75: Math.round(throughput * 0.85), p90: Math.round(throughput * 0.7), p99: Math.round(throughput * 0.4) },
      supports_implicit_caching: false,
      supports_tool_choice: { auto: tools, none: tools, required: tools, function: tools },
    };
  });
  const { id, name, created, description, architecture } = model;
  sendJson(res, 200, { data: { id, name, created, description, architecture, endpoints } });
}
