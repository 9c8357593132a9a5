import { Gauge, Registry } from 'prom-client';
import type { UsageLedgerStats } from '../usage/ledger.js';
import type { UsageRecord } from '../usage/usage-record.js';
import type { AttemptOutcome } from '../gateway/with-fallbacks.js';
import { LabelledCounter, LabelledHistogram } from './labelled-series.js';

/** Live figures the metrics read when scraped. */
export interface MetricsSources {
  requestsInFlight(): number;
  streamsInFlight(): number;
  /** Undefined when the host brought its own usage sink (no ledger to watch). */
  ledger(): UsageLedgerStats | undefined;
  /** Circuits currently open, by scope. */
  openCircuits(): Promise<Array<{ scope: string; name: string }>>;
}

/** The most distinct values one label keeps; later ones are counted under `other`, so no caller can grow the series. */
const MAX_LABEL_VALUES = 200;
const MAX_LABEL_LENGTH = 100;

/**
 * Keeps each label's values bounded: names the client chose (a model that does not exist, a feature name) could
 * otherwise create a series per request. No user id is ever a label.
 */
class BoundedLabels {
  readonly #seen = new Map<string, Set<string>>();

  value(label: string, raw: string | undefined): string {
    const text = (raw ?? '').slice(0, MAX_LABEL_LENGTH);
    let values = this.#seen.get(label);
    if (!values) this.#seen.set(label, (values = new Set()));
    if (values.has(text)) return text;
    if (values.size >= MAX_LABEL_VALUES) return 'other';
    values.add(text);
    return text;
  }
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320];
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20];
/** Codes a request is refused with by limits and the emergency stop (the rest are invalid input or auth). */
const LIMIT_CODES = new Set(['quota_exceeded', 'rate_limit_exceeded', 'service_unavailable']);

/**
 * The gateway's Prometheus metrics, in a registry of its own (a host's default registry is left alone): requests
 * by feature, model, provider and outcome, latency and time-to-first-token histograms, tokens and cost, cache hits,
 * limit rejections by kind, upstream errors by class, requests and streams in flight, the ledger's buffer and
 * write failures, and open circuits.
 * @example
 * const metrics = new GatewayMetrics(sources);
 * metrics.recordRequest(record);
 * res.type(metrics.contentType).send(await metrics.text());
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #labels = new BoundedLabels();
  // Registered in this order, which is the order of the text. The counters and histograms each request touches find
  // their series by label values (labelled-series.ts); the gauges, set only when scraped, are prom-client's own.
  readonly #requests = new LabelledCounter({ name: 'insforge_ai_requests_total', help: 'AI requests by feature, served model, provider and outcome (ok, error, cancelled, rejected).', labelNames: ['endpoint', 'feature', 'model', 'provider', 'outcome'], registers: [this.registry] });
  readonly #latency = new LabelledHistogram({ name: 'insforge_ai_request_duration_seconds', help: 'Time from arrival to the last byte of an AI request.', labelNames: ['endpoint', 'feature', 'model', 'outcome'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly #firstToken = new LabelledHistogram({ name: 'insforge_ai_time_to_first_token_seconds', help: 'Time from arrival to the first token forwarded of a streamed answer.', labelNames: ['feature', 'model'], buckets: FIRST_TOKEN_BUCKETS, registers: [this.registry] });
  readonly #tokens = new LabelledCounter({ name: 'insforge_ai_tokens_total', help: 'Tokens by kind (prompt, completion, reasoning).', labelNames: ['feature', 'model', 'provider', 'kind'], registers: [this.registry] });
  readonly #cost = new LabelledCounter({ name: 'insforge_ai_cost_usd_total', help: 'Cost in USD as OpenRouter reported it with the answer (reconciled costs arrive in the ledger later).', labelNames: ['feature', 'model', 'provider'], registers: [this.registry] });
  readonly #guardrailCost = new LabelledCounter({ name: 'insforge_ai_guardrail_cost_usd_total', help: 'Cost in USD of the guardrails\' own model calls (moderation), besides the answers\'.', labelNames: ['feature'], registers: [this.registry] });
  readonly #cacheHits = new LabelledCounter({ name: 'insforge_ai_cache_hits_total', help: 'Requests answered from the response cache.', labelNames: ['feature'], registers: [this.registry] });
  readonly #limitRejections = new LabelledCounter({ name: 'insforge_ai_limit_rejections_total', help: 'Requests refused by limits or the emergency stop, by kind.', labelNames: ['kind', 'feature'], registers: [this.registry] });
  readonly #attempts = new LabelledCounter({ name: 'insforge_ai_upstream_attempts_total', help: 'Calls to OpenRouter (retries and fallbacks each count), by model and outcome.', labelNames: ['model', 'outcome'], registers: [this.registry] });
  readonly #upstreamErrors = new LabelledCounter({ name: 'insforge_ai_upstream_errors_total', help: 'Failed calls to OpenRouter by model and class of error.', labelNames: ['model', 'class'], registers: [this.registry] });

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    new Gauge({ name: 'insforge_ai_requests_in_flight', help: 'AI requests being served now.', registers, collect() {
      this.set(sources.requestsInFlight());
    } });
    new Gauge({ name: 'insforge_ai_streams_in_flight', help: 'Streamed answers being forwarded now.', registers, collect() {
      this.set(sources.streamsInFlight());
    } });
    new Gauge({ name: 'insforge_ai_ledger_buffered_records', help: 'Usage records waiting to be written to the ledger.', registers, collect() {
      this.set(sources.ledger()?.buffered ?? 0);
    } });
    new Gauge({ name: 'insforge_ai_ledger_write_failures', help: 'Failed ledger writes since the start (a counter read from the ledger).', registers, collect() {
      this.set(sources.ledger()?.writeFailures ?? 0);
    } });
    new Gauge({ name: 'insforge_ai_ledger_dropped_records', help: 'Usage records dropped because the ledger buffer was full.', registers, collect() {
      this.set(sources.ledger()?.dropped ?? 0);
    } });
    const labels = this.#labels;
    new Gauge({ name: 'insforge_ai_circuit_open', help: 'Circuits open now (1 per model or provider whose calls are skipped).', labelNames: ['scope', 'name'], registers, async collect() {
      this.reset();
      for (const circuit of await sources.openCircuits()) this.set({ scope: circuit.scope, name: labels.value('circuit', circuit.name) }, 1);
    } });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The metrics in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts one finished request from its usage record. */
  recordRequest(record: UsageRecord): void {
    const feature = this.#labels.value('feature', record.feature);
    // The model that answered, as the ledger groups it: a request nobody answered has none, so a client's made-up
    // model names never become labels.
    const model = this.#labels.value('model', record.servedModel);
    const provider = this.#labels.value('provider', record.provider);
    const { endpoint, status } = record;
    this.#requests.inc([endpoint, feature, model, provider, status]);
    this.#latency.observe([endpoint, feature, model, status], record.latencyMs / 1000);
    if (record.timeToFirstTokenMs !== undefined) this.#firstToken.observe([feature, model], record.timeToFirstTokenMs / 1000);
    if (record.promptTokens > 0) this.#tokens.inc([feature, model, provider, 'prompt'], record.promptTokens);
    if (record.completionTokens > 0) this.#tokens.inc([feature, model, provider, 'completion'], record.completionTokens);
    if (record.reasoningTokens > 0) this.#tokens.inc([feature, model, provider, 'reasoning'], record.reasoningTokens);
    if (record.costUsd !== undefined && record.costUsd > 0) this.#cost.inc([feature, model, provider], record.costUsd);
    if (record.guardrailCostUsd !== undefined && record.guardrailCostUsd > 0) this.#guardrailCost.inc([feature], record.guardrailCostUsd);
    if (record.cacheHit) this.#cacheHits.inc([feature]);
    if (status === 'rejected' && record.errorCode !== undefined && LIMIT_CODES.has(record.errorCode)) this.#limitRejections.inc([record.errorCode, feature]);
  }

  /** Counts one call to OpenRouter. */
  recordAttempt(model: string, outcome: AttemptOutcome): void {
    const label = this.#labels.value('model', model);
    this.#attempts.inc([label, outcome.ok ? 'ok' : outcome.aborted ? 'aborted' : 'error']);
    if (!outcome.ok && !outcome.aborted) this.#upstreamErrors.inc([label, outcome.failure?.error.code ?? 'internal_error']);
  }
}
