/** What a feature does, and what a model can be used for: chat (text), draw (image) or embed. */
export type Modality = 'text' | 'image' | 'embedding';

/** A model as OpenRouter's `/models` lists it; only the fields the gateway reads are typed, the rest pass through. */
export interface OpenRouterModel {
  id: string;
  name?: string;
  created?: number;
  context_length?: number | null;
  architecture?: { input_modalities?: string[]; output_modalities?: string[] };
  /** Strings of USD per token (per request or image for those keys), as OpenRouter sends them. */
  pricing?: Record<string, unknown>;
  top_provider?: { max_completion_tokens?: number | null; context_length?: number | null };
  supported_parameters?: string[];
  [field: string]: unknown;
}

/**
 * What a feature of each modality could use the model for: embedding models embed; a model that outputs text can
 * chat and one that outputs images can draw (Gemini's image models do both). No outputs listed means text.
 *
 * @example
 * modalitiesOf({ architecture: { output_modalities: ['image', 'text'] } }); // ['text', 'image']
 */
export function modalitiesOf(model: Partial<OpenRouterModel>): Modality[] {
  const outputs = model.architecture?.output_modalities ?? [];
  if (outputs.includes('embeddings')) return ['embedding'];
  const modalities: Modality[] = [];
  if (outputs.length === 0 || outputs.includes('text')) modalities.push('text');
  if (outputs.includes('image')) modalities.push('image');
  return modalities;
}

/** OpenRouter ids are `author/slug`: the author owns the model. */
export const ownerOf = (id: string, fallback = 'openrouter'): string => (id.includes('/') ? id.slice(0, id.indexOf('/')) : fallback);

/** One model of the admin catalog (`GET /api/ai/models`): OpenRouter's, with the modalities a feature could use. */
export type CatalogEntry = OpenRouterModel & { modalities: Modality[] };

/** `GET /api/ai/models?modality=&search=`. */
export interface CatalogResponse {
  data: CatalogEntry[];
}

/**
 * The admin catalog's entries of a modality whose id or name holds `search` (any case), in the catalog's order.
 *
 * @example
 * catalogEntries(models, { modality: 'image', search: 'flux' });
 */
export function catalogEntries(models: readonly OpenRouterModel[], query: { modality?: Modality | null | undefined; search?: string | null | undefined } = {}): CatalogEntry[] {
  const needle = query.search?.trim().toLowerCase();
  const entries: CatalogEntry[] = [];
  for (const model of models) {
    const modalities = modalitiesOf(model);
    if (query.modality && !modalities.includes(query.modality)) continue;
    if (needle && !model.id.toLowerCase().includes(needle) && !(model.name ?? '').toLowerCase().includes(needle)) continue;
    entries.push({ ...model, modalities });
  }
  return entries;
}

/** What the gateway adds to OpenAI's model object: what a name serves and the details of that model. */
export interface ModelDetails {
  /** `feature` for a project feature, `model` for a raw OpenRouter model id. */
  kind: 'feature' | 'model';
  modality: Modality;
  /** The OpenRouter model that answers (a feature's first choice). */
  model: string;
  /** Tried in order when the model fails (features only). */
  fallback_models?: string[];
  /** The rest comes from OpenRouter's catalog; null when the catalog does not know the model or cannot be had. */
  name: string | null;
  context_length: number | null;
  max_output_tokens: number | null;
  /** OpenRouter's prices: strings, USD per token (or per request / image). */
  pricing: Record<string, unknown> | null;
  input_modalities: string[];
  output_modalities: string[];
  supported_parameters: string[];
  /** What the feature accepts (features only). */
  accepts?: FeatureAccepts;
}

/** A kind of attachment a chat message part can carry: `image_url`, `file` (PDF…), `input_audio` or `video_url`. */
export type AttachmentKind = 'image' | 'file' | 'audio' | 'video';

/**
 * What a feature accepts beyond parameters, so a UI can adapt before sending: attachments by kind (`false` when
 * refused), the OpenRouter server tools a client may add or that are always on, and OpenRouter's request options.
 */
export interface FeatureAccepts {
  attachments: Record<AttachmentKind, false | { maxCount: number; maxBytes: number; mimeTypes?: string[] }>;
  serverTools: Record<string, 'allow' | 'force'>;
  options: Record<'plugins' | 'provider' | 'models' | 'transforms' | 'cache_control', boolean>;
  /** OpenRouter's plugins the policy names by id (`response-healing`…) that a client may send or that are always on. */
  plugins?: Record<string, 'allow' | 'force'> | undefined;
}

/**
 * What a feature's policy allows, narrowed to what its model reads: no images for a model without image input, no
 * audio without audio input, no video without video input. PDFs stay (OpenRouter's file parser reads them for any model). Unknown modalities
 * (none listed, or no catalog) narrow nothing. The gateway lists features with it, and a client narrows with it too.
 *
 * @example
 * acceptedByModel(accepts, ['text']).attachments.image // false
 */
export function acceptedByModel(accepts: FeatureAccepts, inputModalities: readonly string[] | undefined): FeatureAccepts {
  if (!inputModalities || inputModalities.length === 0) return accepts;
  const attachments = { ...accepts.attachments };
  if (!inputModalities.includes('image')) attachments.image = false;
  if (!inputModalities.includes('audio')) attachments.audio = false;
  if (!inputModalities.includes('video')) attachments.video = false;
  return { ...accepts, attachments };
}

/**
 * OpenRouter's model object as its `/models` lists it, with every field its SDK (`@openrouter/sdk`) requires: what the
 * catalog knows of the model, the rest filled in (`null`, `[]`, `-1` prices as OpenRouter lists a model without fixed
 * prices, `is_moderated: false`). Further fields of the catalog's copy (description, knowledge cutoff…) pass through.
 */
export interface OpenRouterListing {
  canonical_slug: string;
  name: string;
  created: number;
  context_length: number | null;
  architecture: { modality: string | null; input_modalities: string[]; output_modalities: string[]; [field: string]: unknown };
  /** Strings of USD per token (per request or image for those keys). */
  pricing: { prompt: string; completion: string; [key: string]: unknown };
  top_provider: { is_moderated: boolean; context_length?: number | null; max_completion_tokens?: number | null };
  per_request_limits: Record<string, unknown> | null;
  default_parameters: Record<string, unknown> | null;
  supported_parameters: string[];
  supported_voices: string[] | null;
  links: { details: string };
  [field: string]: unknown;
}

/**
 * A listed model: OpenAI's model object (`id`, `object`, `created`, `owned_by`) and OpenRouter's (`name`, `pricing`,
 * `context_length`, `architecture`…) in one, so that both SDKs read it, with the gateway's `details` extension.
 */
export interface ListedModel extends OpenRouterListing {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  details: ModelDetails;
}

/**
 * `GET /v1/models`: the caller's features, then (where the project allows raw ids) OpenRouter's catalog; OpenAI's list
 * (`object`, `data`) with OpenRouter's paging fields (`total_count`, `links.next`).
 */
export interface ModelList {
  object: 'list';
  data: ListedModel[];
  /** How many models there are in all, across pages. */
  total_count: number;
  links: { next: string | null };
}

/** A feature as `/v1/models` needs it. */
export interface ListedFeature {
  name: string;
  modality: Modality;
  model: string;
  fallbackModels: string[];
  accepts?: FeatureAccepts | undefined;
}

function catalogDetails(model: OpenRouterModel | undefined): Omit<ModelDetails, 'kind' | 'modality' | 'model' | 'fallback_models'> {
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

/** OpenRouter's fields of the model `id` (the catalog's copy where it has one), each required one present. */
function openRouterListing(id: string, model: OpenRouterModel | undefined): OpenRouterListing {
  const { architecture, pricing, top_provider: topProvider } = model ?? {};
  return {
    ...model,
    canonical_slug: typeof model?.['canonical_slug'] === 'string' ? model['canonical_slug'] : id,
    name: model?.name ?? id,
    created: model?.created ?? 0,
    context_length: model?.context_length ?? topProvider?.context_length ?? null,
    architecture: { modality: null, ...architecture, input_modalities: architecture?.input_modalities ?? [], output_modalities: architecture?.output_modalities ?? [] },
    pricing: { prompt: '-1', completion: '-1', ...pricing },
    top_provider: { is_moderated: false, ...topProvider },
    per_request_limits: (model?.['per_request_limits'] as Record<string, unknown> | null | undefined) ?? null,
    default_parameters: (model?.['default_parameters'] as Record<string, unknown> | null | undefined) ?? null,
    supported_parameters: model?.supported_parameters ?? [],
    supported_voices: (model?.['supported_voices'] as string[] | null | undefined) ?? null,
    links: (model?.['links'] as { details: string } | undefined) ?? { details: `/api/v1/models/${id}/endpoints` },
  };
}

/**
 * A feature as `/v1/models` lists it: the OpenRouter fields of the model it serves under the feature's name, and the
 * details of that model (`model` undefined when the catalog does not know it or cannot be had: the details are null
 * then, and the OpenRouter fields filled in).
 *
 * @example
 * listedFeature({ name: 'chat', modality: 'text', model: 'openai/gpt-4o-mini', fallbackModels: [] }, catalog.byId.get('openai/gpt-4o-mini'));
 */
export function listedFeature(feature: ListedFeature, model: OpenRouterModel | undefined): ListedModel {
  return {
    ...openRouterListing(feature.model, model),
    id: feature.name,
    object: 'model',
    created: model?.created ?? 0,
    owned_by: 'insforge',
    details: {
      kind: 'feature',
      modality: feature.modality,
      model: feature.model,
      fallback_models: feature.fallbackModels,
      ...catalogDetails(model),
      ...(feature.accepts ? { accepts: feature.accepts } : {}),
    },
  };
}

/** A raw OpenRouter model as `/v1/models` lists it: it serves the first modality it can (text before image). */
export function listedModel(model: OpenRouterModel): ListedModel {
  return {
    ...openRouterListing(model.id, model),
    id: model.id,
    object: 'model',
    created: model.created ?? 0,
    owned_by: ownerOf(model.id),
    details: { kind: 'model', modality: modalitiesOf(model)[0] ?? 'text', model: model.id, ...catalogDetails(model) },
  };
}

/** `allow` sends what a client set as it came; `forbid` refuses it with a 400 naming the field. */
export type ExtensionAccess = 'allow' | 'forbid';

/** One kind of attachment: `false` refuses it; otherwise how many a request may hold, how large each, of which types. */
export type AttachmentRule = false | { maxCount?: number | undefined; maxBytes?: number | undefined; mimeTypes?: string[] | undefined };

/**
 * A feature's policy for what a client adds beyond parameters (the feature's `extensions` field): OpenRouter's server
 * tools by name (`force`: always sent), its request options, prompt caching and attachments by kind.
 */
export interface ExtensionPolicy {
  serverTools?: Record<string, ExtensionAccess | 'force'> | undefined;
  /** Every OpenRouter plugin not named in `pluginsById`. */
  plugins?: ExtensionAccess | undefined;
  /** OpenRouter's plugins by id (`response-healing`, `context-compression`, `file-parser`, `web`; `force`: always sent). */
  pluginsById?: Record<string, ExtensionAccess | 'force'> | undefined;
  provider?: ExtensionAccess | undefined;
  models?: ExtensionAccess | undefined;
  transforms?: ExtensionAccess | undefined;
  cacheControl?: ExtensionAccess | undefined;
  /** By kind; a kind left out is allowed within the gateway's defaults, but `video`, which is refused until named. */
  attachments?: { image?: AttachmentRule | undefined; file?: AttachmentRule | undefined; audio?: AttachmentRule | undefined; video?: AttachmentRule | undefined } | undefined;
}
