import { isRecord } from '../content/tokens.js';
import { EmulatorHttpError } from '../http.js';

function invalid(param: string, message: string): EmulatorHttpError {
  return new EmulatorHttpError(400, message, { param });
}

/** Fields of a Responses request that mean the same in a chat request, sent on under the same name. */
const SHARED_FIELDS = ['model', 'models', 'stream', 'temperature', 'top_p', 'top_k', 'frequency_penalty', 'presence_penalty', 'repetition_penalty', 'min_p', 'top_a', 'seed', 'stop', 'parallel_tool_calls', 'reasoning', 'user', 'provider', 'plugins', 'transforms', 'top_logprobs', 'metadata', 'session_id'];

/** A content part of a Responses message as the chat part the planner reads (text, image, file, audio). */
function chatPartOf(part: unknown, at: string): Record<string, unknown> {
  if (!isRecord(part)) throw invalid(at, `${at} must be a content part object`);
  switch (part['type']) {
    case 'input_text':
    case 'output_text':
      if (typeof part['text'] !== 'string') throw invalid(`${at}.text`, `${at}.text must be a string`);
      return { type: 'text', text: part['text'] };
    case 'refusal':
      return { type: 'text', text: typeof part['refusal'] === 'string' ? part['refusal'] : '' };
    case 'input_image': {
      const url = typeof part['image_url'] === 'string' ? part['image_url'] : undefined;
      if (url === undefined) throw invalid(`${at}.image_url`, `${at}.image_url must be a URL or a data URL`);
      return { type: 'image_url', image_url: { url, ...(typeof part['detail'] === 'string' ? { detail: part['detail'] } : {}) } };
    }
    case 'input_file': {
      const data = typeof part['file_data'] === 'string' ? part['file_data'] : typeof part['file_url'] === 'string' ? part['file_url'] : undefined;
      if (data === undefined) throw invalid(`${at}.file_data`, `${at} needs file_data or file_url`);
      return { type: 'file', file: { filename: typeof part['filename'] === 'string' ? part['filename'] : 'file', file_data: data } };
    }
    case 'input_audio':
      return { type: 'input_audio', input_audio: part['input_audio'] };
    default:
      throw invalid(`${at}.type`, `${at}.type "${String(part['type'])}" is not a content part the Responses API takes`);
  }
}

/** One input item as chat messages: a message, a function call (an assistant's tool call) or its output. */
function chatMessagesOf(item: unknown, at: string): Array<Record<string, unknown>> {
  if (!isRecord(item)) throw invalid(at, `${at} must be an input item object`);
  const type = item['type'] ?? 'message';
  if (type === 'message') {
    const role = item['role'];
    if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') throw invalid(`${at}.role`, `${at}.role must be one of user, assistant, system, developer`);
    const content = item['content'];
    if (typeof content === 'string') return [{ role, content }];
    if (!Array.isArray(content)) throw invalid(`${at}.content`, `${at}.content must be a string or an array of content parts`);
    return [{ role, content: content.map((part, index) => chatPartOf(part, `${at}.content[${index}]`)) }];
  }
  if (type === 'function_call') {
    const call = { id: String(item['call_id'] ?? item['id'] ?? ''), type: 'function', function: { name: String(item['name'] ?? ''), arguments: String(item['arguments'] ?? '') } };
    return [{ role: 'assistant', content: null, tool_calls: [call] }];
  }
  if (type === 'function_call_output') {
    const output = item['output'];
    return [{ role: 'tool', tool_call_id: String(item['call_id'] ?? ''), content: typeof output === 'string' ? output : JSON.stringify(output ?? '') }];
  }
  // Reasoning handed back from an earlier turn is the provider's to read; the emulator plans without it.
  if (type === 'reasoning') return [];
  throw invalid(`${at}.type`, `${at}.type "${String(type)}" is not an input item the Responses API takes here`);
}

/** A Responses function tool (`{type:"function", name, parameters}`) as chat's (`{type:"function", function}`). */
function chatToolOf(tool: unknown): unknown {
  if (!isRecord(tool) || tool['type'] !== 'function') return tool;
  const { type: _type, ...fn } = tool;
  return { type: 'function', function: fn };
}

/** `tool_choice` as chat spells it: `{type:"function", name}` becomes `{type:"function", function:{name}}`. */
function chatToolChoiceOf(choice: unknown): unknown {
  if (isRecord(choice) && choice['type'] === 'function' && typeof choice['name'] === 'string') return { type: 'function', function: { name: choice['name'] } };
  return choice;
}

/**
 * The chat request a Responses request amounts to, for the same planner, pacing, faults and billing: `instructions`
 * as the leading system message, `input` (a string, or message, function call and function call output items) as
 * the messages, `max_output_tokens` as `max_tokens`, flat function tools as chat's, `text.format` as
 * `response_format`. OpenRouter's Responses API is stateless: `previous_response_id` is refused, as it does.
 */
export function chatOfResponsesRequest(body: Record<string, unknown>): Record<string, unknown> {
  if (body['previous_response_id'] !== undefined && body['previous_response_id'] !== null) {
    throw invalid('previous_response_id', 'previous_response_id is not supported: the Responses API here is stateless; send the whole conversation as input');
  }
  const input = body['input'];
  if (input === undefined || input === null || (Array.isArray(input) && input.length === 0) || input === '') throw invalid('input', 'Input required: specify "input"');
  const messages: Array<Record<string, unknown>> = [];
  const instructions = body['instructions'];
  if (typeof instructions === 'string' && instructions !== '') messages.push({ role: 'system', content: instructions });
  if (typeof input === 'string') messages.push({ role: 'user', content: input });
  else if (Array.isArray(input)) input.forEach((item, index) => messages.push(...chatMessagesOf(item, `input[${index}]`)));
  else throw invalid('input', 'input must be a string or an array of input items');
  const chat: Record<string, unknown> = { messages };
  for (const field of SHARED_FIELDS) if (body[field] !== undefined) chat[field] = body[field];
  const maxOutput = body['max_output_tokens'];
  if (maxOutput !== undefined && maxOutput !== null) {
    if (typeof maxOutput !== 'number' || !Number.isInteger(maxOutput) || maxOutput < 1) throw invalid('max_output_tokens', 'max_output_tokens must be a positive integer');
    chat['max_tokens'] = maxOutput;
  }
  if (Array.isArray(body['tools'])) chat['tools'] = body['tools'].map(chatToolOf);
  if (body['tool_choice'] !== undefined) chat['tool_choice'] = chatToolChoiceOf(body['tool_choice']);
  const format = isRecord(body['text']) && isRecord(body['text']['format']) ? body['text']['format'] : undefined;
  if (format?.['type'] === 'json_object') chat['response_format'] = { type: 'json_object' };
  if (format?.['type'] === 'json_schema') {
    const { type: _type, ...schema } = format;
    chat['response_format'] = { type: 'json_schema', json_schema: schema };
  }
  return chat;
}
