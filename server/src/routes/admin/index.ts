import { Router, type RequestHandler } from 'express';
import type { GatewayContext } from '../../gateway/context.js';
import { createWebhookClient, type WebhookClient } from '../../net/safe-webhook.js';
import type { GatewayStores } from '../../store/gateway-stores.js';
import { lazyRouter } from '../lazy-router.js';
import type { ResponseCache } from '../../cache/response-cache.js';
import { auditRouter } from './audit.js';
import { cacheAdminRouter } from './cache.js';
import { catalogRouter } from './catalog.js';
import { clientKeysRouter } from './client-keys.js';
import { configurationsRouter } from './configurations.js';
import { limitsAdminRouter } from './limits.js';
import { liveTestRouter } from './live-test.js';
import { providerKeyRouter } from './provider-key.js';

/**
 * The admin API (`/api/ai/models`, `/configurations…`, `/keys…`, `/provider-key…`, `/audit`, `/cache…` when a
 * response cache is given): every route needs
 * the admin role, so mount it after the identity middleware.
 *
 * @example
 * router.use(identityMiddleware(context, parseBody));
 * router.use(adminRouter(context, stores));
 */
export function adminRouter(context: GatewayContext, stores: GatewayStores, hostProjectId: string, webhooks: WebhookClient = createWebhookClient(), cache?: Pick<ResponseCache, 'purge'>): Router {
  const router = Router();
  router.use(catalogRouter(context));
  router.use(liveTestRouter(context, stores.features, stores.audit));
  router.use(configurationsRouter(stores.features, context.catalog));
  router.use(clientKeysRouter(stores));
  router.use(providerKeyRouter(context, stores.providerKeys, stores.audit, hostProjectId));
  router.use(auditRouter(stores.audit));
  router.use(limitsAdminRouter(stores.limits, webhooks));
  if (cache) router.use(cacheAdminRouter(cache, stores.features, stores.audit));
  return router;
}

/**
 * The admin API for a gateway whose stores are still opening: the router is built once `ready` resolves, and
 * requests that arrive before then wait for it.
 *
 * @example
 * router.use(lazyAdminRouter(context, ready));
 */
export function lazyAdminRouter(context: GatewayContext, ready: Promise<GatewayStores>, hostProjectId: string, webhooks?: WebhookClient, cache?: Pick<ResponseCache, 'purge'>): RequestHandler {
  return lazyRouter(ready, (stores) => adminRouter(context, stores, hostProjectId, webhooks, cache));
}
