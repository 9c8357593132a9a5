import { z } from 'zod';
import { GatewayError } from '../errors.js';

const contentPart = z.object({ type: z.string() }).passthrough();
const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z.array(z.object({ id: z.string(), type: z.string(), function: z.object({ name: z.string(), arguments: z.string() }).passthrough() }).passthrough()).optional(),
    tool_call_id: z.string().optional(),
  })
  .passthrough();

/** A chat request as clients send it (OpenAI's shape, plus OpenRouter's extensions); checked once at the edge. */
export const chatRequestSchema = z
  .object({
    model: z.string().min(1, 'model names a feature (e.g. "chat") or a model id'),
    messages: z.array(message).min(1, 'messages must hold at least one message').max(10_000),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullish(),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    top_k: z.number().int().nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    presence_penalty: z.number().nullish(),
    frequency_penalty: z.number().nullish(),
    repetition_penalty: z.number().nullish(),
    min_p: z.number().nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    seed: z.number().int().nullish(),
    response_format: z.object({ type: z.enum(['text', 'json_object', 'json_schema']) }).passthrough().nullish(),
    // Function tools, or OpenRouter's server tools (`{"type":"openrouter:web_search"}`), which the feature's
    // extension policy allows or refuses.
    tools: z
      .array(
        z.union([
          z.object({ type: z.literal('function'), function: z.object({ name: z.string() }).passthrough() }).passthrough(),
          z.object({ type: z.string().regex(/^openrouter:[a-z][a-z0-9_]*$/, 'a tool is a "function" or one of OpenRouter\'s server tools ("openrouter:web_search"…)') }).passthrough(),
        ]),
      )
      .max(128)
      .nullish(),
    tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function') }).passthrough()]).nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    logit_bias: z.record(z.string(), z.number()).nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().nullish(),
    reasoning: z.object({}).passthrough().nullish(),
    /** OpenAI's spelling of `reasoning.effort` (the openai SDK sends it); read as `reasoning: { effort }`. */
    reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullish(),
    modalities: z.array(z.enum(['text', 'image'])).nullish(),
    image_config: z.object({}).passthrough().nullish(),
    user: z.string().max(256).nullish(),
  })
  .passthrough();

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatMessage = ChatRequest['messages'][number];

/** Validates a request body with a schema; the first problem becomes a 400 naming the parameter. */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue?.path.map(String).join('.') || undefined;
  const message = issue ? `${param ? `${param}: ` : ''}${issue.message}` : 'The request body is not valid.';
  throw new GatewayError(body === undefined || typeof body !== 'object' ? 'invalid_request' : 'invalid_parameter', message, param ? { param } : {});
}
