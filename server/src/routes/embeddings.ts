import { parseRequest } from '../gateway/chat-request.js';
import { embeddingsRequestSchema, type EmbeddingsRequest } from '../gateway/embeddings-request.js';
import type { GatewayContext } from '../gateway/context.js';
import type { Feature } from '../features/feature.js';
import type { MeteredRoute } from '../gateway/metered-request.js';
import { resolveTarget } from '../gateway/resolve-target.js';
import { estimateEmbeddings } from '../gateway/quota-estimate.js';
import { postWithFallbacks } from '../gateway/upstream-json.js';
import { sendJsonText, type PlainHandler } from '../plain-http.js';
import { meteredHandler, modelFieldOf } from './metered-handler.js';

// The schema lives beside the chat request's so batch jobs check items with it too.
export { embeddingsRequestSchema, type EmbeddingsRequest } from '../gateway/embeddings-request.js';

/** OpenRouter's embeddings body: OpenAI's shape plus `id`, `provider` and `usage.cost`; the rest passes through. */
interface UpstreamEmbeddings {
  id?: string;
  model?: string;
  provider?: string;
  usage?: unknown;
  error?: { code?: unknown; message?: unknown } | undefined;
  [field: string]: unknown;
}

/** What an embeddings request sends, once its feature is resolved. */
interface EmbeddingsPlan {
  models: string[];
  body: Record<string, unknown>;
  input: EmbeddingsRequest['input'];
  apiKey: string;
  feature: Feature | undefined;
}

/** Embeddings in the metered lifecycle: the feature's model and fallbacks, OpenRouter's body forwarded as it came. */
export function embeddingsRoute(context: GatewayContext): MeteredRoute<EmbeddingsPlan> {
  return {
    endpoint: 'embeddings',
    async plan(req, meter) {
      meter.requestedModel = modelFieldOf(req.body, '');
      const request = parseRequest(embeddingsRequestSchema, req.body);
      const target = await resolveTarget(context, meter.identity, request.model, 'embedding');
      meter.feature = target.isFeature ? target.feature.name : undefined;
      const { model: _model, user, ...options } = request;
      // Nulls mean "not set" to OpenAI clients; OpenRouter gets only what was set, then the feature's extras.
      const body: Record<string, unknown> = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== null && value !== undefined));
      const endUser = meter.identity.userId ?? user ?? undefined;
      if (endUser) body['user'] = endUser;
      Object.assign(body, target.feature.params.extra);
      return { models: target.models, body, input: request.input, apiKey: await context.upstreamKey(meter.identity.projectId), feature: target.isFeature ? target.feature : undefined };
    },
    estimate: (plan) => estimateEmbeddings(context, plan.models, plan.input, plan.feature?.guardrails),
    async forward(plan, meter, res) {
      const { result, raw } = await postWithFallbacks<UpstreamEmbeddings>(context, {
        path: '/embeddings',
        models: plan.models,
        body: plan.body,
        apiKey: plan.apiKey,
        signal: meter.signal,
        meter,
        observer: meter.observer.attempts,
        skipVectors: !meter.answerTaps.some((tap) => tap.body),
      });
      const facts = { usage: result.usage, servedModel: result.model, provider: result.provider, generationId: result.id };
      await meter.screenAnswer(result, facts);
      // Already OpenAI's shape: the bytes leave as they came, without being serialized again.
      sendJsonText(res, 200, raw);
      return { status: 'ok', ...facts };
    },
    exchange: {
      outgoing: (plan) => ({ kind: 'embeddings', feature: plan.feature, models: plan.models, body: plan.body, apiKey: plan.apiKey }),
    },
  };
}

/**
 * `POST /v1/embeddings`: resolves the embedding feature (or an allowed raw model id), tries its models in order
 * and answers OpenRouter's body, which is already OpenAI's shape. A client that hangs up aborts the upstream call.
 */
export function embeddingsHandler(context: GatewayContext): PlainHandler {
  return meteredHandler(context.lifecycle, embeddingsRoute(context));
}
