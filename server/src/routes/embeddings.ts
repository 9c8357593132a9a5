import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { toGatewayError } from '../errors.js';
import { parseRequest } from '../gateway/chat-request.js';
import type { GatewayContext } from '../gateway/context.js';
import { resolveTarget } from '../gateway/resolve-target.js';
import { estimateEmbeddings } from '../gateway/quota-estimate.js';
import { abortOnDisconnect, postWithFallbacks, sendUpstreamJson } from '../gateway/upstream-json.js';
import type { Admission } from '../limits/quota-guard.js';
import { recordFailedCall, recordRequest, type RequestOutcome } from '../usage/record-request.js';
import { identityOf } from './identity-middleware.js';

const tokenArray = z.array(z.number().int().nonnegative()).min(1);

/** OpenAI's embeddings request; fields not named here never reach OpenRouter. */
export const embeddingsRequestSchema = z.object({
  model: z.string().min(1, 'model names an embedding feature (e.g. "embed") or a model id'),
  input: z.union(
    [z.string().min(1), z.array(z.string().min(1)).min(1).max(2048), tokenArray, z.array(tokenArray).min(1).max(2048)],
    { error: 'input must be a non-empty string, up to 2048 strings, a token array or up to 2048 token arrays' },
  ),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().max(256).nullish(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

/** OpenRouter's embeddings body: OpenAI's shape plus `id`, `provider` and `usage.cost`; the rest passes through. */
interface UpstreamEmbeddings {
  id?: string;
  model?: string;
  provider?: string;
  usage?: unknown;
  error?: { code?: unknown; message?: unknown } | undefined;
  [field: string]: unknown;
}

/**
 * `POST /v1/embeddings`: resolves the embedding feature (or an allowed raw model id), tries its models in order
 * and answers OpenRouter's body, which is already OpenAI's shape. A client that hangs up aborts the upstream call.
 */
export function embeddingsHandler(context: GatewayContext): RequestHandler {
  return async (req: Request, res: Response) => {
    const identity = identityOf(res);
    const startedAt = performance.now();
    let attempts = 0;
    let feature: string | undefined;
    const requestedModel = typeof (req.body as { model?: unknown } | undefined)?.model === 'string' ? (req.body as { model: string }).model : '';
    let admission: Admission | undefined;
    const record = (fields: Pick<RequestOutcome, 'status'> & Partial<RequestOutcome>) =>
      recordRequest(context, { endpoint: 'embeddings', identity, requestedModel, feature, streamed: false, startedAt, attempts, admission, ...fields });

    let request: EmbeddingsRequest;
    let models: string[];
    let extra: Record<string, unknown> | undefined;
    let apiKey: string;
    try {
      request = parseRequest(embeddingsRequestSchema, req.body);
      const target = await resolveTarget(context, identity, request.model, 'embedding');
      feature = target.isFeature ? target.feature.name : undefined;
      models = target.models;
      extra = target.feature.params.extra;
      apiKey = await context.upstreamKey(identity.projectId);
      admission = await context.quota.admit({ identity, feature }, await estimateEmbeddings(context, models, request.input));
      res.set(admission.headers);
    } catch (error) {
      record({ status: 'rejected', errorCode: toGatewayError(error).code });
      throw error;
    }

    const { model: _model, user, ...options } = request;
    // Nulls mean "not set" to OpenAI clients; OpenRouter gets only what was set, then the feature's extras.
    const body: Record<string, unknown> = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== null && value !== undefined));
    const endUser = identity.userId ?? user ?? undefined;
    if (endUser) body['user'] = endUser;
    Object.assign(body, extra);

    const connection = abortOnDisconnect(res);
    try {
      const { result: embeddings, raw } = await postWithFallbacks<UpstreamEmbeddings>(context, {
        path: '/embeddings',
        models,
        body,
        apiKey,
        signal: connection.signal,
        onAttempt: () => (attempts += 1),
      });
      // Already OpenAI's shape: the bytes leave as they came, without being serialized again.
      sendUpstreamJson(res, raw);
      record({ status: 'ok', usage: embeddings.usage, servedModel: embeddings.model, provider: embeddings.provider, generationId: embeddings.id });
    } catch (error) {
      recordFailedCall(connection.signal, record, error);
    } finally {
      connection.release();
    }
  };
}
