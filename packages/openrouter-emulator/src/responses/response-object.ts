import type { chatUsage } from '../billing.js';
import type { ChatPlan } from '../chat/plan.js';
import { isRecord } from '../content/tokens.js';

type ChatUsage = ReturnType<typeof chatUsage>;
export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** OpenRouter's usage object of a response: OpenAI's names (`input_tokens`…), plus its cost. */
export function responsesUsage(usage: ChatUsage) {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details.cached_tokens },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details.reasoning_tokens },
    total_tokens: usage.total_tokens,
    cost: usage.cost,
    is_byok: usage.is_byok,
    cost_details: usage.cost_details,
  };
}

/**
 * A failed response's `error.code`: the Responses API names its codes as OpenAI's do (a string), where chat's
 * envelope carries the HTTP status.
 */
export const responseErrorCode = (status: number | string): string => (typeof status === 'string' ? status : status === 429 ? 'rate_limit_exceeded' : status === 408 ? 'timeout' : 'server_error');

/** The ids of a response's output items, derived from its generation id so tests can predict them. */
export const itemIds = (generation: string) => {
  const suffix = generation.slice(-16);
  return { reasoning: `rs_${suffix}`, message: `msg_${suffix}`, call: (index: number) => `fc_${suffix}_${index}` };
};

export const reasoningItem = (id: string, text: string, status: 'in_progress' | 'completed') => ({ type: 'reasoning', id, summary: [], content: [{ type: 'reasoning_text', text }], status });

export const outputText = (text: string, citations: ChatPlan['citations']) => ({
  type: 'output_text',
  text,
  annotations: citations.map(({ url, title, start_index, end_index }) => ({ type: 'url_citation', url, title, start_index, end_index })),
  logprobs: [],
});

export const messageItem = (id: string, content: unknown[], status: 'in_progress' | 'completed') => ({ type: 'message', id, status, role: 'assistant', content });

export const functionCallItem = (id: string, callId: string, name: string, args: string, status: 'in_progress' | 'completed') => ({ type: 'function_call', id, call_id: callId, name, arguments: args, status });

/** The output items of a whole planned answer: its reasoning (unless excluded), its message, its function calls. */
export function outputItemsOf(generation: string, plan: ChatPlan): unknown[] {
  const ids = itemIds(generation);
  const items: unknown[] = [];
  if (plan.reasoningPieces.length > 0 && !plan.reasoningHidden) items.push(reasoningItem(ids.reasoning, plan.reasoningPieces.join(''), 'completed'));
  if (plan.toolCalls.length === 0 || plan.contentPieces.length > 0) items.push(messageItem(ids.message, [outputText(plan.contentPieces.join(''), plan.citations)], 'completed'));
  plan.toolCalls.forEach((call, index) => items.push(functionCallItem(ids.call(index), call.id, call.name, call.argumentPieces.join(''), 'completed')));
  return items;
}

/** How a planned answer ended, as a response's status: one cut at `max_output_tokens` is incomplete. */
export function finalStatusOf(plan: ChatPlan): { status: ResponseStatus; incomplete_details: { reason: string } | null } {
  return plan.finishReason === 'length' ? { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } : { status: 'completed', incomplete_details: null };
}

/**
 * The `response` object, fields in OpenAI's order, echoing the request's settings; `output`, `usage` and `error`
 * as the moment has them (empty while in progress).
 */
export function responseObject(
  id: string,
  plan: ChatPlan,
  request: Record<string, unknown>,
  createdAt: number,
  state: { status: ResponseStatus; incomplete_details?: { reason: string } | null; output: unknown[]; usage: unknown; error?: { code: string; message: string } | null },
) {
  const reasoning = isRecord(request['reasoning']) ? request['reasoning'] : null;
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: state.status,
    completed_at: state.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: state.error ?? null,
    incomplete_details: state.incomplete_details ?? null,
    instructions: typeof request['instructions'] === 'string' ? request['instructions'] : null,
    max_output_tokens: typeof request['max_output_tokens'] === 'number' ? request['max_output_tokens'] : null,
    model: plan.model.id,
    provider: plan.provider.name,
    output: state.output,
    parallel_tool_calls: request['parallel_tool_calls'] !== false,
    previous_response_id: null,
    reasoning: reasoning ? { effort: reasoning['effort'] ?? null, summary: reasoning['summary'] ?? null } : null,
    store: false,
    temperature: typeof request['temperature'] === 'number' ? request['temperature'] : null,
    text: isRecord(request['text']) ? request['text'] : { format: { type: 'text' } },
    tool_choice: request['tool_choice'] ?? 'auto',
    tools: Array.isArray(request['tools']) ? request['tools'] : [],
    top_p: typeof request['top_p'] === 'number' ? request['top_p'] : null,
    truncation: 'disabled',
    usage: state.usage,
    user: typeof request['user'] === 'string' ? request['user'] : null,
    metadata: isRecord(request['metadata']) ? request['metadata'] : {},
  };
}
