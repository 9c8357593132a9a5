/**
 * Requests per second at saturation (closed loop, a fixed duration per target, the request mix in turn), with the
 * target's memory sampled meanwhile and its CPU time per request read from /proc/<pid>/stat.
 */
import { readFileSync } from 'node:fs';
import { rssBytes } from './child-process.js';
import { closedLoop } from './load.js';
import { rotate } from './latency.js';
import type { Target, TargetName } from './targets.js';
import { buildRequest, REQUEST_KINDS } from './workload.js';

export interface ThroughputResult {
  completed: number;
  failed: number;
  elapsedMs: number;
  requestsPerSecond: number;
  /** Peak resident memory of the target's process during the runs. */
  peakRssBytes: number;
  /** CPU time (user + system) of the target's process per completed request. */
  cpuMsPerRequest: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU time of a process, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5) (utime, stime); index 11 and 12 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export async function measureThroughput(targets: readonly Target[], workers: number, durationMs: number, rounds: number): Promise<Map<TargetName, ThroughputResult>> {
  const results = new Map<TargetName, ThroughputResult>(
    targets.map((target) => [target.name, { completed: 0, failed: 0, elapsedMs: 0, requestsPerSecond: 0, peakRssBytes: 0, cpuMsPerRequest: 0 }]),
  );
  const cpuTotals = new Map<TargetName, number>();
  for (let round = 0; round < rounds; round += 1) {
    for (const target of rotate(targets, round)) {
      const result = results.get(target.name);
      if (!result) continue;
      const specs = REQUEST_KINDS.map((kind) => buildRequest(target.address, kind));
      const sampler = setInterval(() => (result.peakRssBytes = Math.max(result.peakRssBytes, rssBytes(target.child.pid))), 250);
      const cpuBefore = cpuMs(target.child.pid);
      const run = await closedLoop((index) => specs[index % specs.length] ?? buildRequest(target.address, 'chat'), workers, durationMs);
      cpuTotals.set(target.name, (cpuTotals.get(target.name) ?? 0) + cpuMs(target.child.pid) - cpuBefore);
      clearInterval(sampler);
      result.peakRssBytes = Math.max(result.peakRssBytes, rssBytes(target.child.pid));
      result.completed += run.completed;
      result.failed += run.failed;
      result.elapsedMs += run.elapsedMs;
    }
  }
  for (const [name, result] of results) {
    result.requestsPerSecond = (result.completed * 1000) / result.elapsedMs;
    result.cpuMsPerRequest = (cpuTotals.get(name) ?? 0) / Math.max(1, result.completed);
  }
  return results;
}
