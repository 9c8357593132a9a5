import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { isRecord } from '../records.js';
import { parseRequest } from './chat-request.js';

const contentPart = z.object({ type: z.string() }).passthrough();
/** An input item: a message (with or without `type`), a function call or its output, or reasoning handed back. */
const inputItem = z.union([
  z.object({ type: z.literal('message').optional(), role: z.enum(['user', 'assistant', 'system', 'developer']), content: z.union([z.string(), z.array(contentPart)]) }).passthrough(),
  z.object({ type: z.literal('function_call'), call_id: z.string(), name: z.string(), arguments: z.string() }).passthrough(),
  z.object({ type: z.literal('function_call_output'), call_id: z.string(), output: z.unknown() }).passthrough(),
  z.object({ type: z.literal('reasoning') }).passthrough(),
], { error: 'an input item is a message (role and content), a function_call, a function_call_output or reasoning' });

const inputText = z.string().min(1, 'input must not be empty');
const inputList = z.array(inputItem).min(1, 'input must hold at least one item').max(10_000);

/**
 * `input`: a string or a list of items, judged by the one of the two it is, so an item that cannot be read is named by
 * its place (`input.2`) rather than the whole field refused as neither (a union's error).
 */
const promptInput = z.unknown().transform((value, context): z.infer<typeof inputText> | z.infer<typeof inputList> => {
  const schema = typeof value === 'string' ? inputText : Array.isArray(value) ? inputList : undefined;
  if (schema === undefined) {
    context.addIssue({ code: 'custom', message: 'the prompt: a string, or a list of input items (messages, function calls and their outputs)' });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

/**
 * A Responses API request as clients send it (OpenAI's shape, plus OpenRouter's extensions); checked once at the
 * edge. What a feature's policy makes of each field is `prepareResponses`'.
 */
export const responsesRequestSchema = z
  .object({
    model: z.string().min(1, 'model names a feature (e.g. "chat") or a model id'),
    input: promptInput,
    instructions: z.string().nullish(),
    stream: z.boolean().optional(),
    max_output_tokens: z.number().int().positive().nullish(),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    top_k: z.number().int().nullish(),
    presence_penalty: z.number().nullish(),
    frequency_penalty: z.number().nullish(),
    top_logprobs: z.number().int().nullish(),
    // Function tools in the Responses shape (`{type:"function", name, parameters}`), or OpenRouter's server tools.
    tools: z
      .array(
        z.union([
          z.object({ type: z.literal('function'), name: z.string() }).passthrough(),
          z.object({ type: z.string().regex(/^openrouter:[a-z][a-z0-9_]*$/, 'a tool is a "function" or one of OpenRouter\'s server tools ("openrouter:web_search"…)') }).passthrough(),
        ]),
      )
      .max(128)
      .nullish(),
    tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), name: z.string() }).passthrough()]).nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    reasoning: z.object({}).passthrough().nullish(),
    text: z.object({ format: z.object({ type: z.enum(['text', 'json_object', 'json_schema']) }).passthrough().optional(), verbosity: z.string().nullish() }).passthrough().nullish(),
    user: z.string().max(256).nullish(),
    metadata: z.record(z.string().max(64), z.string().max(512)).refine((pairs) => Object.keys(pairs).length <= 16, 'metadata holds at most 16 pairs').nullish(),
    session_id: z.string().max(256).nullish(),
    store: z.boolean().nullish(),
    truncation: z.enum(['auto', 'disabled']).nullish(),
    /** Extra output to include (`reasoning.encrypted_content`, which a stateless conversation hands back next turn). */
    include: z.array(z.string().max(100)).max(20).nullish(),
  })
  .passthrough();

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
export type ResponsesInputItem = Exclude<ResponsesRequest['input'], string>[number];

/**
 * What OpenRouter's Responses API, and so the gateway, cannot do, each with why: it is stateless (nothing is stored
 * to continue from, fetch later or run in the background), and its prompts are the feature's.
 */
const UNSUPPORTED: ReadonlyArray<[field: string, refused: (value: unknown) => boolean, why: string]> = [
  ['previous_response_id', (value) => value != null, 'responses are not stored (OpenRouter\'s Responses API is stateless): send the whole conversation as `input`'],
  ['conversation', (value) => value != null, 'conversations are not stored: send the whole conversation as `input`'],
  ['store', (value) => value === true, 'responses are not stored (OpenRouter\'s Responses API is stateless): leave `store` out or set it to false'],
  ['background', (value) => value === true, 'background responses need stored responses, which OpenRouter\'s Responses API does not keep: stream the response instead'],
  ['prompt', (value) => value != null, 'OpenAI\'s stored prompt templates are not served: the feature sets the prompt, and `instructions` adds to it'],
];

/**
 * Reads a Responses API request: refuses what the gateway cannot serve with a 400 naming the field (a stateless
 * upstream has nothing to continue from), then checks the shape with `responsesRequestSchema`.
 *
 * @example
 * parseResponsesRequest({ model: 'chat', input: 'Hello' }); // { model: 'chat', input: 'Hello' }
 * parseResponsesRequest({ model: 'chat', input: 'Hi', previous_response_id: 'resp_1' }); // throws a 400
 */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  if (isRecord(body)) {
    for (const [field, refused, why] of UNSUPPORTED) {
      if (refused(body[field])) throw new GatewayError('invalid_parameter', `${field}: not supported; ${why}.`, { param: field });
    }
  }
  return parseRequest(responsesRequestSchema, body);
}
