import { isRecord } from '../content/tokens.js';
import { EmulatorHttpError } from '../http.js';

function invalid(param: string, message: string): EmulatorHttpError {
  return new EmulatorHttpError(400, `${param}: ${message}`, { param });
}

/** Fields of a Messages request that mean the same in a chat request (and OpenRouter's own), sent on as they are. */
const SHARED_FIELDS = ['model', 'models', 'stream', 'temperature', 'top_p', 'top_k', 'provider', 'plugins', 'transforms', 'session_id'];

/** A content block's media as the data URL (or URL) chat's parts carry. */
function sourceUrl(source: unknown, at: string): string {
  if (!isRecord(source)) throw invalid(`${at}.source`, 'a source object ({type:"base64", media_type, data} or {type:"url", url}) is required');
  if (source['type'] === 'base64' && typeof source['data'] === 'string' && typeof source['media_type'] === 'string') return `data:${source['media_type']};base64,${source['data']}`;
  if (source['type'] === 'url' && typeof source['url'] === 'string') return source['url'];
  throw invalid(`${at}.source`, 'a source is {type:"base64", media_type, data} or {type:"url", url}');
}

/** The text of a `tool_result`'s content (a string, or text blocks). */
function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block) => (isRecord(block) && typeof block['text'] === 'string' ? block['text'] : '')).join('');
}

/** One message (a string, or content blocks) as chat messages: its parts, its tool calls, its tool results. */
function chatMessagesOf(message: unknown, at: string): Array<Record<string, unknown>> {
  if (!isRecord(message)) throw invalid(at, 'a message is an object with role and content');
  const role = message['role'];
  if (role !== 'user' && role !== 'assistant') throw invalid(`${at}.role`, 'must be "user" or "assistant"');
  const content = message['content'];
  if (typeof content === 'string') return [{ role, content }];
  if (!Array.isArray(content)) throw invalid(`${at}.content`, 'must be a string or a list of content blocks');
  const parts: Array<Record<string, unknown>> = [];
  const toolCalls: Array<Record<string, unknown>> = [];
  const toolResults: Array<Record<string, unknown>> = [];
  content.forEach((block: unknown, index) => {
    const where = `${at}.content.${index}`;
    if (!isRecord(block)) throw invalid(where, 'a content block is an object with a type');
    switch (block['type']) {
      case 'text':
        if (typeof block['text'] !== 'string') throw invalid(`${where}.text`, 'must be a string');
        parts.push({ type: 'text', text: block['text'] });
        return;
      case 'image':
        parts.push({ type: 'image_url', image_url: { url: sourceUrl(block['source'], where) } });
        return;
      case 'document': {
        const source = block['source'];
        if (isRecord(source) && source['type'] === 'text' && typeof source['data'] === 'string') parts.push({ type: 'text', text: source['data'] });
        else parts.push({ type: 'file', file: { filename: typeof block['title'] === 'string' ? block['title'] : 'document.pdf', file_data: sourceUrl(source, where) } });
        return;
      }
      case 'tool_use':
        if (role !== 'assistant') throw invalid(`${where}.type`, 'tool_use blocks belong to assistant messages');
        toolCalls.push({ id: String(block['id'] ?? ''), type: 'function', function: { name: String(block['name'] ?? ''), arguments: JSON.stringify(block['input'] ?? {}) } });
        return;
      case 'tool_result':
        if (role !== 'user') throw invalid(`${where}.type`, 'tool_result blocks belong to user messages');
        toolResults.push({ role: 'tool', tool_call_id: String(block['tool_use_id'] ?? ''), content: toolResultText(block['content']) });
        return;
      // Reasoning handed back from an earlier turn is the provider's to read; the emulator plans without it.
      case 'thinking':
      case 'redacted_thinking':
        return;
      default:
        throw invalid(`${where}.type`, `"${String(block['type'])}" is not a content block the Messages API takes`);
    }
  });
  if (role === 'assistant') return [{ role, content: parts.length > 0 ? parts : null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }];
  return [...toolResults, ...(parts.length > 0 ? [{ role, content: parts }] : [])];
}

/** An Anthropic tool (`{name, description, input_schema}`) as chat's function tool; OpenRouter's server tools as they are. */
function chatToolOf(tool: unknown, at: string): unknown {
  if (!isRecord(tool)) throw invalid(at, 'a tool is an object');
  if (typeof tool['type'] === 'string' && tool['type'] !== 'custom') return tool;
  if (typeof tool['name'] !== 'string') throw invalid(`${at}.name`, 'a tool needs a name');
  return { type: 'function', function: { name: tool['name'], description: tool['description'], parameters: tool['input_schema'] ?? { type: 'object' } } };
}

/** `tool_choice` as chat spells it: `auto`, `any` (required), `none`, or `{type:"tool", name}`. */
function chatToolChoiceOf(choice: unknown): unknown {
  if (!isRecord(choice)) throw invalid('tool_choice', 'is an object: {type:"auto"|"any"|"none"} or {type:"tool", name}');
  if (choice['type'] === 'auto' || choice['type'] === 'none') return choice['type'];
  if (choice['type'] === 'any') return 'required';
  if (choice['type'] === 'tool' && typeof choice['name'] === 'string') return { type: 'function', function: { name: choice['name'] } };
  throw invalid('tool_choice.type', 'must be "auto", "any", "none" or "tool" (with a name)');
}

/** Extended thinking as OpenRouter's `reasoning`: a budget in tokens, on or off. */
function reasoningOf(thinking: unknown): Record<string, unknown> | undefined {
  if (!isRecord(thinking) || thinking['type'] === 'disabled') return undefined;
  if (thinking['type'] === 'enabled') {
    const budget = thinking['budget_tokens'];
    if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1) throw invalid('thinking.budget_tokens', 'must be a positive integer');
    return { max_tokens: budget };
  }
  if (thinking['type'] === 'adaptive') return { enabled: true };
  throw invalid('thinking.type', 'must be "enabled", "adaptive" or "disabled"');
}

/**
 * The chat request a Messages request amounts to, for the same planner, pacing, faults and billing: `system` as the
 * leading system message, each message's blocks as chat parts (images and documents as data URLs, `tool_use` as an
 * assistant's tool calls, `tool_result` as tool messages), `stop_sequences` as `stop`, tools and `tool_choice` in
 * chat's shape, `thinking` as `reasoning`, `metadata.user_id` as `user`. `max_tokens` is required, as Anthropic's is.
 */
export function chatOfMessagesRequest(body: Record<string, unknown>): Record<string, unknown> {
  const maxTokens = body['max_tokens'];
  if (maxTokens === undefined || maxTokens === null) throw invalid('max_tokens', 'Field required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) throw invalid('max_tokens', 'must be a positive integer');
  const input = body['messages'];
  if (!Array.isArray(input) || input.length === 0) throw invalid('messages', 'Field required: at least one message');
  const messages: Array<Record<string, unknown>> = [];
  const system = body['system'];
  if (typeof system === 'string' && system !== '') messages.push({ role: 'system', content: system });
  else if (Array.isArray(system) && system.length > 0) messages.push({ role: 'system', content: system.map((block, index) => ({ type: 'text', text: isRecord(block) && typeof block['text'] === 'string' ? block['text'] : invalidSystem(index) })) });
  else if (system !== undefined && system !== null && system !== '' && !Array.isArray(system)) throw invalid('system', 'must be a string or a list of text blocks');
  input.forEach((message, index) => messages.push(...chatMessagesOf(message, `messages.${index}`)));
  const chat: Record<string, unknown> = { messages, max_tokens: maxTokens };
  for (const field of SHARED_FIELDS) if (body[field] !== undefined) chat[field] = body[field];
  if (body['stop_sequences'] != null) chat['stop'] = body['stop_sequences'];
  if (body['tools'] != null) {
    if (!Array.isArray(body['tools'])) throw invalid('tools', 'must be a list of tools');
    chat['tools'] = body['tools'].map((tool, index) => chatToolOf(tool, `tools.${index}`));
  }
  if (body['tool_choice'] != null) chat['tool_choice'] = chatToolChoiceOf(body['tool_choice']);
  const reasoning = reasoningOf(body['thinking']);
  if (reasoning) chat['reasoning'] = reasoning;
  const user = isRecord(body['metadata']) ? body['metadata']['user_id'] : undefined;
  if (typeof user === 'string') chat['user'] = user;
  return chat;
}

function invalidSystem(index: number): never {
  throw invalid(`system.${index}.text`, 'a system block is {type:"text", text}');
}
