import { z } from 'zod';
import { parseRequest } from './chat-request.js';

const contentBlock = z.object({ type: z.string({ error: 'a content block names its type ("text", "image", "document", "tool_use", "tool_result"…)' }) }).passthrough();
const textBlock = z.object({ type: z.literal('text'), text: z.string() }).passthrough();

/** A message: a role and its content, a string or a list of content blocks. */
const message = z
  .object({
    role: z.enum(['user', 'assistant'], { error: '"user" or "assistant" (the system prompt is the top-level `system`)' }),
    content: z.union([z.string(), z.array(contentBlock).max(10_000)], { error: 'a string, or a list of content blocks' }),
  })
  .passthrough();

/**
 * Extended thinking: a budget of thinking tokens (below `max_tokens`, which counts them), adaptive, or off.
 */
const thinking = z.union(
  [
    z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1) }).passthrough(),
    z.object({ type: z.literal('disabled') }).passthrough(),
    z.object({ type: z.literal('adaptive') }).passthrough(),
  ],
  { error: '{type:"enabled", budget_tokens}, {type:"adaptive"} or {type:"disabled"}' },
);

/** A client tool (`{name, description, input_schema}`), or a typed tool (`{type, name}`, the policy judges it). */
const tool = z.union([z.object({ name: z.string().min(1).max(128), input_schema: z.object({}).passthrough() }).passthrough(), z.object({ type: z.string(), name: z.string().optional() }).passthrough()], {
  error: 'a tool is {name, description, input_schema}',
});

/**
 * A Messages API request as Anthropic's clients send it (plus OpenRouter's routing extensions); checked once at the
 * edge. What a feature's policy makes of each field is `prepareMessages`'.
 */
export const messagesRequestSchema = z
  .object({
    model: z.string({ error: 'model names a feature (e.g. "chat") or a model id' }).min(1, 'model names a feature (e.g. "chat") or a model id'),
    max_tokens: z.number({ error: 'required: the most tokens the answer may have (a whole number)' }).int('a whole number of tokens').positive('at least 1'),
    messages: z.array(message, { error: 'a list of {role, content} messages' }).min(1, 'at least one message').max(10_000),
    system: z.union([z.string(), z.array(textBlock).max(1_000)], { error: 'a string, or a list of text blocks' }).nullish(),
    stream: z.boolean().optional(),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    top_k: z.number().int().nullish(),
    stop_sequences: z.array(z.string()).max(64).nullish(),
    tools: z.array(tool).max(128).nullish(),
    tool_choice: z
      .object({ type: z.enum(['auto', 'any', 'tool', 'none'], { error: '"auto", "any", "tool" or "none"' }), name: z.string().optional() })
      .passthrough()
      .refine((choice) => choice.type !== 'tool' || typeof choice.name === 'string', { message: 'a choice of type "tool" names the tool', path: ['name'] })
      .nullish(),
    metadata: z.object({ user_id: z.string().max(256).nullish() }).passthrough().nullish(),
    thinking: thinking.nullish(),
  })
  .passthrough();

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
export type MessagesMessage = MessagesRequest['messages'][number];

/**
 * Reads a Messages API request, a 400 naming the field (`messages.2.content`, `max_tokens`) when it is not in the
 * shape the API takes.
 *
 * @example
 * parseMessagesRequest({ model: 'chat', max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }] });
 */
export function parseMessagesRequest(body: unknown): MessagesRequest {
  return parseRequest(messagesRequestSchema, body);
}
