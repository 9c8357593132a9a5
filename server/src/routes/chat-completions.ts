import { completeChat, prepareChat, type ChatRun, type UpstreamCompletion } from '../gateway/chat.js';
import { parseChatRequest, type ChatRequest } from '../gateway/chat-request.js';
import type { GatewayContext } from '../gateway/context.js';
import type { MeteredRoute } from '../gateway/metered-request.js';
import { estimateChat } from '../gateway/quota-estimate.js';
import { openAIStreamFormat } from '../gateway/stream-formats.js';
import { proxyChatStream, type StreamFormat } from '../gateway/stream-proxy.js';
import type { PlainHandler } from '../plain-http.js';
import { meteredHandler, planChat, sendScreenedAnswer } from './metered-handler.js';

/** What differs between the OpenAI route and InsForge's: how the body is read and the answer written. */
export interface ChatProtocol {
  toRequest(body: unknown): ChatRequest;
  streamFormat(run: ChatRun): StreamFormat;
  /** The answer to a non-streaming request; without it, the upstream body is the answer and leaves as it came. */
  toJson?(completion: UpstreamCompletion): unknown;
}

export const openAIProtocol: ChatProtocol = {
  toRequest: (body) => parseChatRequest(body),
  streamFormat: (run) => openAIStreamFormat(run.includeUsage),
  // No `toJson`: OpenRouter's completion is OpenAI's shape (plus `provider`, `native_finish_reason` and
  // `usage.cost`), so its bytes are forwarded without being serialized again.
};

/** A chat in the metered lifecycle: the protocol parses and writes, the feature's policy shapes what is sent. */
export function chatRoute(context: GatewayContext, protocol: ChatProtocol): MeteredRoute<ChatRun> {
  return {
    endpoint: 'chat',
    plan: (req, meter) => planChat(meter, req.body, (body) => protocol.toRequest(body), (request) => prepareChat(context, meter.identity, request)),
    estimate: (run) => estimateChat(context, run),
    async forward(run, meter, res) {
      if (meter.streamed) return proxyChatStream(context, run, meter, res, protocol.streamFormat(run));
      const answer = await completeChat(context, run, meter);
      const { result: completion } = answer;
      return sendScreenedAnswer(meter, res, answer, { usage: completion.usage, servedModel: completion.model, provider: completion.provider, generationId: completion.id }, protocol.toJson);
    },
    exchange: {
      outgoing: (run) => ({ kind: 'chat', feature: run.target.isFeature ? run.target.feature : undefined, models: run.target.models, body: run.body, apiKey: run.apiKey }),
      streamFormat: (run) => protocol.streamFormat(run),
      toJson: (_run, body) => (protocol.toJson ? protocol.toJson(body as UpstreamCompletion) : body),
    },
  };
}

/** `POST /v1/chat/completions` (and, with InsForge's protocol, `POST /api/ai/chat/completion`). */
export function chatCompletionsHandler(context: GatewayContext, protocol: ChatProtocol = openAIProtocol): PlainHandler {
  return meteredHandler(context.lifecycle, chatRoute(context, protocol));
}
