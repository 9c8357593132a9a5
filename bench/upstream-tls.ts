/**
 * The upstream as OpenRouter serves it, over TLS with HTTP/2 on offer: our gateway offering HTTP/2
 * (`upstream.http2: true`) beside the same gateway on HTTP/1.1 (the default) and the bare proxy over Node's https
 * (HTTP/1.1), each in its own process in front of one emulator serving HTTPS. Clients reach the gateways over plain
 * HTTP, as the main bench's do. Measures, rounds alternating: added latency p50 sequential, requests per second and
 * CPU per request at saturation per kind, memory per open stream. Prints a Markdown report; asserts nothing.
 *
 *   npm run bench:tls                                   # 3 rounds of 4 s, streams held at 100 then 500
 *   npm run bench:tls -- --rounds 5 --seconds 5 --out /tmp/tls.md
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { alternatingOptions, alternatingPlanOf, measureAlternating, type AlternatingFigure } from './alternating.js';
import { sequentialMedians } from './latency.js';
import { firstLineOf, stopAllChildren } from './child-process.js';
import { agent, timeRequest } from './load.js';
import { kb, mb, ms, ratio, table } from './report.js';
import { measureStreamMemory, type StreamMemoryResult } from './stream-memory.js';
import { BenchWorkspace, startBareProxy, startEmulatorProcess, startOurGateway, type Target } from './targets.js';
import { buildRequest, REQUEST_KINDS, type RequestKind } from './workload.js';

const { values } = parseArgs({
  options: {
    ...alternatingOptions(3),
    sequential: { type: 'string', default: '200' },
    streams: { type: 'string', default: '100,500' },
    out: { type: 'string' },
  },
});
const plan = alternatingPlanOf(values);
const sequential = Number(values.sequential);
const streamSteps = (values.streams ?? '').split(',').map(Number);
if (!plan || ![sequential, ...streamSteps].every((value) => Number.isInteger(value) && value > 0)) {
  console.error('usage: npm run bench:tls -- [--rounds N] [--seconds S] [--workers W] [--sequential N] [--streams 100,500] [--out FILE]');
  process.exit(2);
}
const { rounds, durationMs, workers } = plan;

type Variant = 'bare' | 'h1' | 'h2';
const VARIANTS: readonly Variant[] = ['bare', 'h1', 'h2'];
const LABELS: Record<Variant, string> = {
  bare: 'bare proxy, https (HTTP/1.1)',
  h1: 'ours, HTTP/1.1 over TLS (default)',
  h2: 'ours, HTTP/2 over TLS',
};

const workspace = new BenchWorkspace();
const log = (message: string) => console.error(`[bench:tls] ${message}`);

function report(latency: Array<Record<RequestKind, number>>, saturation: Map<RequestKind, AlternatingFigure[]>, memory: Map<Variant, StreamMemoryResult | { error: string }>): string {
  const speedRows = REQUEST_KINDS.flatMap((kind) => {
    const figures = saturation.get(kind) ?? [];
    const bare = figures[0]?.requestsPerSecond ?? NaN;
    return VARIANTS.flatMap((variant, index) => {
      const figure = figures[index];
      if (!figure) return [];
      const failed = figure.failed ? ` (${figure.failed} failed)` : '';
      return [[LABELS[variant], kind, ms(latency[index]?.[kind] ?? NaN), `${figure.requestsPerSecond.toFixed(0)}${failed}`, ms(figure.cpuMsPerRequest, 3), ratio(figure.requestsPerSecond / bare)]];
    });
  });
  const memoryRows = VARIANTS.flatMap((variant) => {
    const result = memory.get(variant);
    if (!result) return [];
    if ('error' in result) return [[LABELS[variant], `failed: ${result.error}`, '', '', '']];
    return [[LABELS[variant], mb(result.idle.rss), mb(result.steps.at(-1)?.memory.rss), kb(result.perStreamBytes), kb(result.heapPerStreamBytes)]];
  });
  const h2OverH1 = REQUEST_KINDS.map((kind) => {
    const [, one, two] = saturation.get(kind) ?? [];
    return one && two ? `${kind} ${ratio(two.requestsPerSecond / one.requestsPerSecond)} req/s, ${ratio(two.cpuMsPerRequest / one.cpuMsPerRequest)} CPU` : kind;
  });
  const [, h1, h2] = VARIANTS.map((variant) => memory.get(variant));
  if (h1 && h2 && !('error' in h1) && !('error' in h2)) h2OverH1.push(`memory per stream ${ratio(h2.perStreamBytes / h1.perStreamBytes)}`);
  return [
    '## The upstream over TLS: HTTP/2 beside HTTP/1.1',
    `The emulator serves HTTPS (HTTP/2 on offer, as OpenRouter); ${rounds} alternating rounds of ${durationMs / 1_000} s per kind at ${workers} clients; ${sequential} sequential iterations per kind.`,
    table(['target', 'kind', 'p50 sequential', 'requests/s', 'CPU per request', '× bare proxy (requests/s)'], speedRows),
    `Memory with streams held open (${streamSteps.join(' then ')}; RSS after a garbage collection):`,
    table(['target', 'idle RSS', 'RSS at the most streams', 'per stream (RSS)', 'per stream (JS heap)'], memoryRows),
    `HTTP/2 over HTTP/1.1 for ours: ${h2OverH1.join('; ')}.`,
  ].join('\n\n') + '\n';
}

try {
  const emulator = await startEmulatorProcess(workspace, { tls: true });
  const start: Record<Variant, () => Promise<Target>> = {
    bare: () => startBareProxy(workspace, emulator),
    h1: () => startOurGateway(workspace, emulator, [], { http2: false }),
    h2: () => startOurGateway(workspace, emulator, [], { http2: true }),
  };
  const targets: Target[] = [];
  for (const variant of VARIANTS) targets.push(await start[variant]());
  for (const [index, target] of targets.entries()) {
    for (const kind of REQUEST_KINDS) {
      const timing = await timeRequest(buildRequest(target.address, kind));
      if (!timing.ok) throw new Error(`${LABELS[VARIANTS[index] as Variant]}: a ${kind} request failed (${timing.error ?? timing.status}); logs in ${workspace.directory}`);
    }
  }
  log(`sequential: ${sequential} iterations per kind`);
  const latency = await sequentialMedians(targets, sequential);
  log(`saturation: ${rounds} rounds of ${durationMs / 1_000} s per kind, ${workers} clients`);
  const saturation = await measureAlternating(targets, REQUEST_KINDS, { rounds, durationMs, workers });
  for (const target of targets) await target.child.stop();
  const memory = new Map<Variant, StreamMemoryResult | { error: string }>();
  for (const variant of VARIANTS) {
    log(`memory per stream: ${LABELS[variant]}`);
    try {
      memory.set(variant, await measureStreamMemory(start[variant], streamSteps, 1_000));
    } catch (error) {
      memory.set(variant, { error: firstLineOf(error) });
    }
  }
  const text = report(latency, saturation, memory);
  console.log(text);
  if (values.out) writeFileSync(values.out, text);
} finally {
  await stopAllChildren();
  agent.destroy();
  workspace.close();
}
