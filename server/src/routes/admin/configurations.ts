import { Router, type Response } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { parseRequest } from '../../gateway/chat-request.js';
import { modelFieldsOf, type Feature } from '../../features/feature.js';
import type { FeatureRecord, SqlFeatureStore } from '../../store/sql-feature-store.js';
import { unlistedModelProblem } from '../../upstream/listed-models.js';
import type { ModelCatalog } from '../../upstream/model-catalog.js';
import { identityOf, requireAdmin } from '../identity-middleware.js';
import { adminActor } from './admin-actor.js';
import { configurationBodySchema, expectedVersionOf, featureFromBody, toConfigurationRecord, toConfigurationVersion } from './configuration-records.js';

export const CONFIGURATIONS_PATH = '/api/ai/configurations';

const RestoreBody = z.object({ version: z.number().int().positive(), expectedVersion: z.number().int().positive().optional() }).strict();
const ResetBody = z.object({ expectedVersion: z.number().int().positive().optional() }).strict();

/** Answers with a configuration and its version as the ETag, which `If-Match` takes back on the next write. */
function sendRecord(res: Response, record: FeatureRecord, status = 200): void {
  res.status(status).set('ETag', `"${record.version}"`).json(toConfigurationRecord(record));
}

/** How long a save waits for OpenRouter's catalog to check its models before it is saved unchecked. */
const CATALOG_WAIT_MS = 5_000;

/**
 * A 400 naming the first model a save brings in (one the feature did not have) that OpenRouter does not list, with
 * the listed ids closest to it: saved, every request to it would fail. A catalog that cannot be had (OpenRouter
 * down or slow) refuses nothing, so admins are not blocked while it is.
 */
async function refuseUnlistedModels(catalog: Pick<ModelCatalog, 'unlisted'>, feature: Feature, before?: Feature): Promise<void> {
  const kept = new Set(before ? [before.model, ...before.fallbackModels] : []);
  const added = modelFieldsOf(feature).filter(({ id }) => !kept.has(id));
  if (added.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(resolve, CATALOG_WAIT_MS, null)));
  const unlisted = await Promise.race([catalog.unlisted(added.map(({ id }) => id)), late]).finally(() => clearTimeout(timer));
  const first = added.map(({ field, id }) => ({ param: field, found: unlisted?.find((entry) => entry.id === id) })).find(({ found }) => found !== undefined);
  if (!first?.found) return;
  throw new GatewayError('invalid_parameter', `${first.param}: ${unlistedModelProblem(first.found)} GET /api/ai/models lists the models there are.`, { param: first.param });
}

/**
 * The seeds' configuration routes over the project's features: list, read (by id or name), create, update (a
 * partial body merged over the saved configuration, with the version it was read at), delete, plus each
 * feature's history, restore and reset. A stale version is a 409 whose message and `x-current-version` header
 * carry the current one. With `catalog`, a create or update that brings in a model OpenRouter does not list is a
 * 400 naming it.
 *
 * @example
 * router.use(configurationsRouter(stores.features, context.catalog));
 */
export function configurationsRouter(features: SqlFeatureStore, catalog?: Pick<ModelCatalog, 'unlisted'>): Router {
  const router = Router();
  const one = `${CONFIGURATIONS_PATH}/:id` as const;
  // Every route below is for admins only: 403 for a user.
  router.use(CONFIGURATIONS_PATH, requireAdmin);

  router.get(CONFIGURATIONS_PATH, async (_req, res) => {
    const records = await features.records(identityOf(res).projectId);
    res.json({ data: records.map(toConfigurationRecord) });
  });

  router.post(CONFIGURATIONS_PATH, async (req, res) => {
    const identity = identityOf(res);
    const { fields } = parseRequest(configurationBodySchema, req.body);
    const feature = featureFromBody(fields);
    if (catalog) await refuseUnlistedModels(catalog, feature);
    const record = await features.create(identity.projectId, feature, adminActor(identity));
    sendRecord(res, record, 201);
  });

  router.get(one, async (req, res) => {
    sendRecord(res, await requireRecord(features, identityOf(res).projectId, req.params.id));
  });

  router.patch(one, async (req, res) => {
    const identity = identityOf(res);
    const { fields, version } = parseRequest(configurationBodySchema, req.body);
    const expectedVersion = expectedVersionOf(req, version, 'version');
    const current = await requireRecord(features, identity.projectId, req.params.id);
    const feature = featureFromBody(fields, current.feature);
    if (catalog) await refuseUnlistedModels(catalog, feature, current.feature);
    sendRecord(res, await features.update(identity.projectId, current.id, feature, expectedVersion, adminActor(identity)));
  });

  router.delete(one, async (req, res) => {
    const identity = identityOf(res);
    await features.remove(identity.projectId, req.params.id, adminActor(identity));
    res.status(204).end();
  });

  router.get(`${one}/history` as const, async (req, res) => {
    const versions = await features.history(identityOf(res).projectId, req.params.id);
    res.json({ data: versions.map(toConfigurationVersion) });
  });

  router.post(`${one}/restore` as const, async (req, res) => {
    const identity = identityOf(res);
    const body = parseRequest(RestoreBody, req.body ?? {});
    const expectedVersion = expectedVersionOf(req, body.expectedVersion, 'expectedVersion');
    sendRecord(res, await features.restore(identity.projectId, req.params.id, body.version, expectedVersion, adminActor(identity)));
  });

  router.post(`${one}/reset` as const, async (req, res) => {
    const identity = identityOf(res);
    const body = parseRequest(ResetBody, req.body ?? {});
    const expectedVersion = expectedVersionOf(req, body.expectedVersion, 'expectedVersion');
    sendRecord(res, await features.reset(identity.projectId, req.params.id, expectedVersion, adminActor(identity)));
  });

  return router;
}

/** The feature by id or name; a 404 naming `id` when the project has none. */
export async function requireRecord(features: SqlFeatureStore, projectId: string, idOrName: string): Promise<FeatureRecord> {
  const record = await features.record(projectId, idOrName);
  if (!record) throw new GatewayError('not_found', `No configuration "${idOrName}" in this project.`, { param: 'id' });
  return record;
}
