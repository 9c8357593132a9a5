import type { RequestHandler } from 'express';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from '../gateway/context.js';
import { rawModelsAllowed } from '../gateway/resolve-target.js';
import type { Feature, Modality } from '../features/feature.js';
import { modalitiesOf, type CatalogSnapshot, type UpstreamModel } from '../upstream/model-catalog.js';
import { identityOf } from './identity-middleware.js';

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
}

/** An OpenAI model object, with the gateway's `details` extension. */
export interface ListedModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  details: ModelDetails;
}

/** The modality a raw catalog model serves: the first it can serve (text before image), else text. */
function modalityOf(model: UpstreamModel): Modality {
  return modalitiesOf(model)[0] ?? 'text';
}

function catalogDetails(model: UpstreamModel | undefined): Omit<ModelDetails, 'kind' | 'modality' | 'model' | 'fallback_models'> {
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

function featureEntry(feature: Feature, catalog: CatalogSnapshot | undefined): ListedModel {
  const model = catalog?.byId.get(feature.model);
  return {
    id: feature.name,
    object: 'model',
    created: model?.created ?? 0,
    owned_by: 'insforge',
    details: { kind: 'feature', modality: feature.modality, model: feature.model, fallback_models: feature.fallbackModels, ...catalogDetails(model) },
  };
}

function rawEntry(model: UpstreamModel): ListedModel {
  return {
    id: model.id,
    object: 'model',
    created: model.created ?? 0,
    // OpenRouter ids are `author/slug`: the author owns the model.
    owned_by: model.id.includes('/') ? model.id.slice(0, model.id.indexOf('/')) : 'openrouter',
    details: { kind: 'model', modality: modalityOf(model), model: model.id, ...catalogDetails(model) },
  };
}

/** The catalog, or undefined when OpenRouter cannot be reached and nothing is cached. */
async function catalogOf(context: GatewayContext): Promise<CatalogSnapshot | undefined> {
  try {
    return await context.catalog.snapshot();
  } catch (error) {
    context.logger.warn('model catalog unavailable; listing features without model details', { error });
    return undefined;
  }
}

/**
 * `GET /v1/models`: the caller's project features as OpenAI models, each with the details of the model it serves,
 * then (where the project allows raw ids) OpenRouter's catalog. Features never depend on the upstream: when the
 * catalog cannot be had they are still listed, without details, and the raw models are left out.
 */
export function listModelsHandler(context: GatewayContext): RequestHandler {
  return async (_req, res) => {
    const { projectId, role } = identityOf(res);
    const [features, catalog, allowRaw] = await Promise.all([context.features.list(projectId), catalogOf(context), rawModelsAllowed(context.allowRawModels, projectId)]);
    // A feature the caller's role cannot use is not theirs to see.
    const data = features.filter((feature) => feature.roles.includes(role)).map((feature) => featureEntry(feature, catalog));
    if (allowRaw && catalog) data.push(...catalog.models.map(rawEntry));
    res.json({ object: 'list', data });
  };
}

/**
 * `GET /v1/models/{id}`: one feature, or one raw model where the project allows them. Ids may hold slashes
 * (`openai/gpt-4o-mini`), so the route matches the rest of the path; an unknown id is a 404.
 */
export function retrieveModelHandler(context: GatewayContext): RequestHandler {
  return async (req, res) => {
    const { projectId, role } = identityOf(res);
    // Express 5 gives a `*id` wildcard as its decoded path segments.
    const segments: unknown = (req.params as Record<string, unknown>)['id'];
    const id = Array.isArray(segments) ? segments.join('/') : String(segments ?? '');
    const feature = await context.features.get(projectId, id);
    if (feature?.roles.includes(role)) {
      res.json(featureEntry(feature, await catalogOf(context)));
      return;
    }
    if (await rawModelsAllowed(context.allowRawModels, projectId)) {
      const model = await context.catalog.find(id);
      if (model === null) throw new GatewayError('upstream_error', 'The model catalog cannot be fetched from OpenRouter right now.');
      if (model) {
        res.json(rawEntry(model));
        return;
      }
    }
    throw new GatewayError('not_found', `The model "${id}" does not exist or is not available to you.`);
  };
}
