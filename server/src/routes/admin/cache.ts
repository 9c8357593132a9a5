import { Router } from 'express';
import type { ResponseCache } from '../../cache/response-cache.js';
import { GatewayError } from '../../errors.js';
import type { FeatureStore } from '../../features/feature-store.js';
import type { AuditLog } from '../../store/audit-log.js';
import { identityOf, requireAdmin } from '../identity-middleware.js';
import { adminActor } from './admin-actor.js';

export const CACHE_PATH = '/api/ai/cache';

/** What a purge answers: how many cached answers were forgotten, and of which feature (null: every feature). */
export interface CachePurgeResult {
  purged: number;
  feature: string | null;
}

/**
 * The admin routes of the response cache: `DELETE /api/ai/cache` forgets every cached answer of the project,
 * `DELETE /api/ai/cache/:feature` those of one feature (404 for a feature that does not exist). Each purge is in the
 * audit log.
 *
 * @example
 * router.use(cacheAdminRouter(responseCache, stores.features, stores.audit));
 */
export function cacheAdminRouter(cache: Pick<ResponseCache, 'purge'>, features: FeatureStore, audit: AuditLog): Router {
  const router = Router();
  router.use(CACHE_PATH, requireAdmin);

  const purge = async (projectId: string, actor: string, feature: string | undefined): Promise<CachePurgeResult> => {
    const purged = await cache.purge(projectId, feature);
    await audit.record({ projectId, actor, action: 'cache.purge', target: feature === undefined ? 'cache' : `feature:${feature}`, before: null, after: { purged } });
    return { purged, feature: feature ?? null };
  };

  router.delete(CACHE_PATH, async (_req, res) => {
    const identity = identityOf(res);
    res.json(await purge(identity.projectId, adminActor(identity), undefined));
  });

  router.delete(`${CACHE_PATH}/:feature`, async (req, res) => {
    const identity = identityOf(res);
    const name = req.params['feature'] ?? '';
    if (!(await features.get(identity.projectId, name))) throw new GatewayError('not_found', `There is no feature named ${JSON.stringify(name.slice(0, 64))}.`);
    res.json(await purge(identity.projectId, adminActor(identity), name));
  });
  return router;
}
