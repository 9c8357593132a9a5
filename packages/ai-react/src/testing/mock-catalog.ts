// The emulator's real OpenRouter catalog (345 chat models, plus its embedding and image models), served as the
// gateway serves it: `/api/ai/models` (admin) and `/v1/models` (features, then raw models).
import catalogText from '../../../openrouter-emulator/data/openrouter-models.json?raw';
import extraText from '../../../openrouter-emulator/data/extra-models.json?raw';
import type { FeatureConfig } from '../core/admin-types.js';

type Modality = 'text' | 'image' | 'embedding';

/** An OpenRouter model as its `/models` lists it (the fields the gateway reads). */
export interface RawModel {
  id: string;
  name?: string;
  created?: number;
  context_length?: number | null;
  architecture?: { input_modalities?: string[]; output_modalities?: string[] };
  pricing?: Record<string, string>;
  top_provider?: { context_length?: number | null; max_completion_tokens?: number | null };
  supported_parameters?: string[];
  [field: string]: unknown;
}

export interface MockCatalog {
  models: readonly RawModel[];
  byId: ReadonlyMap<string, RawModel>;
}

let shared: MockCatalog | undefined;

/** The catalog, parsed once per page (every mock instance shares it: it is never written). */
export function loadCatalog(): MockCatalog {
  if (shared) return shared;
  const chat = (JSON.parse(catalogText) as { data: RawModel[] }).data;
  const extra = JSON.parse(extraText) as { embeddings: RawModel[]; images: RawModel[] };
  const models = [...chat, ...extra.embeddings, ...extra.images];
  shared = { models, byId: new Map(models.map((model) => [model.id, model])) };
  return shared;
}

/** What a feature of each modality could use a model for (the gateway's `modalitiesOf`). */
export function modalitiesOf(model: RawModel): Modality[] {
  const outputs = model.architecture?.output_modalities ?? [];
  if (outputs.includes('embeddings')) return ['embedding'];
  const modalities: Modality[] = [];
  if (outputs.length === 0 || outputs.includes('text')) modalities.push('text');
  if (outputs.includes('image')) modalities.push('image');
  return modalities;
}

/** `GET /api/ai/models?modality=&search=`: `{ data: [...model, modalities] }`. */
export function adminCatalog(catalog: MockCatalog, modality: string | null, search: string | null) {
  const needle = search?.trim().toLowerCase();
  const data = [];
  for (const model of catalog.models) {
    const modalities = modalitiesOf(model);
    if (modality && !modalities.includes(modality as Modality)) continue;
    if (needle && !model.id.toLowerCase().includes(needle) && !(model.name ?? '').toLowerCase().includes(needle)) continue;
    data.push({ ...model, modalities });
  }
  return { data };
}

function details(model: RawModel | undefined) {
  return {
    name: model?.name ?? null,
    context_length: model?.context_length ?? model?.top_provider?.context_length ?? null,
    max_output_tokens: model?.top_provider?.max_completion_tokens ?? null,
    pricing: model?.pricing ?? null,
    input_modalities: model?.architecture?.input_modalities ?? [],
    output_modalities: model?.architecture?.output_modalities ?? [],
    supported_parameters: model?.supported_parameters ?? [],
  };
}

/** `GET /v1/models`: the project's features as OpenAI models with the gateway's `details`, then every raw model. */
export function listedModels(catalog: MockCatalog, features: readonly FeatureConfig[], allowRawModels: boolean) {
  const data: unknown[] = features.map((feature) => {
    const model = catalog.byId.get(feature.model);
    return {
      id: feature.name,
      object: 'model',
      created: model?.created ?? 0,
      owned_by: 'insforge',
      details: { kind: 'feature', modality: feature.modality, model: feature.model, fallback_models: feature.fallbackModels, ...details(model) },
    };
  });
  if (allowRawModels) {
    for (const model of catalog.models) {
      const outputs = model.architecture?.output_modalities ?? [];
      const modality: Modality = outputs.includes('embeddings') ? 'embedding' : outputs.includes('image') && !outputs.includes('text') ? 'image' : 'text';
      data.push({
        id: model.id,
        object: 'model',
        created: model.created ?? 0,
        owned_by: model.id.includes('/') ? model.id.slice(0, model.id.indexOf('/')) : 'openrouter',
        details: { kind: 'model', modality, model: model.id, ...details(model) },
      });
    }
  }
  return { object: 'list', data };
}

/** Output tokens OpenRouter bills per generated image (the emulator's figure). */
export const IMAGE_OUTPUT_TOKENS = 1290;

/** USD a call costs at the model's catalog prices; image tokens are priced at `image_output` where the model has it. */
export function costOf(model: RawModel | undefined, promptTokens: number, completionTokens: number, imageTokens = 0): number {
  const price = (key: string) => {
    const value = Number(model?.pricing?.[key] ?? 0);
    return Number.isFinite(value) && value > 0 ? value : 0;
  };
  const usd = promptTokens * price('prompt') + completionTokens * price('completion') + imageTokens * (price('image_output') || price('completion'));
  // OpenRouter reports cost with up to 10 decimals; float noise stays out of labels.
  return Math.round(usd * 1e10) / 1e10;
}
