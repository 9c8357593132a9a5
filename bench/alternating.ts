/**
 * Targets measured in alternating rounds, one request kind at a time at saturation (a closed loop of clients), so
 * drift in the machine hits each alike: requests per second and the target's CPU time per request.
 */
import { closedLoop } from './load.js';
import type { Target } from './targets.js';
import { cpuMs } from './throughput.js';
import { buildRequest, REQUEST_KINDS, type RequestKind } from './workload.js';

/** The options of a measurement in alternating rounds, for `parseArgs`: rounds, seconds per round, clients. */
export const alternatingOptions = (rounds: number) =>
  ({
    rounds: { type: 'string', default: String(rounds) },
    seconds: { type: 'string', default: '4' },
    workers: { type: 'string', default: '64' },
  }) as const;

/** The plan `alternatingOptions` give; undefined when one of them is not a positive number (whole, but the seconds). */
export function alternatingPlanOf(values: { rounds?: string | undefined; seconds?: string | undefined; workers?: string | undefined }): AlternatingPlan | undefined {
  const plan = { rounds: Number(values.rounds), durationMs: Number(values.seconds) * 1_000, workers: Number(values.workers) };
  return Number.isInteger(plan.rounds) && Number.isInteger(plan.workers) && plan.rounds > 0 && plan.workers > 0 && plan.durationMs > 0 ? plan : undefined;
}

/** The request kinds a `--kinds` list names, in its order; unknown names are left out. */
export const kindsOf = (list: string | undefined): RequestKind[] => (list ?? '').split(',').filter((kind): kind is RequestKind => (REQUEST_KINDS as readonly string[]).includes(kind));

export interface AlternatingPlan {
  rounds: number;
  durationMs: number;
  workers: number;
}

export interface AlternatingFigure {
  requestsPerSecond: number;
  cpuMsPerRequest: number;
  failed: number;
}

/** Figures per kind, in the order of `targets`; each round reverses the order of the one before. */
export async function measureAlternating(targets: readonly Target[], kinds: readonly RequestKind[], plan: AlternatingPlan): Promise<Map<RequestKind, AlternatingFigure[]>> {
  const result = new Map<RequestKind, AlternatingFigure[]>();
  for (const kind of kinds) {
    const tallies = targets.map(() => ({ completed: 0, failed: 0, elapsedMs: 0, cpuMs: 0 }));
    // A short warm-up of each (the JIT, the connection pools), not counted.
    for (const target of targets) await closedLoop(() => buildRequest(target.address, kind), plan.workers, 1_000);
    for (let round = 0; round < plan.rounds; round += 1) {
      const order = targets.map((_, index) => index);
      if (round % 2 === 1) order.reverse();
      for (const index of order) {
        const target = targets[index] as Target;
        const tally = tallies[index] as (typeof tallies)[number];
        const before = cpuMs(target.child.pid);
        const run = await closedLoop(() => buildRequest(target.address, kind), plan.workers, plan.durationMs);
        tally.cpuMs += cpuMs(target.child.pid) - before;
        tally.completed += run.completed;
        tally.failed += run.failed;
        tally.elapsedMs += run.elapsedMs;
      }
    }
    result.set(
      kind,
      tallies.map((tally) => ({ requestsPerSecond: (tally.completed * 1_000) / tally.elapsedMs, cpuMsPerRequest: tally.cpuMs / Math.max(1, tally.completed), failed: tally.failed })),
    );
  }
  return result;
}

/** One line per target: `  chat   label     1234 req/s  0.456 ms CPU/request`. */
export function alternatingLines(kind: RequestKind, labels: readonly string[], figures: readonly AlternatingFigure[]): string[] {
  const width = Math.max(...labels.map((label) => label.length));
  return figures.map((figure, index) => {
    const failed = figure.failed ? `  (${figure.failed} failed)` : '';
    return `  ${kind.padEnd(6)} ${(labels[index] ?? '').padEnd(width)} ${figure.requestsPerSecond.toFixed(0).padStart(6)} req/s  ${figure.cpuMsPerRequest.toFixed(3)} ms CPU/request${failed}`;
  });
}
