import { modalitiesOf, ownerOf, type CatalogEntry, type ModelDetails } from '@insforge/ai-protocol';
import type { ModelEntry, ModelPricing } from './chat-types.js';

/**
 * OpenRouter's catalog model as `/api/ai/models` lists it (the protocol's `CatalogEntry`), read defensively: only
 * the id is sure.
 */
export type CatalogModel = Partial<CatalogEntry> & { id: string };

/** `/v1/models` entries: OpenAI's model object with the gateway's `details` (the protocol's), absent on other servers. */
export interface ListedModel {
  id: string;
  owned_by?: string;
  details?: Partial<ModelDetails>;
}

/** OpenRouter's prices are strings of USD per token (per image or request for those keys). */
function toPricing(raw: Record<string, unknown> | null | undefined): ModelPricing {
  const number = (key: string) => {
    const value = Number(raw?.[key] ?? NaN);
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const perMillion = (key: string) => {
    const value = number(key);
    // Rounded to 1e-5 USD so float noise (0.15000000000000002) never reaches a label.
    return value === undefined ? undefined : Math.round(value * 1e6 * 1e5) / 1e5;
  };
  const pricing: ModelPricing = {};
  const prompt = perMillion('prompt');
  if (prompt !== undefined) pricing.promptPerMillion = prompt;
  const completion = perMillion('completion');
  if (completion !== undefined) pricing.completionPerMillion = completion;
  const image = number('image_output') ?? number('image');
  if (image !== undefined && image > 0) pricing.perImage = image;
  const request = number('request');
  if (request !== undefined && request > 0) pricing.perRequest = request;
  return pricing;
}

const modalitiesFromOutputs = (outputs: string[]) => modalitiesOf({ architecture: { output_modalities: outputs } });

function withLimits(entry: ModelEntry, contextLength: number | null | undefined, maxOutput: number | null | undefined): ModelEntry {
  if (typeof contextLength === 'number') entry.contextLength = contextLength;
  if (typeof maxOutput === 'number') entry.maxOutputTokens = maxOutput;
  return entry;
}

/**
 * An admin catalog model as a picker entry.
 *
 * @example
 * const entries = catalog.data.map(fromCatalogModel);
 */
export function fromCatalogModel(model: CatalogModel): ModelEntry {
  const outputs = model.architecture?.output_modalities ?? [];
  const entry: ModelEntry = {
    id: model.id,
    kind: 'model',
    name: model.name ?? model.id,
    provider: ownerOf(model.id),
    model: model.id,
    modalities: model.modalities ?? modalitiesFromOutputs(outputs),
    inputModalities: model.architecture?.input_modalities ?? [],
    outputModalities: outputs,
    pricing: toPricing(model.pricing),
    supportedParameters: model.supported_parameters ?? [],
  };
  return withLimits(entry, model.context_length ?? model.top_provider?.context_length, model.top_provider?.max_completion_tokens);
}

/**
 * A `/v1/models` entry as a picker entry; a plain OpenAI server's models (no `details`) count as text models.
 *
 * @example
 * const entries = list.data.map(fromListedModel);
 */
export function fromListedModel(model: ListedModel): ModelEntry {
  const details = model.details ?? {};
  const served = details.model ?? model.id;
  const outputs = details.output_modalities ?? [];
  const entry: ModelEntry = {
    id: model.id,
    kind: details.kind ?? 'model',
    name: details.name ?? model.id,
    provider: ownerOf(served, model.owned_by),
    model: served,
    modalities: details.modality ? [details.modality] : modalitiesFromOutputs(outputs),
    inputModalities: details.input_modalities ?? [],
    outputModalities: outputs,
    pricing: toPricing(details.pricing),
    supportedParameters: details.supported_parameters ?? [],
  };
  if (details.fallback_models) entry.fallbackModels = details.fallback_models;
  if (details.accepts) entry.accepts = details.accepts;
  return withLimits(entry, details.context_length, details.max_output_tokens);
}
