// The emulator's real OpenRouter catalog (345 chat models, plus its embedding and image models), served as the
// gateway serves it: `/api/ai/models` (admin) and `/v1/models` (features, then raw models).
import { catalogEntries, listedFeature, listedModel, type AttachmentKind, type CatalogResponse, type ExtensionPolicy, type FeatureAccepts, type ModelList, type Modality, type OpenRouterModel } from '@insforge/ai-protocol';
import catalogText from '@insforge/openrouter-emulator/data/openrouter-models.json?raw';
import extraText from '@insforge/openrouter-emulator/data/extra-models.json?raw';
import type { FeatureConfig } from '../core/admin-types.js';

/** An OpenRouter model as its `/models` lists it (the fields the gateway reads). */
export type RawModel = OpenRouterModel;

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

/** `GET /api/ai/models?modality=&search=`: the gateway's own filter over the same catalog. */
export function adminCatalog(catalog: MockCatalog, modality: string | null, search: string | null): CatalogResponse {
  const known = MODALITIES.find((name) => name === modality);
  // A modality no model has lists nothing (the gateway refuses it as a parameter).
  if (modality && !known) return { data: [] };
  return { data: catalogEntries(catalog.models, { modality: known, search }) };
}

const MODALITIES: readonly Modality[] = ['text', 'image', 'embedding'];

/** The gateway's default for an attachment kind a feature does not restrict (10 files of 10 MB). */
const DEFAULT_ATTACHMENTS = { maxCount: 10, maxBytes: 10 * 1024 * 1024 } as const;

/** What a feature accepts, as the gateway derives it from the feature's extension policy (its defaults filled in). */
function acceptsOf(policy: ExtensionPolicy | undefined): FeatureAccepts {
  const rule = (kind: AttachmentKind): FeatureAccepts['attachments'][AttachmentKind] => {
    const set = policy?.attachments?.[kind];
    // Video is refused until the policy names it, as the gateway does.
    if (set === false || (set === undefined && kind === 'video')) return false;
    return { maxCount: set?.maxCount ?? DEFAULT_ATTACHMENTS.maxCount, maxBytes: set?.maxBytes ?? DEFAULT_ATTACHMENTS.maxBytes, ...(set?.mimeTypes ? { mimeTypes: set.mimeTypes } : {}) };
  };
  const serverTools: FeatureAccepts['serverTools'] = {};
  for (const [name, access] of Object.entries(policy?.serverTools ?? {})) if (access !== 'forbid') serverTools[name] = access;
  return {
    attachments: { image: rule('image'), file: rule('file'), audio: rule('audio'), video: rule('video') },
    serverTools,
    options: { plugins: policy?.plugins === 'allow', provider: policy?.provider === 'allow', models: policy?.models === 'allow', transforms: policy?.transforms === 'allow', cache_control: policy?.cacheControl !== 'forbid' },
  };
}

/** `GET /v1/models`: the project's features as models (OpenAI's and OpenRouter's fields, the gateway's `details`), then every raw model. */
export function listedModels(catalog: MockCatalog, features: readonly FeatureConfig[], allowRawModels: boolean): ModelList {
  const data = features.map((feature) => listedFeature({ ...feature, accepts: acceptsOf(feature.extensions) }, catalog.byId.get(feature.model)));
  if (allowRawModels) data.push(...catalog.models.map(listedModel));
  return { object: 'list', data, total_count: data.length, links: { next: null } };
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
