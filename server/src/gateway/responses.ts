import type { Identity } from '../auth/identity.js';
import { GatewayError, renameParam } from '../errors.js';
import { isRecord } from '../records.js';
import { finishBody, type ChatRun } from './chat.js';
import { checkClientModels, clientModelsOf } from './client-models.js';
import type { GatewayContext } from './context.js';
import { applyExtensionPolicy } from './extension-policy.js';
import type { MeteredRequest } from './metered-request.js';
import { resolveParameters } from './parameter-policy.js';
import { resolveTarget } from './resolve-target.js';
import type { ResponsesInputItem, ResponsesRequest } from './responses-request.js';
import { postWithFallbacks, type JsonAnswer, type UpstreamAnswer } from './upstream-json.js';

/**
 * A Responses API request after policy: where it goes and exactly what is sent (the model is set per attempt). The
 * same facts as a chat's, which its estimate reads the same way.
 */
export type ResponsesRun = Omit<ChatRun, 'includeUsage'>;

/** OpenRouter's `response` object. */
export type ResponseObject = UpstreamAnswer;

/** A content part of a Responses message as the chat part the attachment policy and the estimate read. */
function chatPartOf(part: Record<string, unknown>, at: string): Record<string, unknown> {
  switch (part['type']) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part['text'] };
    case 'refusal':
      return { type: 'text', text: part['refusal'] };
    case 'input_image':
      if (part['file_id'] != null || typeof part['image_url'] !== 'string') throw new GatewayError('invalid_parameter', `${at}.image_url: send the image as a URL or a data URL; stored file ids are not read.`, { param: `${at}.image_url` });
      return { type: 'image_url', image_url: { url: part['image_url'] } };
    case 'input_file': {
      if (part['file_id'] != null) throw new GatewayError('invalid_parameter', `${at}.file_id: send the file as file_data (a data URL) or file_url; stored file ids are not read.`, { param: `${at}.file_id` });
      const data = part['file_data'] ?? part['file_url'];
      return { type: 'file', file: { filename: part['filename'], file_data: data } };
    }
    default:
      // `input_audio` has chat's shape; any other type is refused by the attachment policy as a part it does not know.
      return part;
  }
}

/** One input item as the chat message it amounts to, for the extension policy and the estimate (never sent). */
function chatMessageOf(item: ResponsesInputItem, index: number): { content?: unknown } {
  // Function calls, their outputs and reasoning handed back are text the estimate counts in the body's JSON.
  if (!('role' in item) || typeof item.role !== 'string') return { content: null };
  const content: unknown = item['content'];
  if (!Array.isArray(content)) return { content };
  return { content: content.map((part: unknown, partIndex) => (isRecord(part) ? chatPartOf(part, `input.${index}.content.${partIndex}`) : part)) };
}

/** A chat-shaped function tool (a feature's defaults) in the Responses API's flat shape; others as they are. */
function responsesToolOf(tool: unknown): unknown {
  if (!isRecord(tool) || tool['type'] !== 'function' || !isRecord(tool['function'])) return tool;
  return { type: 'function', ...tool['function'] };
}

/** A chat-shaped `tool_choice` naming a function as the Responses API names it. */
function responsesToolChoiceOf(choice: unknown): unknown {
  if (isRecord(choice) && choice['type'] === 'function' && isRecord(choice['function'])) return { type: 'function', name: choice['function']['name'] };
  return choice;
}

/** A chat-shaped `response_format` (a feature's default) as the Responses API's `text.format`; others as they are. */
function textFormatOf(format: unknown): unknown {
  if (!isRecord(format) || format['type'] !== 'json_schema' || !isRecord(format['json_schema'])) return format;
  return { type: 'json_schema', ...format['json_schema'] };
}

/** The Responses API's names of the parameters the policy reads under chat's. */
const CHAT_NAMES: Readonly<Record<string, string>> = { max_tokens: 'max_output_tokens', response_format: 'text.format', verbosity: 'text.verbosity' };

const ceilingOf = (...values: unknown[]): number | undefined => {
  const numbers = values.filter((value): value is number => typeof value === 'number');
  return numbers.length > 0 ? Math.min(...numbers) : undefined;
};

/**
 * Resolves the feature and applies its policy to a Responses API request, as a chat's is: its parameter policy (under
 * chat's names: `max_output_tokens` is `max_tokens` under the same ceiling, `text.format` is `response_format`), its
 * extension policy (tools, plugins, routing, attachments), and its system prompt as `instructions`, which a client
 * cannot drop: the client's own `instructions` then follow it as the first input message, adding to it.
 *
 * @example
 * const run = await prepareResponses(context, identity, parseResponsesRequest({ model: 'chat', input: 'Hello' }));
 */
export async function prepareResponses(context: GatewayContext, identity: Identity, request: ResponsesRequest): Promise<ResponsesRun> {
  const target = await resolveTarget(context, identity, request.model, 'text');
  const { feature } = target;
  const { model: _model, input, instructions, stream: _stream, max_output_tokens: maxOutputTokens, text, tools, tool_choice: toolChoice, user, store: _store, truncation, include, ...asked } = request;
  const items: ResponsesInputItem[] = typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;
  const messages = items.map((item, index) => chatMessageOf(item, index));
  const checked = { ...asked, tools, messages };
  let extensions: ReturnType<typeof applyExtensionPolicy>;
  try {
    extensions = applyExtensionPolicy(feature, checked);
  } catch (error) {
    // The messages checked are the input items, one for one.
    throw renameParam(error, (param) => (param ?? 'input').replace(/^messages\b/, 'input'));
  }
  await checkClientModels(context, identity, feature, clientModelsOf(extensions.options));
  const { plugins: _plugins, provider: _provider, models: _models, transforms: _transforms, ...rest } = asked;
  const format = text?.format?.type === 'text' ? undefined : text?.format;
  const named: Record<string, unknown> = { ...rest, max_tokens: maxOutputTokens, tools, tool_choice: toolChoice, response_format: format, verbosity: text?.verbosity };
  let params: Record<string, unknown>;
  try {
    params = resolveParameters(feature, named);
  } catch (error) {
    throw renameParam(error, (param) => CHAT_NAMES[param ?? ''] ?? param ?? 'input');
  }
  const { max_tokens: maxTokens, max_completion_tokens: maxCompletionTokens, max_output_tokens: extraMaxOutput, response_format: responseFormat, verbosity, tools: sentTools, tool_choice: sentChoice, ...sent } = params;
  const body: Record<string, unknown> = { ...sent, ...extensions.options };
  const ceiling = ceilingOf(maxTokens, maxCompletionTokens, extraMaxOutput);
  if (ceiling !== undefined) body['max_output_tokens'] = ceiling;
  const allTools = [...(Array.isArray(sentTools) ? sentTools.map(responsesToolOf) : []), ...extensions.forcedTools];
  if (allTools.length > 0) body['tools'] = allTools;
  if (sentChoice != null) body['tool_choice'] = responsesToolChoiceOf(sentChoice);
  if (responseFormat != null || verbosity != null) body['text'] = { ...(responseFormat != null ? { format: textFormatOf(responseFormat) } : {}), ...(verbosity != null ? { verbosity } : {}) };
  const system = feature.systemPrompt;
  if (system) {
    body['instructions'] = system;
    body['input'] = instructions ? [{ type: 'message', role: 'system', content: instructions }, ...items] : items;
  } else {
    if (instructions) body['instructions'] = instructions;
    body['input'] = items;
  }
  // What the answer carries and how a long input is cut: neither changes what may be billed beyond the estimate.
  if (include != null) body['include'] = include;
  if (truncation != null) body['truncation'] = truncation;
  // Nothing is stored upstream: OpenRouter's Responses API is stateless, and the gateway keeps no responses.
  body['store'] = false;
  const { promptCharacters, promptBytes, attachments } = finishBody(target, body, messages, identity.userId ?? user ?? undefined);
  const apiKey = await context.upstreamKey(identity.projectId);
  return {
    identity,
    requestedModel: request.model,
    target,
    body,
    startedAt: performance.now(),
    promptCharacters,
    promptBytes,
    attachments,
    apiKey,
  };
}

/** What the chat estimate reads of a run: its output bound under chat's name. */
export function estimateViewOf(run: ResponsesRun): Pick<ChatRun, 'target' | 'body' | 'promptBytes' | 'attachments'> {
  const { max_output_tokens: maxOutputTokens, ...body } = run.body;
  return { target: run.target, body: typeof maxOutputTokens === 'number' ? { ...body, max_tokens: maxOutputTokens } : body, promptBytes: run.promptBytes, attachments: run.attachments };
}

/**
 * Sends a non-streaming Responses API request through retries and fallbacks; a `response` whose `error` is set (its
 * status `failed`) counts as a failure. The answer holds the parsed response and its bytes as they came.
 */
export async function completeResponses(context: GatewayContext, run: ResponsesRun, meter: MeteredRequest): Promise<JsonAnswer<ResponseObject>> {
  const body = { ...run.body, stream: false };
  return postWithFallbacks<ResponseObject>(context, { path: '/responses', models: run.target.models, body, apiKey: run.apiKey, signal: meter.signal, meter, observer: meter.observer.attempts });
}
