import { modalitiesOf, ownerOf, type CatalogEntry, type ModelDetails } from '@insforge/ai-protocol';
import type { FeatureAccepts } from '@insforge/ai-protocol';
import type { ModelEntry, ModelPricing } from './chat-types.js';
import { isRecord } from './json-records.js';

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

// A server's answer is read field by field: a field of the wrong type is left out (or its default taken), so a picker,
// a settings dialog or a composer never meets a number where it calls a string's or an array's methods.
const textOr = (value: unknown, fallback: string): string => (typeof value === 'string' && value !== '' ? value : fallback);
const textsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
const countOf = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);
const MODALITIES: ReadonlySet<unknown> = new Set(['text', 'image', 'embedding']);
const modalitiesIn = (value: unknown): ModelEntry['modalities'] | undefined =>
  Array.isArray(value) ? value.filter((item): item is ModelEntry['modalities'][number] => MODALITIES.has(item)) : undefined;

/** What a feature takes, where every part has the protocol's shape; anything else counts as not said (the gateway checks on send). */
function acceptsOf(value: unknown): FeatureAccepts | undefined {
  if (!isRecord(value) || !isRecord(value['attachments']) || !isRecord(value['serverTools']) || !isRecord(value['options'])) return undefined;
  const rules = Object.values(value['attachments']);
  const wellFormed = rules.every((rule) => rule === false || (isRecord(rule) && countOf(rule['maxCount']) !== undefined && countOf(rule['maxBytes']) !== undefined && (rule['mimeTypes'] === undefined || textsOf(rule['mimeTypes']).length === (rule['mimeTypes'] as unknown[]).length)));
  return wellFormed ? (value as unknown as FeatureAccepts) : undefined;
}

function withLimits(entry: ModelEntry, contextLength: unknown, maxOutput: unknown): ModelEntry {
  const context = countOf(contextLength);
  if (context !== undefined) entry.contextLength = context;
  const output = countOf(maxOutput);
  if (output !== undefined) entry.maxOutputTokens = output;
  return entry;
}

/**
 * An admin catalog model as a picker entry.
 *
 * @example
 * const entries = catalog.data.map(fromCatalogModel);
 */
export function fromCatalogModel(model: CatalogModel): ModelEntry {
  const architecture: Record<string, unknown> = isRecord(model.architecture) ? model.architecture : {};
  const provider: Record<string, unknown> = isRecord(model.top_provider) ? model.top_provider : {};
  const outputs = textsOf(architecture['output_modalities']);
  const entry: ModelEntry = {
    id: model.id,
    kind: 'model',
    name: textOr(model.name, model.id),
    provider: ownerOf(model.id),
    model: model.id,
    modalities: modalitiesIn(model.modalities) ?? modalitiesFromOutputs(outputs),
    inputModalities: textsOf(architecture['input_modalities']),
    outputModalities: outputs,
    pricing: toPricing(isRecord(model.pricing) ? model.pricing : undefined),
    supportedParameters: textsOf(model.supported_parameters),
  };
  return withLimits(entry, model.context_length ?? provider['context_length'], provider['max_completion_tokens']);
}

/**
 * A `/v1/models` entry as a picker entry; a plain OpenAI server's models (no `details`) count as text models.
 *
 * @example
 * const entries = list.data.map(fromListedModel);
 */
export function fromListedModel(model: ListedModel): ModelEntry {
  const details: Record<string, unknown> = isRecord(model.details) ? model.details : {};
  const served = textOr(details['model'], model.id);
  const outputs = textsOf(details['output_modalities']);
  const entry: ModelEntry = {
    id: model.id,
    kind: details['kind'] === 'feature' ? 'feature' : 'model',
    name: textOr(details['name'], model.id),
    provider: ownerOf(served, textOr(model.owned_by, 'openrouter')),
    model: served,
    modalities: MODALITIES.has(details['modality']) ? [details['modality'] as ModelEntry['modalities'][number]] : modalitiesFromOutputs(outputs),
    inputModalities: textsOf(details['input_modalities']),
    outputModalities: outputs,
    pricing: toPricing(isRecord(details['pricing']) ? details['pricing'] : undefined),
    supportedParameters: textsOf(details['supported_parameters']),
  };
  if (Array.isArray(details['fallback_models'])) entry.fallbackModels = textsOf(details['fallback_models']);
  const accepts = acceptsOf(details['accepts']);
  if (accepts) entry.accepts = accepts;
  return withLimits(entry, details['context_length'], details['max_output_tokens']);
}
