import { listedFeature, listedModel, type ListedModel, type ModelList } from '@insforge/ai-protocol';
import type { RequestHandler } from 'express';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from '../gateway/context.js';
import { rawModelsAllowed } from '../gateway/resolve-target.js';
import type { Feature } from '../features/feature.js';
import type { CatalogSnapshot } from '../upstream/model-catalog.js';
import { featureAccepts } from '../gateway/extension-policy.js';
import { identityOf } from './identity-middleware.js';

// The shapes listed are the protocol's (`ListedModel`, `ModelList`), built by its `listedFeature` and `listedModel`.
export type { ListedModel, ModelDetails } from '@insforge/ai-protocol';

function featureEntry(feature: Feature, catalog: CatalogSnapshot | undefined): ListedModel {
  const model = catalog?.byId.get(feature.model);
  return listedFeature({ ...feature, accepts: feature.modality === 'text' ? featureAccepts(feature, model?.architecture?.input_modalities) : undefined }, model);
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

/** A paging parameter of the query: absent, or a whole number from `min` (400 naming it otherwise). */
function pagingParameter(query: unknown, name: 'offset' | 'limit', min: number): number | undefined {
  const raw = (query as Record<string, unknown> | undefined)?.[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min)) throw new GatewayError('invalid_parameter', `${name} must be a whole number of at least ${min}.`, { param: name });
  return value;
}

/**
 * The page of `data` that `offset` and `limit` name (the whole list without them, as OpenRouter answers), with the
 * total and the link to the next page. The OpenRouter SDK asks for the next page whenever one is as long as its
 * limit, so a long list that ignored `offset` would be read again for ever.
 */
function modelPage(data: ListedModel[], query: unknown, path: string): ModelList {
  const offset = pagingParameter(query, 'offset', 0) ?? 0;
  const limit = pagingParameter(query, 'limit', 1);
  const end = limit === undefined ? data.length : offset + limit;
  const next = limit !== undefined && end < data.length ? `${path}?offset=${end}&limit=${limit}` : null;
  return { object: 'list', data: data.slice(offset, end), total_count: data.length, links: { next } };
}

/**
 * `GET /v1/models`: the caller's project features as models, each with the details of the model it serves, then
 * (where the project allows raw ids) OpenRouter's catalog. Each entry reads as OpenAI's model object and as
 * OpenRouter's, so both SDKs list them; `offset` and `limit` page the list. Features never depend on the upstream:
 * when the catalog cannot be had they are still listed, without details, and the raw models are left out.
 */
export function listModelsHandler(context: GatewayContext): RequestHandler {
  return async (req, res) => {
    const { projectId, role } = identityOf(res);
    const [features, catalog, allowRaw] = await Promise.all([context.features.list(projectId), catalogOf(context), rawModelsAllowed(context.allowRawModels, projectId)]);
    // A feature the caller's role cannot use is not theirs to see.
    const data = features.filter((feature) => feature.roles.includes(role)).map((feature) => featureEntry(feature, catalog));
    if (allowRaw && catalog) data.push(...catalog.models.map(listedModel));
    res.json(modelPage(data, req.query, `${req.baseUrl}${req.path}`));
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
        res.json(listedModel(model));
        return;
      }
    }
    throw new GatewayError('not_found', `The model "${id}" does not exist or is not available to you.`);
  };
}
