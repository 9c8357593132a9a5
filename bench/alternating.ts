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

export interface RoundFigure {
  requestsPerSecond: number;
  cpuMsPerRequest: number;
}

export interface AlternatingFigure extends RoundFigure {
  failed: number;
  /** Each round's own figures, in order: a target's round ran next to the other targets' of the same round. */
  rounds: RoundFigure[];
}

/** Figures per kind, in the order of `targets`; each round reverses the order of the one before. */
export async function measureAlternating(targets: readonly Target[], kinds: readonly RequestKind[], plan: AlternatingPlan): Promise<Map<RequestKind, AlternatingFigure[]>> {
  const result = new Map<RequestKind, AlternatingFigure[]>();
  for (const kind of kinds) {
    const tallies = targets.map(() => ({ completed: 0, failed: 0, elapsedMs: 0, cpuMs: 0, rounds: [] as RoundFigure[] }));
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
        const used = cpuMs(target.child.pid) - before;
        tally.rounds.push({ requestsPerSecond: (run.completed * 1_000) / run.elapsedMs, cpuMsPerRequest: used / Math.max(1, run.completed) });
        tally.cpuMs += used;
        tally.completed += run.completed;
        tally.failed += run.failed;
        tally.elapsedMs += run.elapsedMs;
      }
    }
    result.set(
      kind,
      tallies.map((tally) => ({ requestsPerSecond: (tally.completed * 1_000) / tally.elapsedMs, cpuMsPerRequest: tally.cpuMs / Math.max(1, tally.completed), failed: tally.failed, rounds: tally.rounds })),
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

/**
 * How `after` compares with `before` round by round (the two ran next to each other in each round, so drift that
 * lasts a round hits both): the ratio of the totals, and the spread of the rounds' own ratios, which tells a change
 * from this machine's noise: a change that did nothing comes out lower in 8 of 8 rounds once in 256 runs.
 * @example
 * pairedLine('chat', before, after); // '  chat   after/before: 1.09× requests per second, 0.92× CPU per request (per round: 0.86–0.97× CPU, lower in 8 of 8)'
 */
export function pairedLine(kind: RequestKind, before: AlternatingFigure, after: AlternatingFigure): string {
  const cpu = after.rounds.map((round, index) => round.cpuMsPerRequest / (before.rounds[index]?.cpuMsPerRequest ?? Number.NaN)).filter(Number.isFinite);
  const lower = cpu.filter((ratio) => ratio < 1).length;
  const spread = cpu.length > 0 ? ` (per round: ${Math.min(...cpu).toFixed(2)}–${Math.max(...cpu).toFixed(2)}× CPU, lower in ${lower} of ${cpu.length})` : '';
  return `  ${kind.padEnd(6)} after/before: ${(after.requestsPerSecond / before.requestsPerSecond).toFixed(2)}× requests per second, ${(after.cpuMsPerRequest / before.cpuMsPerRequest).toFixed(2)}× CPU per request${spread}`;
}
