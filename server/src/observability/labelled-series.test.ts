import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabelledCounter, LabelledHistogram } from './labelled-series.js';

const BUCKETS = [0.05, 0.1, 0.25, 1, 5];
const MODELS = ['openai/gpt-4o-mini', 'anthropic/claude-3.5-sonnet:beta', '', 'we"ird\\model\nname'];
const OUTCOMES = ['ok', 'error', 'rejected'];

/** The same metrics twice: prom-client's own in one registry, ours in the other. */
function pair() {
  const [theirs, ours] = [new Registry(), new Registry()];
  const options = { name: 'calls_total', help: 'Calls by model and outcome.', labelNames: ['model', 'outcome'] as const };
  const latency = { name: 'latency_seconds', help: 'Latency.', labelNames: ['model'] as const, buckets: BUCKETS };
  const reference = { counter: new Counter({ ...options, registers: [theirs] }), histogram: new Histogram({ ...latency, registers: [theirs] }) };
  const labelled = { counter: new LabelledCounter({ ...options, registers: [ours] }), histogram: new LabelledHistogram({ ...latency, registers: [ours] }) };
  return {
    theirs,
    ours,
    inc(model: string, outcome: string, amount: number) {
      reference.counter.inc({ model, outcome }, amount);
      labelled.counter.inc([model, outcome], amount);
    },
    observe(model: string, value: number) {
      reference.histogram.observe({ model }, value);
      labelled.histogram.observe([model], value);
    },
  };
}

/** A repeatable sequence of numbers in [0, 1). */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('LabelledCounter and LabelledHistogram', () => {
  it('expose the same text and JSON as prom-client for the same calls, also after the registry is reset', async () => {
    const metrics = pair();
    const random = sequence(21);
    const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
    const play = (calls: number) => {
      for (let call = 0; call < calls; call += 1) {
        metrics.inc(pick(MODELS), pick(OUTCOMES), pick([1, 12, 0.000123, 0.1]));
        // Bounds themselves, a value above the last bound, zero, and values between.
        metrics.observe(pick(MODELS), pick([0, 0.05, 0.25, 5, 7, random() * 6]));
      }
    };
    play(200);
    expect(await metrics.ours.metrics()).toBe(await metrics.theirs.metrics());
    expect(await metrics.ours.getMetricsAsJSON()).toEqual(await metrics.theirs.getMetricsAsJSON());

    metrics.theirs.resetMetrics();
    metrics.ours.resetMetrics();
    expect(await metrics.ours.metrics()).toBe(await metrics.theirs.metrics());
    play(50);
    expect(await metrics.ours.metrics()).toBe(await metrics.theirs.metrics());
  });

  it('refuse what prom-client refuses: a counter going down, a value that is not a finite number', () => {
    const registry = new Registry();
    const counter = new LabelledCounter({ name: 'calls_total', help: 'Calls.', labelNames: ['model'], registers: [registry] });
    const histogram = new LabelledHistogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['model'], buckets: BUCKETS, registers: [registry] });
    expect(() => counter.inc(['m'], -1)).toThrow(TypeError);
    expect(() => counter.inc(['m'], Infinity)).toThrow(TypeError);
    expect(() => histogram.observe(['m'], Number.NaN)).toThrow(TypeError);
  });

  it('keeps apart series that prom-client would join: its key for them is the same text when a value has a comma', async () => {
    const registry = new Registry();
    const options = { help: 'Calls.', labelNames: ['model', 'outcome'] as const, registers: [registry] };
    const theirs = new Counter({ name: 'their_calls_total', ...options });
    const ours = new LabelledCounter({ name: 'calls_total', ...options });
    for (const [model, outcome] of [['a,outcome:b', 'c'], ['a', 'b,outcome:c']] as const) {
      theirs.inc({ model, outcome });
      ours.inc([model, outcome]);
    }
    expect((await theirs.get()).values).toHaveLength(1);
    expect((await ours.get()).values).toHaveLength(2);
  });
});
