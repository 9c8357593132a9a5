import { Router } from 'express';
import { z } from 'zod';
import { parseRequest } from '../../gateway/chat-request.js';
import { GatewayError } from '../../errors.js';
import { budgetAlertsSchema, limitPolicySchema, shownBudgetAlerts, type ProjectLimits } from '../../limits/limit-policy.js';
import type { LimitPolicyStore } from '../../store/limit-policy-store.js';
import { isMaskedWebhookUrl, WebhookError, type WebhookClient } from '../../net/safe-webhook.js';
import { identityOf, requireAdmin } from '../identity-middleware.js';
import { isoTime } from '../iso-time.js';
import { adminActor } from './admin-actor.js';

const saveSchema = z.object({
  policy: limitPolicySchema.optional(),
  alerts: budgetAlertsSchema.optional(),
  /** The version read before editing; 0 for a project whose limits were never set. */
  version: z.number().int().min(0),
});

const stopSchema = z.object({ stopped: z.boolean(), reason: z.string().trim().max(500).optional() });

const view = (limits: ProjectLimits) => ({
  policy: limits.policy,
  alerts: shownBudgetAlerts(limits.alerts),
  stopped: limits.stopped,
  stopReason: limits.stopReason,
  version: limits.version,
  updatedAt: isoTime(limits.updatedAt),
  updatedBy: limits.updatedBy,
});

/**
 * `GET|PUT /api/ai/limits/policy`: the project's limits (project, per feature, per user with a default and
 * overrides) and budget alert settings, saved with a version check. `POST /api/ai/emergency-stop`: stops or
 * restarts all AI traffic of the project at once. Both audited. A budget alert webhook URL is checked where it leads
 * (after DNS) before it is saved: one that reaches this gateway's own network is a 400. It is write-only: answers
 * show its scheme and host (`https://hooks.example.com/…`), and that form sent back keeps it.
 */
export function limitsAdminRouter(limits: LimitPolicyStore, webhooks: WebhookClient): Router {
  const router = Router();
  router.use('/api/ai/limits/policy', requireAdmin);
  router.use('/api/ai/emergency-stop', requireAdmin);
  router.get('/api/ai/limits/policy', async (_req, res) => {
    res.json(view(await limits.get(identityOf(res).projectId)));
  });
  router.put('/api/ai/limits/policy', async (req, res) => {
    const identity = identityOf(res);
    const body = parseRequest(saveSchema, req.body);
    // The shown form of the saved URL keeps it (checked when it was saved); the store refuses any other shown form.
    if (body.alerts?.webhookUrl && !isMaskedWebhookUrl(body.alerts.webhookUrl)) await checkWebhookUrl(webhooks, body.alerts.webhookUrl);
    const change = { ...(body.policy ? { policy: body.policy } : {}), ...(body.alerts ? { alerts: body.alerts } : {}) };
    res.json(view(await limits.save(identity.projectId, change, body.version, adminActor(identity))));
  });
  router.post('/api/ai/emergency-stop', async (req, res) => {
    const identity = identityOf(res);
    const body = parseRequest(stopSchema, req.body);
    res.json(view(await limits.setStopped(identity.projectId, body.stopped, body.reason ?? null, adminActor(identity))));
  });
  return router;
}

async function checkWebhookUrl(webhooks: WebhookClient, url: string): Promise<void> {
  try {
    await webhooks.check(url);
  } catch (error) {
    if (!(error instanceof WebhookError)) throw error;
    throw new GatewayError('invalid_parameter', `alerts.webhookUrl is refused: ${error.message}.`, { param: 'alerts.webhookUrl', cause: error });
  }
}
