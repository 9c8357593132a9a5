/**
 * Requests per second at saturation for each request kind apart (JSON chat, 200-token streams, embeddings), with
 * `autocannon` (a load generator users know) as the client: each target in turn for each kind, rounds rotating the
 * order so drift hits all alike; the target's CPU time per request from /proc/<pid>/stat.
 */
import autocannon from 'autocannon';
import { rotate } from './latency.js';
import type { Target, TargetName } from './targets.js';
import { cpuMs } from './throughput.js';
import { buildRequest, REQUEST_KINDS, type RequestKind } from './workload.js';

export interface SaturationFigure {
  requestsPerSecond: number;
  /** Requests that did not end in a 2xx answer, and connection errors. */
  failed: number;
  cpuMsPerRequest: number;
}

export type SaturationResult = Map<TargetName, Record<RequestKind, SaturationFigure>>;

export interface SaturationPlan {
  connections: number;
  durationSeconds: number;
  rounds: number;
}

/** One autocannon run of one kind against one target: completed 2xx answers, failures, elapsed seconds. */
async function run(target: Target, kind: RequestKind, plan: SaturationPlan): Promise<{ ok: number; failed: number; seconds: number }> {
  const spec = buildRequest(target.address, kind);
  const result = await autocannon({ url: spec.url.href, method: 'POST', headers: spec.headers, body: spec.body, connections: plan.connections, duration: plan.durationSeconds });
  return { ok: result['2xx'], failed: result.non2xx + result.errors, seconds: result.duration };
}

export async function measureSaturation(targets: readonly Target[], plan: SaturationPlan): Promise<SaturationResult> {
  const totals = new Map<TargetName, Record<RequestKind, { ok: number; failed: number; seconds: number; cpuMs: number }>>();
  for (const target of targets) totals.set(target.name, Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, { ok: 0, failed: 0, seconds: 0, cpuMs: 0 }])) as Record<RequestKind, { ok: number; failed: number; seconds: number; cpuMs: number }>);
  for (const kind of REQUEST_KINDS) {
    for (let round = 0; round < plan.rounds; round += 1) {
      for (const target of rotate(targets, round)) {
        const tally = totals.get(target.name)?.[kind];
        if (!tally) continue;
        const before = cpuMs(target.child.pid);
        const { ok, failed, seconds } = await run(target, kind, plan);
        tally.cpuMs += cpuMs(target.child.pid) - before;
        tally.ok += ok;
        tally.failed += failed;
        tally.seconds += seconds;
      }
    }
  }
  const result: SaturationResult = new Map();
  for (const [name, kinds] of totals) {
    result.set(
      name,
      Object.fromEntries(
        REQUEST_KINDS.map((kind) => {
          const tally = kinds[kind];
          return [kind, { requestsPerSecond: tally.seconds > 0 ? tally.ok / tally.seconds : NaN, failed: tally.failed, cpuMsPerRequest: tally.cpuMs / Math.max(1, tally.ok) }];
        }),
      ) as Record<RequestKind, SaturationFigure>,
    );
  }
  return result;
}
