import type { GatewayContext } from '../gateway/context.js';
import { completeMessages, prepareMessages, type MessagesRun } from '../gateway/messages.js';
import { MESSAGES_STREAM_FORMAT } from '../gateway/messages-events.js';
import { parseMessagesRequest } from '../gateway/messages-request.js';
import { proxyMessagesStream } from '../gateway/messages-stream.js';
import type { MeteredRoute } from '../gateway/metered-request.js';
import { estimateChat } from '../gateway/quota-estimate.js';
import { headerValue } from '../upstream/openrouter-client.js';
import type { PlainHandler, PlainRequest } from '../plain-http.js';
import type { GatewayError } from '../errors.js';
import { meteredHandler, planChat, sendScreenedAnswer } from './metered-handler.js';

/**
 * A Messages API request in the metered lifecycle, recorded as a chat: the feature's policy shapes what is sent, the
 * estimate is a chat's (its messages and system, `max_tokens`, and a thinking budget as chat's reasoning budget), and
 * the answer's `usage` (`input_tokens` and the cache counts, `output_tokens`, OpenRouter's `cost`) settles it. The
 * stages before forwarding read it as a chat of the Messages shape (`kind: 'messages'`): guardrails judge its input
 * (`system`, text blocks, tool results…) and its answer (JSON, or each block's deltas), and the response cache keeps
 * its answers apart from chat's and the Responses API's (the kind is part of the key) and writes a hit as the message's
 * JSON or as its events.
 */
export function messagesRoute(context: GatewayContext): MeteredRoute<MessagesRun> {
  return {
    endpoint: 'chat',
    plan: (req, meter) => planChat(meter, req.body, parseMessagesRequest, (request) => prepareMessages(context, meter.identity, request)),
    estimate: (run) => estimateChat(context, run),
    async forward(run, meter, res) {
      if (meter.streamed) return proxyMessagesStream(context, run, meter, res);
      const answer = await completeMessages(context, run, meter);
      const { result: message } = answer;
      // OpenRouter's message is Anthropic's shape (plus `provider` and `usage.cost`).
      return sendScreenedAnswer(meter, res, answer, { usage: message.usage, servedModel: message.model, provider: message.provider, generationId: headerValue(answer.headers, 'x-generation-id') ?? message.id });
    },
    exchange: {
      outgoing: (run) => ({ kind: 'messages', feature: run.target.isFeature ? run.target.feature : undefined, models: run.target.models, body: run.body, apiKey: run.apiKey }),
      streamFormat: () => MESSAGES_STREAM_FORMAT,
      errorBody: (error) => error.toAnthropicBody(),
    },
  };
}

/** `POST /v1/messages`: Anthropic's Messages API, served through OpenRouter's. */
export function messagesHandler(context: GatewayContext): PlainHandler {
  const handler = meteredHandler(context.lifecycle, messagesRoute(context));
  return (req, res, next) => {
    // Anthropic's SDKs quote this header's id on every error they throw.
    const requestId = res.getHeader('x-request-id');
    if (requestId !== undefined) res.setHeader('request-id', requestId);
    return handler(req, res, next);
  };
}

/**
 * The error body of a request to the Messages API's paths, whatever refused it (the route, a missing key, a body that
 * is not JSON, a path below it the gateway does not serve): Anthropic's shape, which Anthropic's SDKs read; undefined for every other path.
 */
export function messagesErrorBody(req: PlainRequest, error: GatewayError): unknown {
  const expressPath = (req as { path?: unknown }).path;
  const path = typeof expressPath === 'string' ? expressPath : (req.url ?? '').split('?')[0];
  return path !== undefined && /(^|\/)v1\/messages(\/|$)/i.test(path) ? error.toAnthropicBody() : undefined;
}
