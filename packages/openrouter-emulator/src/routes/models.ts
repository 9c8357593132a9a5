import type { ServerResponse } from 'node:http';
import { providersForModel } from '../catalog/providers.js';
import type { CatalogModel, ModelKind } from '../catalog/types.js';
import type { EmulatorContext } from '../context.js';
import { EmulatorHttpError, sendJson } from '../http.js';

function listParam(query: URLSearchParams, name: string): string[] {
  return (query.get(name) ?? '').split(',').map((value) => value.trim()).filter(Boolean);
}

/**
 * `GET /models` with OpenRouter's filters: `supported_parameters` (all listed), `input_modalities` and
 * `output_modalities` (any listed; `output_modalities=all` includes embedding and image-only models).
 */
export function handleModels(context: EmulatorContext, res: ServerResponse, query: URLSearchParams, kind: ModelKind): void {
  const parameters = listParam(query, 'supported_parameters');
  const inputs = listParam(query, 'input_modalities');
  const outputs = listParam(query, 'output_modalities');
  let models: readonly CatalogModel[] = context.catalog.list(kind);
  if (kind === 'chat' && outputs.length > 0) {
    models = outputs.includes('all') ? context.catalog.all() : [...models, ...context.catalog.list('image'), ...context.catalog.list('embedding')];
  }
  const data = models.filter(
    (model) =>
      parameters.every((parameter) => model.supported_parameters.includes(parameter)) &&
      (inputs.length === 0 || inputs.some((modality) => model.architecture.input_modalities.includes(modality))) &&
      (outputs.length === 0 || outputs.includes('all') || outputs.some((modality) => model.architecture.output_modalities.includes(modality))),
  );
  sendJson(res, 200, { data, total_count: data.length, links: { next: null } });
}

/** `GET /models/:author/:slug/endpoints`: the providers serving a model, with their prices and limits. */
export function handleModelEndpoints(context: EmulatorContext, res: ServerResponse, slug: string): void {
  const model = context.catalog.find(slug);
  if (!model) throw new EmulatorHttpError(404, `Model ${slug} not found`);
  const endpoints = providersForModel(model.id).map((provider, index) => ({
    name: `${provider} | ${model.canonical_slug}`,
    model_id: model.id,
    model_name: model.name,
    context_length: model.context_length,
    pricing: { ...model.pricing, discount: 0 },
    provider_name: provider,
    tag: provider.toLowerCase().replace(/\s+/g, '-'),
    quantization: null,
    max_completion_tokens: model.top_provider.max_completion_tokens,
    max_prompt_tokens: null,
    supported_parameters: model.supported_parameters,
    status: 0,
    uptime_last_30m: 99.9 - index * 0.4,
    latency_last_30m: { p50: 420 + index * 80, p75: 610 + index * 90, p90: 900 + index * 120, p99: 1800 + index * 200 },
    throughput_last_30m: { p50: 72 - index * 8, p75: 64 - index * 8, p90: 51 - index * 6, p99: 30 - index * 4 },
    supports_implicit_caching: false,
  }));
  const { id, name, created, description, architecture } = model;
  sendJson(res, 200, { data: { id, name, created, description, architecture, endpoints } });
}
