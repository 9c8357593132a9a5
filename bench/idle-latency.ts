/**
 * Added latency one request at a time, by how long each target sat idle before its request: the emulator directly,
 * the bare proxy, the metering floor on node:http and ours as `insforge-ai serve` (or ours at `--base` beside the
 * working tree's), each in its own process. Each round visits every idle time and target in turn; a target's request
 * follows its own idle time and is timed from this process, and the target's main thread is read from
 * `/proc/<pid>/schedstat` (nanoseconds) around it, so the figures are the CPU a request costs after that idle time.
 * Before them, each target's CPU per request at saturation (16 clients for `--seconds`), for the ratio. The full
 * bench's sequential figure falls between the 10 and 100 ms rows: it visits four targets and three kinds in turn, so
 * each request reaches a process that sat idle for ~20 ms while the others ran (bench/findings.md, change 39).
 * Asserts nothing.
 *
 *   npm run bench:idle                                   # chat; idle 0, 10, 100, 1,000 ms; 3 rounds of 20 requests
 *   npm run bench:idle -- --kind stream --idle 0,20 --rounds 6
 *   npm run bench:idle -- --base HEAD~1 --idle 0,20      # ours at a commit beside the working tree, nothing else
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sleep, stopAllChildren, withBaseBuild } from './child-process.js';
import { agent, closedLoop, median, timeRequest } from './load.js';
import { ms, table } from './report.js';
import { BenchWorkspace, directTarget, startBareProxy, startEmulatorProcess, startMeteringFloor, startOurGateway, type Emulator, type Target } from './targets.js';
import { cpuMs } from './throughput.js';
import { buildRequest, REQUEST_KINDS, type RequestKind } from './workload.js';

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'chat' },
    idle: { type: 'string', default: '0,10,100,1000' },
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '3' },
    base: { type: 'string' },
  },
});
const kind = values.kind as RequestKind;
const idleTimes = (values.idle ?? '').split(',').map(Number);
const rounds = Number(values.rounds);
const requests = Number(values.requests);
/** The warm-up of each target, and its run at saturation. */
const loadMs = Number(values.seconds) * 1_000;
if (!(loadMs > 0) || !REQUEST_KINDS.includes(kind) || idleTimes.some((idle) => !Number.isFinite(idle) || idle < 0) || !(rounds > 0) || !(requests > 0)) {
  console.error('usage: npm run bench:idle -- [--kind chat|stream|embed] [--idle 0,10,100,1000] [--rounds N] [--requests N] [--seconds S] [--base COMMIT]');
  process.exit(2);
}

/** Milliseconds of CPU the process's main thread has used (schedstat counts nanoseconds; /proc/<pid>/stat 10 ms ticks). */
const mainThreadMs = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

interface Row {
  label: string;
  target: Target;
  /** Per idle time: each request's time and the target's main-thread CPU for it (none for the emulator). */
  samples: Map<number, { totalMs: number[]; cpuMs: number[] }>;
}

async function measure(emulator: Emulator, gateways: Array<{ label: string; target: Target }>): Promise<string> {
  const rows: Row[] = [{ label: 'emulator directly', target: directTarget(emulator) }, ...gateways].map(({ label, target }) => ({
    label,
    target,
    samples: new Map(idleTimes.map((idle) => [idle, { totalMs: [], cpuMs: [] }])),
  }));
  // At saturation first, after a warm-up of each: read after the idle rounds instead, ours once took 0.76 ms of CPU
  // per JSON chat (0.28–0.32 ms read first).
  const saturated = new Map<Row, number>();
  for (const row of rows) {
    const next = () => buildRequest(row.target.address, kind);
    await closedLoop(next, 16, loadMs);
    if (row.target.name === 'direct') continue;
    const before = cpuMs(row.target.child.pid);
    const run = await closedLoop(next, 16, loadMs);
    saturated.set(row, (cpuMs(row.target.child.pid) - before) / Math.max(1, run.completed));
  }
  for (let round = 0; round < rounds; round += 1) {
    for (const idle of idleTimes) {
      for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
        const spec = buildRequest(row.target.address, kind);
        const samples = row.samples.get(idle);
        for (let index = 0; index < requests; index += 1) {
          // Idle 0: the next turn of this process's event loop, so the target's last answer has been read.
          await (idle > 0 ? sleep(idle) : new Promise((resolve) => setImmediate(resolve)));
          const before = mainThreadMs(row.target.child.pid);
          const timing = await timeRequest(spec);
          const used = mainThreadMs(row.target.child.pid) - before;
          if (!timing.ok) throw new Error(`${row.label}: a ${kind} request failed (${timing.error ?? timing.status})`);
          samples?.totalMs.push(timing.totalMs);
          if (row.target.name !== 'direct') samples?.cpuMs.push(used);
        }
      }
    }
  }
  const direct = rows[0] as Row;
  const lines = idleTimes.flatMap((idle) => {
    const directMs = median(direct.samples.get(idle)?.totalMs ?? []);
    return rows.map((row) => {
      const samples = row.samples.get(idle) ?? { totalMs: [], cpuMs: [] };
      const p50 = median(samples.totalMs);
      if (row === direct) return [`${idle} ms`, row.label, ms(p50), '—', '—', '—', '—'];
      const cpu = median(samples.cpuMs);
      const atSaturation = saturated.get(row) ?? NaN;
      return [`${idle} ms`, row.label, ms(p50), ms(p50 - directMs), ms(cpu, 3), ms(atSaturation, 3), `${(cpu / atSaturation).toFixed(1)}×`];
    });
  });
  return table(['idle before each request', 'target', 'p50', 'added p50', 'its CPU per request (p50)', 'CPU per request at saturation', 'ratio'], lines);
}

const workspace = new BenchWorkspace();
try {
  const emulator = await startEmulatorProcess(workspace);
  const ours = () => startOurGateway(workspace, emulator, [], { without: ['express'] });
  const output = values.base
    ? await withBaseBuild(values.base, { serverFromWorkingTree: true }, async (base) =>
        measure(emulator, [
          { label: `ours as serve, ${base.label}`, target: await startOurGateway(workspace, emulator, [], { without: ['express'], bundle: base.bundle }) },
          { label: 'ours as serve, working tree', target: await ours() },
        ]),
      )
    : await measure(emulator, [
        { label: 'bare proxy', target: await startBareProxy(workspace, emulator) },
        { label: 'metering floor on node:http', target: await startMeteringFloor(workspace, emulator, 'http') },
        { label: 'ours as serve', target: await ours() },
      ]);
  console.log(`${kind}, ${rounds} rounds of ${requests} requests per idle time and target:\n\n${output}`);
} finally {
  await stopAllChildren();
  agent.destroy();
  workspace.close();
}
