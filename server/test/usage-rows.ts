import type { UsageRow } from '../src/usage/ledger.js';

let sequence = 0;
/** A usage row with plausible defaults and ids that sort in creation order, for tests that insert rows directly. */
export const usageRow = (overrides: Partial<UsageRow> = {}): UsageRow => {
  sequence += 1;
  return {
    id: `r${String(sequence).padStart(5, '0')}`,
    project_id: 'p1',
    endpoint: 'chat',
    feature: 'chat',
    user_id: 'u1',
    client_key_id: null,
    requested_model: 'chat',
    served_model: 'openai/gpt-4o-mini',
    provider: 'OpenAI',
    generation_id: null,
    status: 'ok',
    streamed: 1,
    prompt_tokens: 10,
    completion_tokens: 20,
    reasoning_tokens: 0,
    image_count: null,
    image_resolution: null,
    cost_usd: 0.001,
    cost_source: 'upstream',
    latency_ms: 100,
    time_to_first_token_ms: null,
    error_code: null,
    cache_hit: 0,
    attempts: 1,
    created_at: Date.now(),
    reconciled_at: null,
    ...overrides,
  };
};
