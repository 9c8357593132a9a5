/**
 * Where the bare proxy's throughput is out of reach, and what each part of ours costs: the bare proxy, the least a
 * metering gateway does (bench/metering-floor.ts) served by node:http alone and mounted in Express, our gateway
 * mounted in Express, and ours again with one part left out at a time (limits, ledger, circuit breakers, the host's
 * Express routing), each in its own process in front of one emulator, rounds alternating, one request kind at a time
 * at saturation. Prints requests per second and CPU per request of each, each over the bare proxy, and what each
 * part of ours costs, as Markdown; asserts nothing.
 *
 *   npm run bench:floors                                   # chat, stream, embed: 4 rounds of 4 s, 64 clients
 *   npm run bench:floors -- --kinds chat --rounds 6 --seconds 5 --out /tmp/floors.md
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { measureAlternating } from './alternating.js';
import { startChild, stopAllChildren } from './child-process.js';
import { agent, timeRequest } from './load.js';
import { ms, ratio, table } from './report.js';
import { BenchWorkspace, startBareProxy, startEmulatorProcess, startOurGateway, type Emulator, type GatewayPart, type Target } from './targets.js';
import { buildRequest, REQUEST_KINDS, type RequestKind } from './workload.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '4' },
    workers: { type: 'string', default: '64' },
    kinds: { type: 'string', default: REQUEST_KINDS.join(',') },
    out: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const durationMs = Number(values.seconds) * 1_000;
const workers = Number(values.workers);
const kinds = (values.kinds ?? '').split(',').filter((kind): kind is RequestKind => (REQUEST_KINDS as readonly string[]).includes(kind));
if (![rounds, durationMs, workers].every((value) => Number.isInteger(value) && value > 0) || kinds.length === 0) {
  console.error('usage: npm run bench:floors -- [--kinds chat,stream,embed] [--rounds N] [--seconds S] [--workers W] [--out FILE]');
  process.exit(2);
}

/** Ours with one part left out, after ours whole (the fourth target). */
const PARTS: ReadonlyArray<{ part: GatewayPart; label: string }> = [
  { part: 'limits', label: 'ours without limits (no policy)' },
  { part: 'ledger', label: 'ours without the ledger (records kept in memory)' },
  { part: 'breakers', label: 'ours without circuit breakers' },
  { part: 'express-host', label: "ours without the host's Express routing" },
];
const OURS = 3;
const LABELS = ['bare proxy (node:http, pipes bytes)', 'metering floor on node:http', 'metering floor mounted in Express', 'ours mounted in Express', ...PARTS.map(({ label }) => label)];
const workspace = new BenchWorkspace();

async function startFloor(emulator: Emulator, host: 'http' | 'express'): Promise<Target> {
  const child = await startChild({
    name: `metering floor (${host})`,
    nodeArgs: await workspace.measuredNodeArgs([]),
    args: [await workspace.bundle('metering-floor.ts')],
    env: { BENCH_UPSTREAM_URL: emulator.url, BENCH_UPSTREAM_KEY: emulator.apiKey, BENCH_FLOOR_HOST: host },
    logFile: workspace.logFile(`metering-floor-${host}`),
    ready: { stdout: /listening on (http:\/\/\S+)/ },
  });
  const mount = host === 'express' ? '/ai' : '';
  // Addressed like ours: feature names for models, the system prompt added by the target.
  return { name: 'bare', child, address: { baseUrl: `${child.readyValue}${mount}/v1`, headers: {}, chatModel: 'chat', embeddingModel: 'embed', addsSystemPrompt: true } };
}

try {
  const emulator = await startEmulatorProcess(workspace);
  const targets = [await startBareProxy(workspace, emulator), await startFloor(emulator, 'http'), await startFloor(emulator, 'express'), await startOurGateway(workspace, emulator)];
  for (const { part } of PARTS) targets.push(await startOurGateway(workspace, emulator, [], { without: [part] }));
  for (const [index, target] of targets.entries()) {
    for (const kind of kinds) {
      const timing = await timeRequest(buildRequest(target.address, kind));
      if (!timing.ok) throw new Error(`${LABELS[index]}: a ${kind} request failed (${timing.error ?? timing.status}); logs in ${workspace.directory}`);
    }
  }
  console.error(`[bench:floors] ${rounds} rounds of ${durationMs / 1_000} s per kind, ${workers} clients, alternating`);
  const saturation = await measureAlternating(targets, kinds, { rounds, durationMs, workers });
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
    `${rounds} alternating rounds of ${durationMs / 1_000} s per kind at ${workers} clients. The metering floor reads and parses the request, adds the system prompt, calls the emulator with undici and reads the usage from the answer — nothing else (bench/metering-floor.ts).`,
    table(['target', 'kind', 'requests/s', 'CPU per request', '× bare proxy (requests/s)', 'CPU above the bare proxy'], rows),
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
