import { EmulatorHttpError } from '../http.js';
import { isRecord } from '../content/tokens.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/** Ranges of the sampling parameters OpenRouter validates; unknown fields are ignored, as OpenRouter does. */
const RANGES: Array<[name: string, min: number, max: number, minExclusive?: boolean]> = [
  ['temperature', 0, 2],
  ['top_p', 0, 1, true],
  ['frequency_penalty', -2, 2],
  ['presence_penalty', -2, 2],
  ['repetition_penalty', 0, 2, true],
  ['min_p', 0, 1],
  ['top_a', 0, 1],
  ['top_logprobs', 0, 20],
];

function invalid(param: string, message: string): EmulatorHttpError {
  return new EmulatorHttpError(400, message, { param });
}

/** Checks a chat request the way OpenRouter does before routing it; throws a 400 naming the parameter. */
export function validateChatRequest(body: Record<string, unknown>): void {
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid('messages', 'Input required: specify "prompt" or "messages"');
  }
  messages.forEach((message, index) => {
    if (!isRecord(message) || typeof message['role'] !== 'string' || !ROLES.has(message['role'])) {
      throw invalid(`messages[${index}].role`, `messages[${index}].role must be one of system, developer, user, assistant, tool`);
    }
    const content = message['content'];
    const hasToolCalls = message['role'] === 'assistant' && Array.isArray(message['tool_calls']);
    if (typeof content !== 'string' && !Array.isArray(content) && !(content === null && hasToolCalls)) {
      throw invalid(`messages[${index}].content`, `messages[${index}].content must be a string or an array of content parts`);
    }
  });
  for (const [name, min, max, minExclusive] of RANGES) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value > max || (minExclusive ? value <= min : value < min)) {
      throw invalid(name, `${name} must be a number ${minExclusive ? 'greater than' : 'from'} ${min} ${minExclusive ? 'and at most' : 'to'} ${max}`);
    }
  }
  for (const name of ['max_tokens', 'max_completion_tokens', 'top_k']) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(name, `${name} must be a positive integer`);
  }
  const stop = body['stop'];
  if (stop !== undefined && stop !== null) {
    const list = Array.isArray(stop) ? stop : [stop];
    if (list.length > 4 || list.some((entry) => typeof entry !== 'string')) throw invalid('stop', 'stop must be a string or up to 4 strings');
  }
  if (body['seed'] !== undefined && body['seed'] !== null && !Number.isInteger(body['seed'])) throw invalid('seed', 'seed must be an integer');
  if (body['models'] !== undefined && (!Array.isArray(body['models']) || body['models'].some((model) => typeof model !== 'string'))) {
    throw invalid('models', 'models must be an array of model IDs');
  }
  if (body['model'] !== undefined && typeof body['model'] !== 'string') throw invalid('model', 'model must be a string');
}
