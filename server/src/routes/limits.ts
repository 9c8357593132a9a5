import type { LimitsResponse } from '@insforge/ai-protocol';
import { Router, type RequestHandler } from 'express';
import type { GatewayContext } from '../gateway/context.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import { identityOf } from './identity-middleware.js';

/**
 * `GET /api/ai/limits?feature=`: for any caller, where they stand against each limit that applies to them (the
 * project's, the feature's when named, and their own), and whether the project is stopped.
 */
export function lazyLimitsRouter(context: GatewayContext, ready: Promise<GatewayStores>): RequestHandler {
  const router = Router();
  router.get('/api/ai/limits', async (req, res) => {
    const identity = identityOf(res);
    const feature = typeof req.query['feature'] === 'string' && req.query['feature'] !== '' ? req.query['feature'] : undefined;
    const [data, project] = await Promise.all([context.quota.consumption({ identity, feature }), (await ready).limits.get(identity.projectId)]);
    res.json({ data, stopped: project.stopped, stopReason: project.stopReason } satisfies LimitsResponse);
  });
  return router;
}
