import type { chatUsage } from '../billing.js';
import type { ChatPlan } from '../chat/plan.js';
import { signatureOf } from '../chat/reasoning-details.js';

type ChatUsage = ReturnType<typeof chatUsage>;

/**
 * OpenRouter's usage of a message: Anthropic's names, the prompt split as Anthropic splits it (`input_tokens` are those
 * neither read from nor written to the cache), plus OpenRouter's cost.
 */
export function messageUsage(usage: ChatUsage) {
  const cached = usage.prompt_tokens_details.cached_tokens;
  const written = usage.prompt_tokens_details.cache_write_tokens;
  return {
    input_tokens: Math.max(0, usage.prompt_tokens - cached - written),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: cached,
    output_tokens: usage.completion_tokens,
    cost: usage.cost,
    is_byok: usage.is_byok,
    cost_details: usage.cost_details,
  };
}

/** How a planned answer ended, as Anthropic's `stop_reason`. */
export function stopReasonOf(plan: ChatPlan): 'end_turn' | 'max_tokens' | 'tool_use' {
  return plan.finishReason === 'length' ? 'max_tokens' : plan.finishReason === 'tool_calls' ? 'tool_use' : 'end_turn';
}

/** Anthropic's error types by HTTP status; a failure past them is an `api_error`. */
const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  504: 'timeout_error',
  524: 'timeout_error',
  529: 'overloaded_error',
};

/** `{type:"error", error:{type, message}}`, the Messages API's error body (a response's, or a stream's `error` event). */
export function messageError(status: number | string, message: string) {
  const type = typeof status === 'number' ? (ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')) : 'api_error';
  return { type: 'error', error: { type, message } };
}

/** Parses the arguments a tool call streamed, as `tool_use.input`; an answer cut mid-way keeps what parses. */
export function toolInputOf(args: string): unknown {
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return {};
  }
}

/** The content blocks of a whole planned answer: its thinking (unless excluded, signed), its text, its tool calls. */
export function contentBlocksOf(plan: ChatPlan): unknown[] {
  const blocks: unknown[] = [];
  const thinking = plan.reasoningPieces.join('');
  if (thinking !== '' && !plan.reasoningHidden) blocks.push({ type: 'thinking', thinking, signature: signatureOf(thinking, plan.provider.name) });
  if (plan.toolCalls.length === 0 || plan.contentPieces.length > 0) blocks.push({ type: 'text', text: plan.contentPieces.join('') });
  for (const call of plan.toolCalls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInputOf(call.argumentPieces.join('')) });
  return blocks;
}

/** The `message` object, fields in Anthropic's order, plus OpenRouter's `provider`; content and usage as the moment has them. */
export function messageObject(id: string, plan: ChatPlan, state: { content: unknown[]; stopReason: string | null; usage: unknown }) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: plan.model.id,
    provider: plan.provider.name,
    content: state.content,
    stop_reason: state.stopReason,
    stop_sequence: null,
    usage: state.usage,
  };
}
