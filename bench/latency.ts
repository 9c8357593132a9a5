/**
 * Latency of the request mix through each target, interleaved: each iteration visits every target (in a rotated
 * order), so drift in the machine hits all alike. Sequential, or in batches of `concurrency` simultaneous requests.
 */
import { median, runConcurrently, timeRequest, type Timing } from './load.js';
import type { Target, TargetName } from './targets.js';
import { buildRequest, REQUEST_KINDS, type RequestKind } from './workload.js';

export interface KindSamples {
  /** Milliseconds from the call to the last byte, successful requests only. */
  total: number[];
  /** Streams: milliseconds to the first content chunk. */
  ttft: number[];
  failed: number;
  firstError?: string | undefined;
}
export type LatencySamples = Map<TargetName, Record<RequestKind, KindSamples>>;

export interface LatencyRun {
  concurrency: number;
  rounds: number;
  samples: LatencySamples;
}

const emptySamples = (): Record<RequestKind, KindSamples> => ({
  chat: { total: [], ttft: [], failed: 0 },
  stream: { total: [], ttft: [], failed: 0 },
  'responses-stream': { total: [], ttft: [], failed: 0 },
  'messages-stream': { total: [], ttft: [], failed: 0 },
  embed: { total: [], ttft: [], failed: 0 },
});

export const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, index) => items[(index + by) % items.length] as T);

/** Runs `rounds` rounds (after `warmupRounds` discarded ones); a round is one batch per target per request kind. */
export async function measureLatency(targets: readonly Target[], concurrency: number, rounds: number, warmupRounds: number): Promise<LatencyRun> {
  const samples: LatencySamples = new Map(targets.map((target) => [target.name, emptySamples()]));
  for (let round = -warmupRounds; round < rounds; round += 1) {
    for (const target of rotate(targets, Math.abs(round))) {
      for (const kind of REQUEST_KINDS) {
        const spec = buildRequest(target.address, kind);
        const timings: Timing[] = concurrency === 1 ? [await timeRequest(spec)] : await runConcurrently(Array.from({ length: concurrency }, () => spec));
        if (round < 0) continue;
        const record = samples.get(target.name)?.[kind];
        if (!record) continue;
        for (const timing of timings) {
          if (!timing.ok) {
            record.failed += 1;
            record.firstError ??= timing.error;
            continue;
          }
          record.total.push(timing.totalMs);
          if (timing.ttftMs !== undefined) record.ttft.push(timing.ttftMs);
        }
      }
    }
  }
  return { concurrency, rounds, samples };
}

/** Sequential time of each kind through each target, iterations interleaved across targets: the median per kind. */
export async function sequentialMedians(targets: readonly Target[], iterations: number): Promise<Array<Record<RequestKind, number>>> {
  const samples = targets.map(() => Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, [] as number[]])) as Record<RequestKind, number[]>);
  for (let iteration = 0; iteration < iterations; iteration += 1) {
    for (const [index, target] of targets.entries()) {
      for (const kind of REQUEST_KINDS) {
        const timing = await timeRequest(buildRequest(target.address, kind));
        if (timing.ok) samples[index]?.[kind].push(timing.totalMs);
      }
    }
  }
  return samples.map((byKind) => Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, median(byKind[kind])])) as Record<RequestKind, number>);
}
