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

/**
 * InsForge's chat message: OpenAI's roles, its text (or OpenAI's content parts: text, `image_url`, `file`,
 * `input_audio`), pictures also as a separate `images` list, and a tool loop's fields as OpenAI spells them
 * (`tool_calls`, `tool_call_id`, `reasoning_details`, passed on untouched).
 */
const insforgeMessage = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(z.object({ type: z.string() }).passthrough()).max(256), z.null()]),
  images: z.array(z.object({ url: z.string().min(1) })).max(16).optional(),
  tool_calls: z.array(z.object({ id: z.string(), type: z.string(), function: z.object({ name: z.string(), arguments: z.string() }).passthrough() }).passthrough()).max(128).optional(),
  tool_call_id: z.string().optional(),
  reasoning_details: z.array(z.object({ type: z.string() }).passthrough()).max(256).optional(),
});

/**
 * `POST /api/ai/chat/completion`. A field not named here is refused with a 400 naming it: dropped, the client would
 * take the answer for one made with it.
 */
export const insforgeChatSchema = z.strictObject({
  model: z.string().min(1, 'model names a feature (e.g. "chat") or a model id'),
  messages: z.array(insforgeMessage).min(1, 'messages must hold at least one message').max(10_000),
  stream: z.boolean().optional(),
  temperature: z.number().optional(),
  maxTokens: z.number().int().positive().optional(),
  topP: z.number().optional(),
  // Accepted for compatibility and ignored: the system prompt is the feature's, and a client cannot replace it.
  systemPrompt: z.string().optional(),
  /** Function tools and OpenRouter's server tools, as the OpenAI route takes them (the feature's policy applies). */
  tools: z.array(z.object({ type: z.string() }).passthrough()).max(128).optional(),
  toolChoice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function') }).passthrough()]).optional(),
  reasoning: z.object({}).passthrough().optional(),
  // InsForge's plugin switches and thinking mode, sent as OpenRouter's `plugins` and `reasoning` (the feature's
  // extension and parameter policies apply).
  webSearch: z.strictObject({ enabled: z.boolean(), engine: z.enum(['native', 'exa']).optional(), maxResults: z.number().int().min(1).max(10).optional(), searchPrompt: z.string().max(4_000).optional() }).optional(),
  fileParser: z.strictObject({ enabled: z.boolean(), pdf: z.strictObject({ engine: z.enum(['pdf-text', 'mistral-ocr', 'native']).optional() }).optional() }).optional(),
  thinking: z.boolean().optional(),
  parallelToolCalls: z.boolean().optional(),
});

/** InsForge's `webSearch` and `fileParser`, switched on, as OpenRouter's `web` and `file-parser` plugins. */
function pluginsOf(parsed: z.infer<typeof insforgeChatSchema>): Array<Record<string, unknown>> {
  const plugins: Array<Record<string, unknown>> = [];
  const { webSearch, fileParser } = parsed;
  if (webSearch?.enabled) {
    plugins.push({
      id: 'web',
      ...(webSearch.engine !== undefined && { engine: webSearch.engine }),
      ...(webSearch.maxResults !== undefined && { max_results: webSearch.maxResults }),
      ...(webSearch.searchPrompt !== undefined && { search_prompt: webSearch.searchPrompt }),
    });
  }
  if (fileParser?.enabled) plugins.push({ id: 'file-parser', ...(fileParser.pdf?.engine !== undefined && { pdf: { engine: fileParser.pdf.engine } }) });
  return plugins;
}

function toChatMessage(message: z.infer<typeof insforgeMessage>): ChatMessage {
  const { images, content, ...rest } = message;
  if (!images?.length) return { ...rest, content };
  const parts = [...(typeof content === 'string' ? [{ type: 'text', text: content }] : (content ?? [])), ...images.map((image) => ({ type: 'image_url', image_url: { url: image.url } }))];
  return { ...rest, content: parts };
}

/** The parts of an answer beyond its text, in InsForge's camelCase: tool calls, reasoning details, web citations. */
function answerExtras(completion: UpstreamCompletion): Record<string, unknown> {
  const choices = Array.isArray(completion['choices']) ? (completion['choices'] as Array<{ message?: Record<string, unknown> }>) : [];
  const message = choices[0]?.message ?? {};
  const extras: Record<string, unknown> = {};
  if (Array.isArray(message['tool_calls']) && message['tool_calls'].length > 0) extras['toolCalls'] = message['tool_calls'];
  if (Array.isArray(message['reasoning_details']) && message['reasoning_details'].length > 0) extras['reasoningDetails'] = message['reasoning_details'];
  if (Array.isArray(message['annotations']) && message['annotations'].length > 0) extras['annotations'] = message['annotations'];
  return extras;
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
    if (parsed.tools !== undefined) request['tools'] = parsed.tools;
    if (parsed.toolChoice !== undefined) request['tool_choice'] = parsed.toolChoice;
    if (parsed.reasoning !== undefined) request['reasoning'] = parsed.reasoning;
    // `thinking: true` is InsForge's switch for reasoning; `false` asks for the model's default, as InsForge's does.
    else if (parsed.thinking) request['reasoning'] = { enabled: true };
    if (parsed.parallelToolCalls !== undefined) request['parallel_tool_calls'] = parsed.parallelToolCalls;
    const plugins = pluginsOf(parsed);
    if (plugins.length > 0) request['plugins'] = plugins;
    return parseRequest(chatRequestSchema, request);
  },
  streamFormat: () => insforgeStreamFormat(),
  toJson(completion: UpstreamCompletion) {
    const figures = usageFigures(completion.usage);
    return {
      response: firstAnswerOf(completion).answer,
      model: completion.model,
      usage: { promptTokens: figures.promptTokens, completionTokens: figures.completionTokens, totalTokens: figures.promptTokens + figures.completionTokens },
      ...answerExtras(completion),
    };
  },
};

/** The chat request's parameter names, as an InsForge client spelled them. */
const INSFORGE_PARAMETER_NAMES: Record<string, string> = { max_tokens: 'maxTokens', top_p: 'topP', tool_choice: 'toolChoice', parallel_tool_calls: 'parallelToolCalls' };

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
