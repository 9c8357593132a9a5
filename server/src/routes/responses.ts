import type { GatewayContext } from '../gateway/context.js';
import type { MeteredRoute } from '../gateway/metered-request.js';
import { estimateChat } from '../gateway/quota-estimate.js';
import { parseResponsesRequest } from '../gateway/responses-request.js';
import { completeResponses, estimateViewOf, prepareResponses, type ResponsesRun } from '../gateway/responses.js';
import { responsesStreamFormatOf } from '../gateway/responses-events.js';
import { proxyResponsesStream } from '../gateway/responses-stream.js';
import { headerValue } from '../upstream/openrouter-client.js';
import type { PlainHandler } from '../plain-http.js';
import { meteredHandler, planChat, sendScreenedAnswer } from './metered-handler.js';

/**
 * A Responses API request in the metered lifecycle, recorded as a chat: the feature's policy shapes what is sent,
 * the estimate is a chat's (its input, and `max_output_tokens` as `max_tokens`), and the answer's `usage`
 * (`input_tokens`, `output_tokens`, OpenRouter's `cost`) settles it. The stages before forwarding read it as a chat
 * of the Responses shape (`kind: 'responses'`): guardrails judge its input and its answer, and the response cache keeps
 * its answers apart from chat's (the kind is part of the key) and writes a hit as JSON or as the Responses events.
 */
export function responsesRoute(context: GatewayContext): MeteredRoute<ResponsesRun> {
  return {
    endpoint: 'chat',
    plan: (req, meter) => planChat(meter, req.body, parseResponsesRequest, (request) => prepareResponses(context, meter.identity, request)),
    estimate: (run) => estimateChat(context, estimateViewOf(run)),
    async forward(run, meter, res) {
      if (meter.streamed) return proxyResponsesStream(context, run, meter, res);
      const answer = await completeResponses(context, run, meter);
      const { result: response } = answer;
      // OpenRouter's response is OpenAI's shape (plus `provider` and `usage.cost`).
      return sendScreenedAnswer(meter, res, answer, { usage: response.usage, servedModel: response.model, provider: response.provider, generationId: headerValue(answer.headers, 'x-generation-id') ?? response.id });
    },
    exchange: {
      outgoing: (run) => ({ kind: 'responses', feature: run.target.isFeature ? run.target.feature : undefined, models: run.target.models, body: run.body, apiKey: run.apiKey }),
      streamFormat: (run) => responsesStreamFormatOf(run),
    },
  };
}

/** `POST /v1/responses`: OpenAI's Responses API, served statelessly through OpenRouter's. */
export function responsesHandler(context: GatewayContext): PlainHandler {
  return meteredHandler(context.lifecycle, responsesRoute(context));
}
