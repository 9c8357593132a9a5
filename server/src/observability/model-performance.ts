import type { ModelPerformance } from '@insforge/ai-protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/** How one model served a project over a window, from the usage ledger (the wire's shape). */
export type { ModelPerformance };

/** The most rows one report reads; a window with more is summarised from its latest rows. */
const MAX_ROWS = 200_000;

/** Nearest-rank percentile of sorted values (the same rule as the usage summary's). */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

const sorted = (values: number[]) => values.sort((a, b) => a - b);

/**
 * Performance by model and provider over `[from, to)`: p50/p95 latency and time to first token, tokens per second,
 * error rate and cost per request, for a model performance comparison. Reads the ledger (so it covers every
 * instance) and computes the figures here, the same way on SQLite and Postgres.
 * @example
 * const rows = await modelPerformance(db, { projectId: 'default', from: Date.now() - 86_400_000, to: Date.now() });
 */
export async function modelPerformance(db: Kysely<Database>, query: { projectId: string; from: number; to: number; feature?: string | undefined }): Promise<ModelPerformance[]> {
  let select = db
    .selectFrom('usage_records')
    .select(['requested_model', 'served_model', 'provider', 'status', 'latency_ms', 'time_to_first_token_ms', 'completion_tokens', 'cost_usd'])
    .where('project_id', '=', query.projectId)
    .where('created_at', '>=', query.from)
    .where('created_at', '<', query.to)
    .where('status', 'in', ['ok', 'error', 'cancelled']);
  if (query.feature !== undefined) select = select.where('feature', '=', query.feature);
  const rows = await select.orderBy('created_at', 'desc').limit(MAX_ROWS).execute();
  const groups = new Map<string, { model: string; provider: string | null; rows: typeof rows }>();
  for (const row of rows) {
    const model = row.served_model ?? row.requested_model;
    const key = `${model}\u0000${row.provider ?? ''}`;
    const group = groups.get(key) ?? { model, provider: row.provider, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ model, provider, rows: group }): ModelPerformance => {
      const served = group.filter((row) => row.status !== 'cancelled');
      const ok = group.filter((row) => row.status === 'ok');
      const errors = served.length - ok.length;
      const latency = sorted(ok.map((row) => Number(row.latency_ms)));
      const firstToken = sorted(ok.flatMap((row) => (row.time_to_first_token_ms === null ? [] : [Number(row.time_to_first_token_ms)])));
      const speeds = sorted(
        ok.flatMap((row) => {
          const generatingMs = Number(row.latency_ms) - Number(row.time_to_first_token_ms ?? 0);
          return Number(row.completion_tokens) > 0 && generatingMs > 0 ? [Number(row.completion_tokens) / (generatingMs / 1000)] : [];
        }),
      );
      const costUsd = group.reduce((sum, row) => sum + Number(row.cost_usd), 0);
      return {
        model,
        provider,
        requests: served.length,
        errors,
        cancelled: group.length - served.length,
        errorRate: served.length === 0 ? null : errors / served.length,
        latencyP50Ms: percentile(latency, 50),
        latencyP95Ms: percentile(latency, 95),
        timeToFirstTokenP50Ms: percentile(firstToken, 50),
        timeToFirstTokenP95Ms: percentile(firstToken, 95),
        tokensPerSecond: percentile(speeds, 50),
        costUsd,
        costPerRequestUsd: served.length === 0 ? null : costUsd / served.length,
      };
    })
    .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
}
