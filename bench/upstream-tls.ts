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
import { measureAlternating, type AlternatingFigure } from './alternating.js';
import { stopAllChildren } from './child-process.js';
import { agent, median, timeRequest } from './load.js';
import { measureStreamMemory, type StreamMemoryResult } from './stream-memory.js';
import { BenchWorkspace, startBareProxy, startEmulatorProcess, startOurGateway, type Target } from './targets.js';
import { buildRequest, REQUEST_KINDS, type RequestKind } from './workload.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '4' },
    workers: { type: 'string', default: '64' },
    sequential: { type: 'string', default: '200' },
    streams: { type: 'string', default: '100,500' },
    out: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const durationMs = Number(values.seconds) * 1_000;
const workers = Number(values.workers);
const sequential = Number(values.sequential);
const streamSteps = (values.streams ?? '').split(',').map(Number);
if (![rounds, durationMs, workers, sequential, ...streamSteps].every((value) => Number.isInteger(value) && value > 0)) {
  console.error('usage: npm run bench:tls -- [--rounds N] [--seconds S] [--workers W] [--sequential N] [--streams 100,500] [--out FILE]');
  process.exit(2);
}

type Variant = 'bare' | 'h1' | 'h2';
const VARIANTS: readonly Variant[] = ['bare', 'h1', 'h2'];
const LABELS: Record<Variant, string> = {
  bare: 'bare proxy, https (HTTP/1.1)',
  h1: 'ours, HTTP/1.1 over TLS (default)',
  h2: 'ours, HTTP/2 over TLS',
};

const workspace = new BenchWorkspace();
const log = (message: string) => console.error(`[bench:tls] ${message}`);

/** Sequential time of each kind through each target, iterations interleaved across targets: the median per kind. */
async function sequentialMedians(targets: readonly Target[]): Promise<Array<Record<RequestKind, number>>> {
  const samples = targets.map(() => Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, [] as number[]])) as Record<RequestKind, number[]>);
  for (let iteration = 0; iteration < sequential; iteration += 1) {
    for (const [index, target] of targets.entries()) {
      for (const kind of REQUEST_KINDS) {
        const timing = await timeRequest(buildRequest(target.address, kind));
        if (timing.ok) samples[index]?.[kind].push(timing.totalMs);
      }
    }
  }
  return samples.map((byKind) => Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, median(byKind[kind])])) as Record<RequestKind, number>);
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function report(latency: Array<Record<RequestKind, number>>, saturation: Map<RequestKind, AlternatingFigure[]>, memory: Map<Variant, StreamMemoryResult | { error: string }>): string {
  const lines = [
    '## The upstream over TLS: HTTP/2 beside HTTP/1.1',
    '',
    `The emulator serves HTTPS (HTTP/2 on offer, as OpenRouter); ${rounds} alternating rounds of ${durationMs / 1_000} s per kind at ${workers} clients; ${sequential} sequential iterations per kind.`,
    '',
    '| Target | Kind | p50 sequential | Requests/s | CPU ms/request | × bare proxy (req/s) |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const kind of REQUEST_KINDS) {
    const figures = saturation.get(kind) ?? [];
    const bare = figures[0]?.requestsPerSecond ?? NaN;
    for (const [index, variant] of VARIANTS.entries()) {
      const figure = figures[index];
      const p50 = latency[index]?.[kind] ?? NaN;
      if (!figure) continue;
      lines.push(`| ${LABELS[variant]} | ${kind} | ${p50.toFixed(2)} ms | ${figure.requestsPerSecond.toFixed(0)}${figure.failed ? ` (${figure.failed} failed)` : ''} | ${figure.cpuMsPerRequest.toFixed(3)} | ${(figure.requestsPerSecond / bare).toFixed(2)}× |`);
    }
  }
  lines.push('', `Memory with streams held open (${streamSteps.join(' then ')}; RSS after a garbage collection):`, '', '| Target | Idle RSS | RSS at the most streams | Per stream (RSS) | Per stream (JS heap) |', '| --- | ---: | ---: | ---: | ---: |');
  for (const variant of VARIANTS) {
    const result = memory.get(variant);
    if (!result) continue;
    if ('error' in result) {
      lines.push(`| ${LABELS[variant]} | failed: ${result.error} | | | |`);
      continue;
    }
    const last = result.steps.at(-1);
    lines.push(`| ${LABELS[variant]} | ${megabytes(result.idle.rss)} | ${last ? megabytes(last.memory.rss) : '–'} | ${kilobytes(result.perStreamBytes)} | ${kilobytes(result.heapPerStreamBytes)} |`);
  }
  const [, h1, h2] = VARIANTS.map((variant) => memory.get(variant));
  if (h1 && h2 && !('error' in h1) && !('error' in h2)) {
    lines.push('', `HTTP/2 over HTTP/1.1 for ours: ${REQUEST_KINDS.map((kind) => {
      const [, one, two] = saturation.get(kind) ?? [];
      return one && two ? `${kind} ${(two.requestsPerSecond / one.requestsPerSecond).toFixed(2)}× req/s, ${(two.cpuMsPerRequest / one.cpuMsPerRequest).toFixed(2)}× CPU` : kind;
    }).join('; ')}; memory per stream ${(h2.perStreamBytes / h1.perStreamBytes).toFixed(2)}×.`);
  }
  return `${lines.join('\n')}\n`;
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
  const latency = await sequentialMedians(targets);
  log(`saturation: ${rounds} rounds of ${durationMs / 1_000} s per kind, ${workers} clients`);
  const saturation = await measureAlternating(targets, REQUEST_KINDS, { rounds, durationMs, workers });
  for (const target of targets) await target.child.stop();
  const memory = new Map<Variant, StreamMemoryResult | { error: string }>();
  for (const variant of VARIANTS) {
    log(`memory per stream: ${LABELS[variant]}`);
    try {
      memory.set(variant, await measureStreamMemory(start[variant], streamSteps, 1_000));
    } catch (error) {
      memory.set(variant, { error: (error as Error).message.split('\n')[0] ?? 'failed' });
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
