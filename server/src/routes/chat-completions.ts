import type { Request, RequestHandler, Response } from 'express';
import { toGatewayError } from '../errors.js';
import { completeChat, prepareChat, type ChatRun, type UpstreamCompletion } from '../gateway/chat.js';
import { chatRequestSchema, parseRequest, type ChatRequest } from '../gateway/chat-request.js';
import type { GatewayContext } from '../gateway/context.js';
import { openAIStreamFormat } from '../gateway/stream-formats.js';
import { estimateChat } from '../gateway/quota-estimate.js';
import { abortOnDisconnect, sendUpstreamJson } from '../gateway/upstream-json.js';
import type { Admission } from '../limits/quota-guard.js';
import { proxyChatStream, type StreamFormat } from '../gateway/stream-proxy.js';
import { recordRequest, type RequestOutcome } from '../usage/record-request.js';
import { identityOf } from './identity-middleware.js';

/** What differs between the OpenAI route and InsForge's: how the body is read and the answer written. */
export interface ChatProtocol {
  toRequest(body: unknown): ChatRequest;
  streamFormat(run: ChatRun): StreamFormat;
  /** The answer to a non-streaming request; without it, the upstream body is the answer and leaves as it came. */
  toJson?(completion: UpstreamCompletion): unknown;
}

export const openAIProtocol: ChatProtocol = {
  toRequest: (body) => parseRequest(chatRequestSchema, body),
  streamFormat: (run) => openAIStreamFormat(run.includeUsage),
  // No `toJson`: OpenRouter's completion is OpenAI's shape (plus `provider`, `native_finish_reason` and
  // `usage.cost`), so its bytes are forwarded without being serialized again.
};

/** `POST /v1/chat/completions` (and, with InsForge's protocol, `POST /api/ai/chat/completion`). */
export function chatCompletionsHandler(context: GatewayContext, protocol: ChatProtocol = openAIProtocol): RequestHandler {
  return async (req: Request, res: Response) => {
    const identity = identityOf(res);
    const startedAt = performance.now();
    const base = (requestedModel: string, feature: string | undefined, streamed: boolean) => ({ endpoint: 'chat' as const, identity, requestedModel, feature, streamed, startedAt });
    let run: ChatRun;
    const request = (() => {
      try {
        return protocol.toRequest(req.body);
      } catch (error) {
        const model = typeof (req.body as { model?: unknown } | undefined)?.model === 'string' ? (req.body as { model: string }).model : '';
        recordRequest(context, { ...base(model, undefined, false), status: 'rejected', attempts: 0, errorCode: toGatewayError(error).code });
        throw error;
      }
    })();
    try {
      run = await prepareChat(context, identity, request);
    } catch (error) {
      recordRequest(context, { ...base(request.model, undefined, request.stream === true), status: 'rejected', attempts: 0, errorCode: toGatewayError(error).code });
      throw error;
    }
    const feature = run.target.isFeature ? run.target.feature.name : undefined;
    let admission: Admission;
    try {
      admission = await context.quota.admit({ identity, feature }, await estimateChat(context, run));
    } catch (error) {
      recordRequest(context, { ...base(request.model, feature, request.stream === true), status: 'rejected', attempts: 0, errorCode: toGatewayError(error).code });
      throw error;
    }
    res.set(admission.headers);
    if (request.stream) {
      const outcome = await proxyChatStream(context, run, res, protocol.streamFormat(run));
      recordRequest(context, {
        ...base(request.model, feature, true),
        status: outcome.status,
        attempts: outcome.attempts,
        usage: outcome.summary.usage,
        servedModel: outcome.summary.model,
        provider: outcome.summary.provider,
        generationId: outcome.generationId,
        timeToFirstTokenMs: outcome.timeToFirstTokenMs,
        errorCode: outcome.error?.code,
        admission,
        promptCharacters: run.promptCharacters,
        completionCharacters: outcome.forwardedCharacters,
      });
      return;
    }
    const connection = abortOnDisconnect(res);
    let attempts = 0;
    const outcome = (fields: Partial<RequestOutcome> & Pick<RequestOutcome, 'status'>): RequestOutcome => ({ ...base(request.model, feature, false), attempts, admission, ...fields });
    try {
      const { result: completion, raw } = await completeChat(context, run, connection.signal, () => (attempts += 1));
      if (protocol.toJson) res.json(protocol.toJson(completion));
      else sendUpstreamJson(res, raw);
      recordRequest(context, outcome({ status: 'ok', usage: completion.usage, servedModel: completion.model, provider: completion.provider, generationId: completion.id }));
    } catch (error) {
      if (connection.signal.aborted) {
        recordRequest(context, outcome({ status: 'cancelled', promptCharacters: run.promptCharacters }));
        return;
      }
      recordRequest(context, outcome({ status: 'error', errorCode: toGatewayError(error).code }));
      throw error;
    } finally {
      connection.release();
    }
  };
}
