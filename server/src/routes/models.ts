import { listedFeature, listedModel, type ListedModel, type ModelList } from '@insforge/ai-protocol';
import type { RequestHandler, Response } from 'express';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from '../gateway/context.js';
import { rawModelsAllowed } from '../gateway/resolve-target.js';
import type { Feature } from '../features/feature.js';
import type { CatalogSnapshot, UpstreamModel } from '../upstream/model-catalog.js';
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

/** The models `GET /v1/models` lists for the caller, in its order: their features, then the raw ones where allowed. */
async function modelsOfCaller(context: GatewayContext, projectId: string, role: Feature['roles'][number]): Promise<ListedModel[]> {
  const [features, catalog, allowRaw] = await Promise.all([context.features.list(projectId), catalogOf(context), rawModelsAllowed(context.allowRawModels, projectId)]);
  // A feature the caller's role cannot use is not theirs to see.
  const data = features.filter((feature) => feature.roles.includes(role)).map((feature) => featureEntry(feature, catalog));
  if (allowRaw && catalog) data.push(...catalog.models.map(listedModel));
  return data;
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
    res.json(modelPage(await modelsOfCaller(context, projectId, role), req.query, `${req.baseUrl}${req.path}`));
  };
}

/**
 * A route of OpenRouter's under `/v1/models/{name}`: a project's feature stored under the name as requested (the route
 * matches it in any case) was retrievable under the path first (`GET /v1/models/{id}`), so it keeps it, and the route
 * answers every other caller. No feature can be given such a name now (`RESERVED_FEATURE_NAMES`).
 */
function besideStoredFeature(context: GatewayContext, handler: RequestHandler): RequestHandler {
  return async (req, res, next) => {
    const { projectId, role } = identityOf(res);
    const name = req.path.slice(req.path.lastIndexOf('/') + 1);
    if (await visibleFeature(context, projectId, role, name)) {
      next();
      return;
    }
    await handler(req, res, next);
  };
}

/** `GET /v1/models/count` (the OpenRouter SDK's `models.count`): how many models `GET /v1/models` lists for the caller. */
export function countModelsHandler(context: GatewayContext): RequestHandler {
  return besideStoredFeature(context, async (_req, res) => {
    const { projectId, role } = identityOf(res);
    res.json({ data: { count: (await modelsOfCaller(context, projectId, role)).length } });
  });
}

/**
 * `GET /v1/models/user` (the OpenRouter SDK's `models.listForUser`): the models the caller may use, which is what
 * `GET /v1/models` lists, paged the same way.
 */
export function listModelsForUserHandler(context: GatewayContext): RequestHandler {
  return besideStoredFeature(context, listModelsHandler(context));
}

/** The id a `*id` wildcard matched: Express 5 gives it as its decoded path segments. */
function wildcardId(params: unknown): string {
  const segments: unknown = (params as Record<string, unknown>)['id'];
  return Array.isArray(segments) ? segments.join('/') : String(segments ?? '');
}

async function visibleFeature(context: GatewayContext, projectId: string, role: Feature['roles'][number], name: string): Promise<Feature | undefined> {
  const feature = await context.features.get(projectId, name);
  return feature?.roles.includes(role) ? feature : undefined;
}

const catalogUnavailable = () => new GatewayError('upstream_error', 'The model catalog cannot be fetched from OpenRouter right now.');

/** A raw model the catalog lists, where the project allows raw ids; 502 when the catalog cannot be had. */
async function visibleRawModel(context: GatewayContext, projectId: string, id: string): Promise<UpstreamModel | undefined> {
  if (!(await rawModelsAllowed(context.allowRawModels, projectId))) return undefined;
  const model = await context.catalog.find(id);
  if (model === null) throw catalogUnavailable();
  return model;
}

const notFound = (id: string) => new GatewayError('not_found', `The model "${id}" does not exist or is not available to you.`);

/** One feature of the caller, or one raw model where the project allows them, as `/v1/models` lists it; else a 404. */
async function modelOfCaller(context: GatewayContext, res: Response, id: string): Promise<ListedModel> {
  const { projectId, role } = identityOf(res);
  const feature = await visibleFeature(context, projectId, role, id);
  if (feature) return featureEntry(feature, await catalogOf(context));
  const model = await visibleRawModel(context, projectId, id);
  if (model) return listedModel(model);
  throw notFound(id);
}

/**
 * `GET /v1/models/{id}` (OpenAI's `models.retrieve`): one feature, or one raw model where the project allows them.
 * Ids may hold slashes (`openai/gpt-4o-mini`), so the route matches the rest of the path; an unknown id is a 404.
 */
export function retrieveModelHandler(context: GatewayContext): RequestHandler {
  return async (req, res) => {
    res.json(await modelOfCaller(context, res, wildcardId(req.params)));
  };
}

/** `GET /v1/model/{author}/{slug}` (the OpenRouter SDK's `models.get`): the model as `retrieve` answers it, in `data`. */
export function getModelHandler(context: GatewayContext): RequestHandler {
  return async (req, res) => {
    res.json({ data: await modelOfCaller(context, res, wildcardId(req.params)) });
  };
}

/**
 * `GET /v1/models/{id}/endpoints` (the OpenRouter SDK's `endpoints.list`): the providers OpenRouter may route the
 * model to, as it lists them; for a feature, those of the model it serves, under the feature's name. A raw model whose
 * id ends in `/endpoints` is still retrieved under its id; a 404 when OpenRouter lists no endpoints for the model.
 */
export function modelEndpointsHandler(context: GatewayContext): RequestHandler {
  return async (req, res, next) => {
    const { projectId, role } = identityOf(res);
    const id = wildcardId(req.params);
    const feature = await visibleFeature(context, projectId, role, id);
    const modelId = feature ? feature.model : id;
    const model = feature ? await context.catalog.find(modelId) : await visibleRawModel(context, projectId, id);
    if (model === null) throw catalogUnavailable();
    if (!model) {
      if (await visibleRawModel(context, projectId, `${id}/endpoints`)) {
        next();
        return;
      }
      throw feature ? new GatewayError('not_found', `OpenRouter lists no endpoints for "${modelId}", the model of "${id}".`) : notFound(id);
    }
    const endpoints = await context.catalog.endpoints(modelId);
    if (endpoints === null) throw new GatewayError('upstream_error', `The endpoints of "${modelId}" cannot be read from OpenRouter right now.`);
    if (endpoints === undefined) throw new GatewayError('not_found', `OpenRouter lists no endpoints for "${modelId}".`);
    const { architecture } = listedModel(model);
    res.json({
      data: {
        id,
        name: model.name ?? modelId,
        created: model.created ?? 0,
        description: typeof model['description'] === 'string' ? model['description'] : '',
        architecture: { tokenizer: null, instruct_type: null, ...architecture },
        endpoints,
      },
    });
  };
}
