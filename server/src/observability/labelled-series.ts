import type { Metric, Registry } from 'prom-client';

/** A metric's label names, at least one. */
type LabelNames = readonly [string, ...string[]];
/** One value per label name, in the same order. */
type LabelValues<Names extends LabelNames> = { readonly [Index in keyof Names]: string };

interface LabelledOptions<Names extends LabelNames> {
  name: string;
  help: string;
  labelNames: Names;
  registers: readonly Registry[];
}

/** A sample as prom-client's registry formats it (`metricName` for a histogram's `_bucket`, `_sum`, `_count`). */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  exemplar?: null;
}

/** What a metric's `get()` answers, in prom-client's shape. */
interface MetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Sample[];
}

type Level = Map<string, unknown>;

/**
 * A metric's series, found by their label values: one Map per label. prom-client builds a key for every call
 * (`name:value,` for each label, concatenated), which V8 then flattens and hashes for the lookup; here each lookup
 * hashes a label value, a string whose hash V8 keeps once computed. Kept in the order first seen, as prom-client
 * keeps its own, so the text is the same; as many series as prom-client would hold (the caller bounds the values).
 */
class SeriesByLabels<Series> {
  #root: Level = new Map();
  #ordered: Series[] = [];

  constructor(
    private readonly labelNames: LabelNames,
    private readonly create: (labels: Record<string, string>) => Series,
  ) {}

  find(values: readonly string[]): Series {
    let level = this.#root;
    const last = values.length - 1;
    for (let depth = 0; depth < last; depth += 1) {
      const value = values[depth] as string;
      let next = level.get(value) as Level | undefined;
      if (next === undefined) level.set(value, (next = new Map()));
      level = next;
    }
    const value = values[last] as string;
    const found = level.get(value) as Series | undefined;
    if (found !== undefined) return found;
    const series = this.create(Object.fromEntries(this.labelNames.map((name, index) => [name, values[index] as string])));
    level.set(value, series);
    this.#ordered.push(series);
    return series;
  }

  all(): readonly Series[] {
    return this.#ordered;
  }

  clear(): void {
    this.#root = new Map();
    this.#ordered = [];
  }
}

function register(metric: object, registers: readonly Registry[]): void {
  // A registry reads a metric's name, type and `get()`, and calls its `reset()`; its type lists prom-client's classes.
  for (const registry of registers) registry.registerMetric(metric as Metric);
}

/**
 * A Prometheus counter whose series are found by their label values, given in the order of `labelNames`; exposed
 * through prom-client's registry exactly as prom-client's `Counter` is.
 * @example
 * const requests = new LabelledCounter({ name: 'requests_total', help: 'Requests.', labelNames: ['model', 'outcome'], registers: [registry] });
 * requests.inc(['openai/gpt-4o-mini', 'ok']);
 */
export class LabelledCounter<const Names extends LabelNames> {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #series: SeriesByLabels<{ value: number; labels: Record<string, string> }>;

  constructor(options: LabelledOptions<Names>) {
    this.name = options.name;
    this.help = options.help;
    this.#series = new SeriesByLabels(options.labelNames, (labels) => ({ value: 0, labels }));
    register(this, options.registers);
  }

  /** Adds `amount` (1 unless given) to the series of `values`. */
  inc(values: LabelValues<Names>, amount = 1): void {
    if (!Number.isFinite(amount) || amount < 0) throw new TypeError(`A counter grows by a finite amount, not ${amount}.`);
    this.#series.find(values).value += amount;
  }

  get(): Promise<MetricSnapshot> {
    const values = this.#series.all().map(({ value, labels }) => ({ value, labels }));
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.#series.clear();
  }
}

interface HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket, not cumulative; a value above the last bound counts in none (only in `+Inf`). */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram whose series are found by their label values, given in the order of `labelNames`; exposed
 * through prom-client's registry exactly as prom-client's `Histogram` is.
 * @example
 * const latency = new LabelledHistogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['model'], buckets: [0.1, 1], registers: [registry] });
 * latency.observe(['openai/gpt-4o-mini'], 0.42);
 */
export class LabelledHistogram<const Names extends LabelNames> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #series: SeriesByLabels<HistogramSeries>;

  constructor(options: LabelledOptions<Names> & { buckets: readonly number[] }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = [...options.buckets];
    this.#series = new SeriesByLabels(options.labelNames, (labels) => ({ labels, buckets: this.#bounds.map(() => 0), sum: 0, count: 0 }));
    register(this, options.registers);
  }

  /** Counts `value` in the series of `values`: in the first bucket whose bound is at least `value`. */
  observe(values: LabelValues<Names>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`A histogram observes a finite value, not ${value}.`);
    const series = this.#series.find(values);
    series.sum += value;
    series.count += 1;
    const bounds = this.#bounds;
    for (let index = 0; index < bounds.length; index += 1) {
      if (value <= (bounds[index] as number)) {
        series.buckets[index] = (series.buckets[index] as number) + 1;
        return;
      }
    }
  }

  get(): Promise<MetricSnapshot> {
    const values: Sample[] = [];
    const [bucket, sum, count] = [`${this.name}_bucket`, `${this.name}_sum`, `${this.name}_count`];
    for (const series of this.#series.all()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, index) => {
        cumulative += series.buckets[index] ?? 0;
        values.push({ value: cumulative, metricName: bucket, exemplar: null, labels: { le: bound, ...series.labels } });
      });
      values.push(
        { value: series.count, metricName: bucket, exemplar: null, labels: { le: '+Inf', ...series.labels } },
        { value: series.sum, metricName: sum, labels: { ...series.labels } },
        { value: series.count, metricName: count, labels: { ...series.labels } },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.#series.clear();
  }
}
