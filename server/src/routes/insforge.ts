import type { RequestHandler } from 'express';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { chatRequestSchema, parseRequest, type ChatMessage } from '../gateway/chat-request.js';
import { firstAnswerOf, type UpstreamCompletion } from '../gateway/chat.js';
import type { GatewayContext } from '../gateway/context.js';
import { insforgeStreamFormat } from '../gateway/stream-formats.js';
import { usageFigures } from '../upstream/usage-figures.js';
import { chatCompletionsHandler, type ChatProtocol } from './chat-completions.js';
import { insforgeImageProtocol } from './image-protocols.js';
import { imageGenerationHandler } from './images.js';

/** InsForge's chat message: OpenAI's roles and text, with pictures as a separate `images` list. */
const insforgeMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
  images: z.array(z.object({ url: z.string().min(1) })).max(16).optional(),
});

/** `POST /api/ai/chat/completion` (seed 000); fields not named here are dropped. */
export const insforgeChatSchema = z.object({
  model: z.string().min(1, 'model names a feature (e.g. "chat") or a model id'),
  messages: z.array(insforgeMessage).min(1, 'messages must hold at least one message').max(10_000),
  stream: z.boolean().optional(),
  temperature: z.number().optional(),
  maxTokens: z.number().int().positive().optional(),
  topP: z.number().optional(),
  // Accepted for compatibility and ignored: the system prompt is the feature's, and a client cannot replace it.
  systemPrompt: z.string().optional(),
});

function toChatMessage(message: z.infer<typeof insforgeMessage>): ChatMessage {
  if (!message.images?.length) return { role: message.role, content: message.content };
  const parts = [{ type: 'text', text: message.content }, ...message.images.map((image) => ({ type: 'image_url', image_url: { url: image.url } }))];
  return { role: message.role, content: parts };
}

/** InsForge's chat: camelCase parameters in, `{response, model, usage}` or `{chunk}`…`{done, tokenUsage}` out. */
export const insforgeChatProtocol: ChatProtocol = {
  toRequest(body) {
    const parsed = parseRequest(insforgeChatSchema, body);
    const request: Record<string, unknown> = { model: parsed.model, messages: parsed.messages.map(toChatMessage) };
    if (parsed.stream !== undefined) request['stream'] = parsed.stream;
    if (parsed.temperature !== undefined) request['temperature'] = parsed.temperature;
    if (parsed.maxTokens !== undefined) request['max_tokens'] = parsed.maxTokens;
    if (parsed.topP !== undefined) request['top_p'] = parsed.topP;
    return parseRequest(chatRequestSchema, request);
  },
  streamFormat: () => insforgeStreamFormat(),
  toJson(completion: UpstreamCompletion) {
    const figures = usageFigures(completion.usage);
    return {
      response: firstAnswerOf(completion).answer,
      model: completion.model,
      usage: { promptTokens: figures.promptTokens, completionTokens: figures.completionTokens, totalTokens: figures.promptTokens + figures.completionTokens },
    };
  },
};

/** The chat request's parameter names, as an InsForge client spelled them. */
const INSFORGE_PARAMETER_NAMES: Record<string, string> = { max_tokens: 'maxTokens', top_p: 'topP' };

/**
 * `POST /api/ai/chat/completion`: the chat route with InsForge's protocol. The feature's parameter policy names
 * OpenAI's parameters in its errors; they are renamed to what this client sent.
 */
export function insforgeChatHandler(context: GatewayContext): RequestHandler {
  const handler = chatCompletionsHandler(context, insforgeChatProtocol);
  return async (req, res, next) => {
    try {
      await handler(req, res, next);
    } catch (error) {
      const param = error instanceof GatewayError ? error.options.param : undefined;
      const renamed = param === undefined || !Object.hasOwn(INSFORGE_PARAMETER_NAMES, param) ? undefined : INSFORGE_PARAMETER_NAMES[param];
      if (!(error instanceof GatewayError) || param === undefined || renamed === undefined) throw error;
      throw new GatewayError(error.code, error.message.replace(param, renamed), { ...error.options, param: renamed, cause: error });
    }
  };
}

/** `POST /api/ai/image/generation`: the images route with InsForge's protocol. */
export function insforgeImageHandler(context: GatewayContext): RequestHandler {
  return imageGenerationHandler(context, insforgeImageProtocol);
}
