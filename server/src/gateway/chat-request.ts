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
    // OpenRouter answers one choice whatever `n` says: a request for more is refused rather than answered with one.
    n: z.number().int().min(1).max(1, 'OpenRouter answers one choice per request; send several requests for several answers').nullish(),
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
    // OpenRouter's other documented fields, checked for shape; what becomes of each (sent under the feature's
    // policy, or refused) is the parameter and extension policies'.
    top_a: z.number().nullish(),
    verbosity: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).nullish(),
    prediction: z.object({ type: z.literal('content'), content: z.union([z.string(), z.array(contentPart)]) }).passthrough().nullish(),
    structured_outputs: z.boolean().nullish(),
    usage: z.object({ include: z.boolean().optional() }).passthrough().nullish(),
    metadata: z.record(z.string().max(64), z.string().max(512)).refine((pairs) => Object.keys(pairs).length <= 16, 'metadata holds at most 16 pairs').nullish(),
    session_id: z.string().max(256).nullish(),
    trace: z.object({}).passthrough().nullish(),
    web_search_options: z.object({}).passthrough().nullish(),
    cache_control: z.object({ type: z.string() }).passthrough().nullish(),
    route: z.string().nullish(),
  })
  .passthrough();

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatMessage = ChatRequest['messages'][number];

type Copy = (value: unknown) => unknown;
/** A value `chatRequestSchema` takes as it is; a failed check returns `REFUSED`, and the body goes through zod. */
const REFUSED = Symbol('refused');
const finite = (value: unknown) => typeof value === 'number' && Number.isFinite(value);
const nullable = (check: (value: unknown) => boolean): Copy => (value) => (value === null || check(value) ? value : REFUSED);
const ROLES = new Set<unknown>(['system', 'developer', 'user', 'assistant', 'tool']);
const EFFORTS = new Set<unknown>(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']);
const string = (value: unknown) => typeof value === 'string';

const STREAM_OPTIONS: Array<[string, Copy]> = [['include_usage', (flag) => (typeof flag === 'boolean' ? flag : REFUSED)]];

/** The fields of a message the quick check knows, in the schema's order (text content only). */
const MESSAGE_FIELDS = Object.entries<Copy>({
  role: (value) => (ROLES.has(value) ? value : REFUSED),
  content: nullable(string),
  name: (value) => (string(value) ? value : REFUSED),
  tool_call_id: (value) => (string(value) ? value : REFUSED),
});

function copyMessages(value: unknown): unknown {
  if (!Array.isArray(value) || value.length === 0 || value.length > 10_000) return REFUSED;
  const messages: unknown[] = new Array(value.length);
  for (let index = 0; index < value.length; index++) {
    const message = copyKnown(value[index], MESSAGE_FIELDS);
    if (message === REFUSED || !('role' in message)) return REFUSED;
    messages[index] = message;
  }
  return messages;
}

/**
 * The fields of a chat request the quick check knows, in the schema's order: what the SDKs send for a text chat.
 * Anything else (content parts, tools, response formats, fields the schema passes through) goes through zod.
 */
const REQUEST_FIELDS = Object.entries<Copy>({
  model: (value) => (typeof value === 'string' && value.length > 0 ? value : REFUSED),
  messages: copyMessages,
  stream: (value) => (typeof value === 'boolean' ? value : REFUSED),
  stream_options: (value) => (value === null ? null : copyKnown(value, STREAM_OPTIONS)),
  temperature: nullable(finite),
  top_p: nullable(finite),
  top_k: nullable(Number.isSafeInteger),
  max_tokens: nullable((value) => Number.isSafeInteger(value) && (value as number) > 0),
  max_completion_tokens: nullable((value) => Number.isSafeInteger(value) && (value as number) > 0),
  presence_penalty: nullable(finite),
  frequency_penalty: nullable(finite),
  repetition_penalty: nullable(finite),
  min_p: nullable(finite),
  stop: (value) => (value === null || string(value) ? value : Array.isArray(value) && value.length <= 4 && value.every(string) ? [...value] : REFUSED),
  seed: nullable(Number.isSafeInteger),
  parallel_tool_calls: nullable((value) => typeof value === 'boolean'),
  logprobs: nullable((value) => typeof value === 'boolean'),
  top_logprobs: nullable(Number.isSafeInteger),
  reasoning_effort: nullable((value) => EFFORTS.has(value)),
  user: nullable((value) => string(value) && (value as string).length <= 256),
});

/** A copy of `value` (a plain object of known fields only), each field checked and copied in `fields`' order. */
function copyKnown(value: unknown, fields: Array<[string, Copy]>): Record<string, unknown> | typeof REFUSED {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return REFUSED;
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  let copied = 0;
  for (const [name, copyField] of fields) {
    if (!Object.hasOwn(source, name)) continue;
    const field = copyField(source[name]);
    if (field === REFUSED) return REFUSED;
    copy[name] = field;
    copied += 1;
  }
  // A field the quick check does not know: zod decides (and passes it through).
  return copied === Object.keys(source).length ? copy : REFUSED;
}

/**
 * Reads a chat request: what `parseRequest(chatRequestSchema, body)` returns, the same copy with its fields in the
 * same order. The shape nearly every request has (text messages, sampling settings) is checked by hand first: in a
 * gateway, where many schemas run, zod's shared code turns megamorphic and a parse cost ~10 µs of CPU per request
 * (bench/findings.md); this check costs well under one. Anything else goes through zod, which words the errors.
 */
export function parseChatRequest(body: unknown): ChatRequest {
  const quick = copyKnown(body, REQUEST_FIELDS);
  if (quick !== REFUSED && 'model' in quick && 'messages' in quick) return quick as ChatRequest;
  return parseRequest(chatRequestSchema, body);
}

/**
 * Validates a request body with a schema; the first problem becomes a 400 naming the parameter. A field a strict
 * schema does not know is named too: dropped, it would leave the client thinking it had been applied.
 */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const unknownField = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const param = [...(issue?.path ?? []), ...(unknownField === undefined ? [] : [unknownField])].map(String).join('.') || undefined;
  const notAnObject = param === undefined && issue?.code === 'invalid_type' && (body === null || typeof body !== 'object' || Array.isArray(body));
  const reason = notAnObject
    ? `The body must be a JSON object, not ${Array.isArray(body) ? 'an array' : body === null ? 'null' : `a ${typeof body}`}.`
    : unknownField === undefined
      ? issue?.message
      : 'not a field this endpoint takes; rather than ignore it, the gateway sent nothing';
  const message = reason ? `${param ? `${param}: ` : ''}${reason}` : 'The request body is not valid.';
  throw new GatewayError(body === undefined || typeof body !== 'object' ? 'invalid_request' : 'invalid_parameter', message, param ? { param } : {});
}
