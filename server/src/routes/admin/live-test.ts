import { Router, type Request } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import type { Feature } from '../../features/feature.js';
import { chatRunFor, completeChat, firstAnswerOf, type ChatRun } from '../../gateway/chat.js';
import { parseRequest } from '../../gateway/chat-request.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { MeteredRoute } from '../../gateway/metered-request.js';
import { estimateChat } from '../../gateway/quota-estimate.js';
import type { AuditLog } from '../../store/audit-log.js';
import { sendJson } from '../../plain-http.js';
import type { SqlFeatureStore } from '../../store/sql-feature-store.js';
import { usageFigures } from '../../upstream/usage-figures.js';
import { requireAdmin } from '../identity-middleware.js';
import { meteredHandler } from '../metered-handler.js';
import { adminActor } from './admin-actor.js';
import { configurationBodySchema, featureFromBody } from './configuration-records.js';
import { CONFIGURATIONS_PATH, requireRecord } from './configurations.js';

/** What the settings dialog's test button shows. */
export interface LiveTestResult {
  feature: string;
  answer: string;
  /** The model that answered (a fallback when the first failed). */
  model: string;
  provider: string | null;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  /** OpenRouter's charge in USD; null when the response carried none. */
  costUsd: number | null;
  latencyMs: number;
  finishReason: string | null;
}

const LiveTestBody = z
  .object({
    prompt: z.string().trim().min(1, 'prompt is required: the message to send to the feature').max(100_000),
    draft: configurationBodySchema.optional(),
  })
  .strict();

/** The name a draft gets when it has none yet (usage records and the audit log name it). */
const UNNAMED_DRAFT = 'draft';

/** A live test after planning: the feature (a draft or a saved one) and the chat it sends. */
interface LiveTestPlan {
  feature: Feature;
  saved: boolean;
  run: ChatRun;
}

/**
 * Runs one feature configuration on one prompt through the same metered lifecycle as `/v1/chat/completions`
 * (parameters, system prompt, retries and fallbacks, the emergency stop and every limit), not streamed, and records
 * the usage under the feature. The feature's roles do not apply: an admin tests what users will get.
 */
function liveTestRoute(context: GatewayContext, features: SqlFeatureStore, audit: AuditLog, savedId: (req: Request) => string | undefined): MeteredRoute<LiveTestPlan, Request> {
  return {
    endpoint: 'chat',
    async plan(req, meter) {
      const { identity } = meter;
      const { prompt, draft } = parseRequest(LiveTestBody, req.body);
      const id = savedId(req);
      let feature: Feature;
      if (id === undefined) {
        if (!draft) throw new GatewayError('invalid_parameter', 'draft is required: the configuration to test (or test a saved one with POST /api/ai/configurations/:id/test).', { param: 'draft' });
        feature = featureFromBody(draft.fields, { name: UNNAMED_DRAFT }, 'draft');
      } else {
        const saved = await requireRecord(features, identity.projectId, id);
        feature = draft ? featureFromBody(draft.fields, saved.feature, 'draft') : saved.feature;
      }
      meter.requestedModel = feature.name;
      meter.feature = feature.name;
      if (feature.modality !== 'text') {
        throw new GatewayError('invalid_request', `The live test runs text features; "${feature.name}" is an ${feature.modality} feature.`, { param: 'modality' });
      }
      const target = { feature, isFeature: true, models: [feature.model, ...feature.fallbackModels] };
      const run = await chatRunFor(context, identity, target, { model: feature.name, messages: [{ role: 'user', content: prompt }] });
      meter.promptCharacters = run.promptCharacters;
      return { feature, saved: id !== undefined && !draft, run };
    },
    estimate: (plan) => estimateChat(context, plan.run),
    async forward({ feature, saved, run }, meter, res) {
      const completion = (await completeChat(context, run, meter)).result;
      const figures = usageFigures(completion.usage);
      const result: LiveTestResult = {
        feature: feature.name,
        ...firstAnswerOf(completion),
        model: completion.model,
        provider: completion.provider ?? null,
        usage: { promptTokens: figures.promptTokens, completionTokens: figures.completionTokens, totalTokens: figures.promptTokens + figures.completionTokens },
        costUsd: figures.costUsd ?? null,
        latencyMs: Math.round(performance.now() - meter.startedAt),
      };
      // A test spends the project's credit, so it is an admin action like any other.
      const after = { saved, model: result.model, totalTokens: result.usage.totalTokens, costUsd: result.costUsd };
      await audit.record({ projectId: meter.identity.projectId, actor: adminActor(meter.identity), action: 'feature.test', target: `feature:${feature.name}`, before: null, after });
      sendJson(res, 200, result);
      return { status: 'ok', usage: completion.usage, servedModel: completion.model, provider: completion.provider, generationId: completion.id };
    },
  };
}

/**
 * The "live test" routes: `POST /api/ai/configurations/:id/test` runs a saved feature (with `draft` fields, if
 * given, over it: the dialog's unsaved edits), `POST /api/ai/configurations/test` runs a draft not saved yet.
 *
 * @example
 * router.use(liveTestRouter(context, stores.features, stores.audit));
 */
export function liveTestRouter(context: GatewayContext, features: SqlFeatureStore, audit: AuditLog): Router {
  const router = Router();
  // Every route below is for admins only: 403 for a user.
  router.use(CONFIGURATIONS_PATH, requireAdmin);
  router.post(`${CONFIGURATIONS_PATH}/test`, meteredHandler(context.lifecycle, liveTestRoute(context, features, audit, () => undefined)));
  router.post(`${CONFIGURATIONS_PATH}/:id/test` as const, meteredHandler(context.lifecycle, liveTestRoute(context, features, audit, (req) => String(req.params['id']))));
  return router;
}
