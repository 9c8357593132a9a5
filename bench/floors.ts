/**
 * Where the bare proxy's throughput is out of reach, and what each part of ours costs: the bare proxy, the least a
 * metering gateway does (bench/metering-floor.ts) served by node:http alone and mounted in Express, our gateway
 * mounted in Express, and ours again with one part left out at a time (limits, ledger, circuit breakers, Express on the
 * hot routes), each in its own process in front of one emulator, rounds alternating, one request kind at a time
 * at saturation, and one request at a time. Prints requests per second, CPU per request, each over the bare proxy,
 * added latency at p50 one at a time, and what each part of ours costs, as Markdown; asserts nothing.
 *
 *   npm run bench:floors                     # chat, stream, embed: 200 sequential, then 4 rounds of 4 s at 64 clients
 *   npm run bench:floors -- --kinds chat --rounds 6 --seconds 5 --sequential 500 --out /tmp/floors.md
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { alternatingOptions, alternatingPlanOf, kindsOf, measureAlternating } from './alternating.js';
import { stopAllChildren } from './child-process.js';
import { agent, timeRequest } from './load.js';
import { ms, ratio, table } from './report.js';
import { sequentialMedians } from './latency.js';
import { BenchWorkspace, directTarget, startBareProxy, startEmulatorProcess, startMeteringFloor, startOurGateway, type GatewayPart } from './targets.js';
import { buildRequest, REQUEST_KINDS } from './workload.js';

const { values } = parseArgs({
  options: {
    ...alternatingOptions(4),
    kinds: { type: 'string', default: REQUEST_KINDS.join(',') },
    sequential: { type: 'string', default: '200' },
    out: { type: 'string' },
  },
});
const plan = alternatingPlanOf(values);
const sequential = Number(values.sequential);
const kinds = kindsOf(values.kinds);
if (!plan || !Number.isInteger(sequential) || sequential <= 0 || kinds.length === 0) {
  console.error('usage: npm run bench:floors -- [--kinds chat,stream,embed] [--rounds N] [--seconds S] [--workers W] [--sequential N] [--out FILE]');
  process.exit(2);
}
const { rounds, durationMs, workers } = plan;

/** Ours with one part left out, after ours whole (the fourth target). */
const PARTS: ReadonlyArray<{ part: GatewayPart; label: string }> = [
  { part: 'limits', label: 'ours without limits (no policy)' },
  { part: 'ledger', label: 'ours without the ledger (records kept in memory)' },
  { part: 'breakers', label: 'ours without circuit breakers' },
  { part: 'express', label: 'ours without Express on its hot routes (as `insforge-ai serve`)' },
];
const OURS = 3;
const LABELS = ['bare proxy (node:http, pipes bytes)', 'metering floor on node:http', 'metering floor mounted in Express', 'ours mounted in Express', ...PARTS.map(({ label }) => label)];
const workspace = new BenchWorkspace();

try {
  const emulator = await startEmulatorProcess(workspace);
  const targets = [await startBareProxy(workspace, emulator), await startMeteringFloor(workspace, emulator, 'http'), await startMeteringFloor(workspace, emulator, 'express'), await startOurGateway(workspace, emulator)];
  for (const { part } of PARTS) targets.push(await startOurGateway(workspace, emulator, [], { without: [part] }));
  // Every kind answers through every target before anything is measured, whichever kinds are.
  for (const [index, target] of targets.entries()) {
    for (const kind of REQUEST_KINDS) {
      const timing = await timeRequest(buildRequest(target.address, kind));
      if (!timing.ok) throw new Error(`${LABELS[index]}: a ${kind} request failed (${timing.error ?? timing.status}); logs in ${workspace.directory}`);
    }
  }
  console.error(`[bench:floors] ${rounds} rounds of ${durationMs / 1_000} s per kind, ${workers} clients, alternating`);
  const saturation = await measureAlternating(targets, kinds, { rounds, durationMs, workers });
  // After the load, so every target is warm.
  console.error(`[bench:floors] sequential: ${sequential} iterations per kind, straight to the emulator and through each target, interleaved`);
  const [direct, ...medians] = await sequentialMedians([directTarget(emulator), ...targets], sequential);
  const rows = kinds.flatMap((kind) => {
    const figures = saturation.get(kind) ?? [];
    const bare = figures[0];
    return figures.map((figure, index) => [
      LABELS[index] ?? '',
      kind,
      `${figure.requestsPerSecond.toFixed(0)}${figure.failed ? ` (${figure.failed} failed)` : ''}`,
      ms(figure.cpuMsPerRequest, 3),
      ratio(figure.requestsPerSecond / (bare?.requestsPerSecond ?? NaN)),
      ms(figure.cpuMsPerRequest - (bare?.cpuMsPerRequest ?? NaN), 3),
      ms((medians[index]?.[kind] ?? NaN) - (direct?.[kind] ?? NaN)),
    ]);
  });
  // What a part costs: CPU per request of ours whole less that of ours without it.
  const partRows = PARTS.map(({ part }, index) => [
    part,
    ...kinds.map((kind) => {
      const figures = saturation.get(kind) ?? [];
      return ms((figures[OURS]?.cpuMsPerRequest ?? NaN) - (figures[OURS + 1 + index]?.cpuMsPerRequest ?? NaN), 3);
    }),
  ]);
  const text = [
    '## The floors under the bare proxy',
    `${rounds} alternating rounds of ${durationMs / 1_000} s per kind at ${workers} clients; added latency: p50 of ${sequential} requests one at a time, less the emulator's own. The metering floor reads and parses the request, adds the system prompt, calls the emulator with undici and reads the usage from the answer — nothing else (bench/metering-floor.ts).`,
    table(['target', 'kind', 'requests/s', 'CPU per request', '× bare proxy (requests/s)', 'CPU above the bare proxy', 'added p50, sequential'], rows),
    'What each part of ours costs (CPU per request of ours whole, less ours without it; differences within a few hundredths of a millisecond are noise):',
    table(['part', ...kinds.map((kind) => `${kind}: CPU per request`)], partRows),
  ].join('\n\n') + '\n';
  console.log(text);
  if (values.out) writeFileSync(values.out, text);
} finally {
  await stopAllChildren();
  agent.destroy();
  workspace.close();
}
