import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { GatewayError } from '../errors.js';
import { UpstreamFailure } from '../upstream/upstream-errors.js';
import type { UsageLedgerStats } from '../usage/ledger.js';
import type { UsageRecord } from '../usage/usage-record.js';
import { GatewayMetrics } from './gateway-metrics.js';

let harness: Harness;
beforeAll(async () => {
  // The ledger in the gateway's database, not the harness's memory sink: the metrics are compared with it.
  harness = await startHarness({ usage: undefined, ledger: { flushIntervalMs: 5 } });
});
afterAll(() => harness.close());

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }) =>
  fetch(`${harness.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }).then(async (response) => ({ status: response.status, text: await response.text() }));
const chat = (content: string, extra: Record<string, unknown> = {}) => post('/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content }], ...extra });

async function scrape(): Promise<PrometheusFamily[]> {
  const response = await fetch(`${harness.url}/metrics`, { headers: admin });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await response.text());
}

/** The sum of a family's samples whose labels include `labels`. */
function sum(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((entry) => entry.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  return family.metrics
    .filter((sample) => Object.entries(labels).every(([label, value]) => sample.labels?.[label] === value))
    .reduce((total, sample) => total + Number(sample.value ?? sample.count ?? 0), 0);
}

/**
 * A histogram's observations with `labels`, read from the registry: the text parser keeps a labelled histogram's
 * buckets but not its labels or count.
 */
async function histogramCount(name: string, labels: Record<string, string>): Promise<number> {
  const metric = harness.gateway.operations.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    // Histogram values carry the series they belong to (`_bucket`, `_sum`, `_count`) beyond the declared type.
    .filter((value) => (value as { metricName?: string }).metricName === `${name}_count` && Object.entries(labels).every(([label, wanted]) => value.labels[label] === wanted))
    .reduce((total, value) => total + value.value, 0);
}

interface SummaryGroup { model: string | null; feature: string | null; requests: number; errors: number; rejected: number; promptTokens: number; completionTokens: number; costUsd: number }

async function ledgerSummary(query: string, expectedRequests: number): Promise<{ totals: SummaryGroup; groups: SummaryGroup[] }> {
  for (let tries = 0; ; tries += 1) {
    const response = await fetch(`${harness.url}/api/ai/usage/summary?${query}`, { headers: admin });
    const summary = (await response.json()) as { totals: SummaryGroup; groups: SummaryGroup[] };
    if (summary.totals.requests >= expectedRequests || tries > 100) return summary;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('GET /metrics', () => {
  it('is for admins only: 401 without an identity, 403 for a user', async () => {
    expect((await fetch(`${harness.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status).toBe(403);
  });

  it('parses as the Prometheus text format, and after a known mix of requests its counters match the ledger', async () => {
    expect((await chat('one')).status).toBe(200);
    expect((await chat('two')).status).toBe(200);
    expect((await chat('streamed', { stream: true })).status).toBe(200);
    expect((await post('/v1/embeddings', { model: 'embed', input: 'vectors please' })).status).toBe(200);
    harness.emulator.addRule({ match: { contains: 'refused upstream' }, scenario: 'status=400' });
    expect((await chat('refused upstream')).status).toBe(400);
    expect((await post('/v1/chat/completions', { model: 'no-such-feature', messages: [{ role: 'user', content: 'x' }] })).status).toBe(400);
    expect((await post('/api/ai/emergency-stop', { stopped: true, reason: 'metrics test' }, admin)).status).toBe(200);
    expect((await chat('while stopped')).status).toBe(503);
    expect((await post('/api/ai/emergency-stop', { stopped: false }, admin)).status).toBe(200);
    const requests = 7;

    const families = await scrape();
    const summary = await ledgerSummary('groupBy=model,feature&period=day', requests);
    expect(summary.totals.requests).toBe(requests);
    expect(sum(families, 'insforge_ai_requests_total')).toBe(requests);
    for (const group of summary.groups) {
      const labels = { model: group.model ?? '', feature: group.feature ?? '' };
      expect(sum(families, 'insforge_ai_requests_total', labels), JSON.stringify(group)).toBe(group.requests);
      expect(sum(families, 'insforge_ai_requests_total', { ...labels, outcome: 'error' })).toBe(group.errors);
      expect(sum(families, 'insforge_ai_requests_total', { ...labels, outcome: 'rejected' })).toBe(group.rejected);
      expect(sum(families, 'insforge_ai_tokens_total', { ...labels, kind: 'prompt' })).toBe(group.promptTokens);
      expect(sum(families, 'insforge_ai_tokens_total', { ...labels, kind: 'completion' })).toBe(group.completionTokens);
      expect(await histogramCount('insforge_ai_request_duration_seconds', labels)).toBe(group.requests);
    }
    // Costs as OpenRouter reported them with the answers (the ledger may add estimates for failures).
    const answered = await ledgerSummary('status=ok&period=day', 4);
    expect(sum(families, 'insforge_ai_cost_usd_total')).toBeCloseTo(answered.totals.costUsd, 9);
    expect(answered.totals.costUsd).toBeGreaterThan(0);

    expect(await histogramCount('insforge_ai_time_to_first_token_seconds', { feature: 'chat' })).toBe(1);
    expect(families.find((family) => family.name === 'insforge_ai_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(sum(families, 'insforge_ai_limit_rejections_total', { kind: 'service_unavailable', feature: 'chat' })).toBe(1);
    expect(sum(families, 'insforge_ai_upstream_errors_total', { class: 'invalid_request' })).toBe(1);
    expect(sum(families, 'insforge_ai_upstream_attempts_total', { outcome: 'ok' })).toBe(4);
    expect(sum(families, 'insforge_ai_streams_in_flight')).toBe(0);
    expect(sum(families, 'insforge_ai_ledger_buffered_records')).toBeGreaterThanOrEqual(0);
    expect(families.find((family) => family.name === 'insforge_ai_ledger_write_failures')?.type).toBe('GAUGE');
    // No user id is a label.
    const labelNames = new Set(families.flatMap((family) => family.metrics.flatMap((sample) => Object.keys(sample.labels ?? {}))));
    expect([...labelNames].sort()).toEqual(['class', 'endpoint', 'feature', 'kind', 'model', 'outcome', 'provider']);
  });

  it('never turns the model names a client makes up into labels: only models that answered are counted by name', async () => {
    for (let index = 0; index < 210; index += 1) await post('/v1/chat/completions', { model: `made-up-${index}`, messages: [{ role: 'user', content: 'x' }] });
    const families = await scrape();
    const models = new Set(families.find((family) => family.name === 'insforge_ai_requests_total')!.metrics.map((sample) => sample.labels?.['model']));
    expect([...models].some((model) => String(model).startsWith('made-up-'))).toBe(false);
    expect(models.size).toBeLessThanOrEqual(201);
  });
});

describe('GatewayMetrics', () => {
  const sources = {
    requestsInFlight: () => 2,
    streamsInFlight: () => 1,
    // The metrics read three of the ledger's figures.
    ledger: () => ({ buffered: 3, dropped: 0, writeFailures: 1 }) as UsageLedgerStats,
    openCircuits: async () => [{ scope: 'model', name: 'openai/gpt-4o-mini' }],
  };
  let sequence = 0;
  // `undefined` where a record leaves a field out (a request nobody answered has no served model).
  const record = (fields: { [Field in keyof UsageRecord]?: UsageRecord[Field] | undefined }): UsageRecord => ({
    requestId: `request-${(sequence += 1)}`, endpoint: 'chat', projectId: 'project', feature: 'chat', requestedModel: 'chat', servedModel: 'openai/gpt-4o-mini', provider: 'OpenAI',
    status: 'ok', streamed: false, promptTokens: 12, completionTokens: 30, reasoningTokens: 0, costUsd: 0.000123, latencyMs: 120, attempts: 1, startedAt: new Date(0), ...fields,
  }) as UsageRecord;
  const failed = (code: 'upstream_error' | 'upstream_timeout') => ({ ok: false as const, aborted: false, failure: new UpstreamFailure(new GatewayError(code, 'failed'), true, true) });

  it('exposes the text it always has for a varied sequence of records, also after the registry is reset', async () => {
    const metrics = new GatewayMetrics(sources);
    metrics.recordRequest(record({ timeToFirstTokenMs: 40 }));
    // On bucket bounds, and costs whose sum is not exact in binary.
    metrics.recordRequest(record({ latencyMs: 250, timeToFirstTokenMs: 100, costUsd: 0.0000456 }));
    metrics.recordRequest(record({ latencyMs: 5000, streamed: true, servedModel: 'anthropic/claude-3.5-sonnet:beta', provider: 'Anthropic', reasoningTokens: 7, costUsd: undefined, timeToFirstTokenMs: 2900 }));
    metrics.recordRequest(record({ endpoint: 'embeddings', feature: 'embed', servedModel: 'openai/text-embedding-3-small', latencyMs: 30, completionTokens: 0, costUsd: 0 }));
    metrics.recordRequest(record({ status: 'error', servedModel: undefined, provider: undefined, latencyMs: 400_000, promptTokens: 0, completionTokens: 0, costUsd: undefined, errorCode: 'upstream_error' }));
    metrics.recordRequest(record({ status: 'cancelled', streamed: true, latencyMs: 700, timeToFirstTokenMs: 90, completionTokens: 4 }));
    metrics.recordRequest(record({ status: 'rejected', servedModel: undefined, provider: undefined, latencyMs: 1, promptTokens: 0, completionTokens: 0, costUsd: undefined, errorCode: 'quota_exceeded' }));
    metrics.recordRequest(record({ status: 'rejected', feature: 'summarise', servedModel: undefined, provider: undefined, latencyMs: 2, promptTokens: 0, completionTokens: 0, costUsd: undefined, errorCode: 'rate_limit_exceeded' }));
    metrics.recordRequest(record({ status: 'rejected', servedModel: undefined, provider: undefined, latencyMs: 2, promptTokens: 0, completionTokens: 0, costUsd: undefined, errorCode: 'invalid_request' }));
    metrics.recordRequest(record({ cacheHit: true, latencyMs: 3, costUsd: 0 }));
    metrics.recordRequest(record({ status: 'error', feature: 'moderated', servedModel: undefined, provider: undefined, latencyMs: 20, promptTokens: 0, completionTokens: 0, costUsd: undefined, errorCode: 'content_policy_violation', guardrailCostUsd: 0.0003645 }));
    metrics.recordRequest(record({ endpoint: 'images', feature: undefined, servedModel: 'google/gemini-2.5-flash-image', provider: 'Google', latencyMs: 9000, promptTokens: 0, completionTokens: 1290, costUsd: 0.039 }));
    // Values the text format escapes, and one longer than a label keeps.
    metrics.recordRequest(record({ servedModel: 'we"ird\\model\nname', provider: 'Odd, Inc: "x"' }));
    metrics.recordRequest(record({ servedModel: `long/${'m'.repeat(130)}`, latencyMs: 80_000 }));
    metrics.recordRequest(record({ timeToFirstTokenMs: 40 }));
    metrics.recordAttempt('openai/gpt-4o-mini', { ok: true });
    metrics.recordAttempt('openai/gpt-4o-mini', { ok: false, aborted: true });
    metrics.recordAttempt('openai/gpt-4o-mini', failed('upstream_error'));
    metrics.recordAttempt('anthropic/claude-3.5-sonnet:beta', failed('upstream_timeout'));
    metrics.recordAttempt('anthropic/claude-3.5-sonnet:beta', { ok: false, aborted: false });
    metrics.recordAttempt('openai/gpt-4o-mini', { ok: true });
    const before = await metrics.text();

    metrics.registry.resetMetrics();
    metrics.recordRequest(record({ servedModel: 'anthropic/claude-3.5-sonnet:beta', provider: 'Anthropic', latencyMs: 60 }));
    metrics.recordRequest(record({ latencyMs: 0 }));
    metrics.recordAttempt('openai/gpt-4o-mini', failed('upstream_error'));
    const after = await metrics.text();

    await expect(`${before}\n# after registry.resetMetrics()\n\n${after}`).toMatchFileSnapshot('./__snapshots__/gateway-metrics.exposition.txt');
  });
});
