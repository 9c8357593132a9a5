import type { EstimateResponse, LimitStatus, LimitsResponse } from '@insforge/ai-protocol';
import { Router, type RequestHandler } from 'express';
import { prepareChatWithoutKey } from '../gateway/chat.js';
import { parseChatRequest } from '../gateway/chat-request.js';
import type { GatewayContext } from '../gateway/context.js';
import { estimateChat } from '../gateway/quota-estimate.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import { identityOf } from './identity-middleware.js';

/** What one request needs of a limit: its tokens or cost for caps, one request or one slot for rates. */
function needOf(limit: LimitStatus, estimate: EstimateResponse['estimate']): number {
  if (limit.kind === 'tokensPerDay' || limit.kind === 'tokensPerMinute') return estimate.tokens;
  if (limit.kind === 'spendPerDayUsd' || limit.kind === 'spendPerMonthUsd') return estimate.costUsd;
  return 1;
}

/**
 * `GET /api/ai/limits?feature=`: for any caller, where they stand against each limit that applies to them (the
 * project's, the feature's when named, and their own), and whether the project is stopped. `POST /api/ai/estimate`:
 * what a chat would reserve at most, and whether those limits have room for it.
 */
export function lazyLimitsRouter(context: GatewayContext, ready: Promise<GatewayStores>): RequestHandler {
  const router = Router();
  router.get('/api/ai/limits', async (req, res) => {
    const identity = identityOf(res);
    const feature = typeof req.query['feature'] === 'string' && req.query['feature'] !== '' ? req.query['feature'] : undefined;
    const [data, project] = await Promise.all([context.quota.consumption({ identity, feature }), (await ready).limits.get(identity.projectId)]);
    res.json({ data, stopped: project.stopped, stopReason: project.stopReason } satisfies LimitsResponse);
  });
  // The lifecycle's parse, feature policy and estimate stages, without admitting or forwarding anything.
  router.post('/api/ai/estimate', async (req, res) => {
    const identity = identityOf(res);
    const run = await prepareChatWithoutKey(context, identity, parseChatRequest(req.body));
    const feature = run.target.isFeature ? run.target.feature.name : undefined;
    const [estimate, limits, project] = await Promise.all([estimateChat(context, run), context.quota.consumption({ identity, feature }), (await ready).limits.get(identity.projectId)]);
    const blockedBy = limits.find((limit) => limit.remaining < needOf(limit, estimate)) ?? null;
    const { stopped, stopReason } = project;
    // The protocol's figures only: how the reservation splits (`guardrailCostUsd`) is the gateway's own.
    const { tokens, costUsd } = estimate;
    res.json({ ...(feature ? { feature } : {}), estimate: { tokens, costUsd }, limits, admitted: blockedBy === null && !stopped, blockedBy, stopped, stopReason } satisfies EstimateResponse);
  });
  return router;
}
