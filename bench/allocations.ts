/**
 * What one request kind allocates in our gateway, function by function: a fresh gateway as `insforge-ai serve` (or
 * `--mounted` in Express) with V8's sampling heap profiler preloaded (bench/heap-sampler.ts), a warm-up, then exactly
 * `--requests` requests at `--workers` clients while it samples every 256 bytes allocated, objects freed since
 * included. Prints bytes per request in all and by function (the profile's self size). Asserts nothing.
 *
 *   npm run bench:allocations                              # JSON chat, 3,000 requests at 16 clients
 *   npm run bench:allocations -- --kind stream --requests 500 --top 40
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { stopAllChildren } from './child-process.js';
import { closedLoop } from './load.js';
import { originalSource, shortPath } from './profile.js';
import { BenchWorkspace, startEmulatorProcess, startOurGateway } from './targets.js';
import { buildRequest, REQUEST_KINDS, type RequestKind } from './workload.js';

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'chat' },
    mounted: { type: 'boolean', default: false },
    requests: { type: 'string', default: '3000' },
    workers: { type: 'string', default: '16' },
    top: { type: 'string', default: '30' },
  },
});
const kind = values.kind as RequestKind;
const [requests, workers, top] = [Number(values.requests), Number(values.workers), Number(values.top)];
if (!REQUEST_KINDS.includes(kind) || ![requests, workers, top].every((value) => Number.isInteger(value) && value > 0)) {
  console.error('usage: npm run bench:allocations -- [--kind chat|stream|embed] [--mounted] [--requests N] [--workers W] [--top N]');
  process.exit(2);
}

interface SampledNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children?: SampledNode[];
}

const until = async (file: string) => {
  while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 20));
};

const workspace = new BenchWorkspace();
try {
  const out = workspace.fresh('heap-samples');
  process.env['BENCH_HEAP_SAMPLES'] = out;
  const sampler = pathToFileURL(await workspace.bundle('heap-sampler.ts')).href;
  const emulator = await startEmulatorProcess(workspace);
  const target = await startOurGateway(workspace, emulator, ['--import', sampler], { without: values.mounted ? [] : ['express'] });
  await closedLoop(() => buildRequest(target.address, kind), workers, 4_000);
  process.kill(target.child.pid, 'SIGUSR2');
  await until(`${out}.started`);
  let sent = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (sent < requests) {
        sent += 1;
        const spec = buildRequest(target.address, kind);
        const response = await fetch(spec.url, { method: 'POST', headers: spec.headers, body: spec.body });
        await response.arrayBuffer();
        if (!response.ok) failed += 1;
      }
    }),
  );
  process.kill(target.child.pid, 'SIGUSR2');
  await until(out);
  // Written in one call: read once its size stops changing.
  let size = -1;
  while (size !== readFileSync(out).length) {
    size = readFileSync(out).length;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { head } = JSON.parse(readFileSync(out, 'utf8')) as { head: SampledNode };
  const bytes = new Map<string, number>();
  const maps: Parameters<typeof originalSource>[3] = new Map();
  const visit = (node: SampledNode) => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const source = originalSource(url, lineNumber, columnNumber, maps);
    const label = `${functionName || '(anonymous)'} — ${shortPath(source.file)}${source.line === undefined ? '' : `:${source.line + 1}`}`;
    bytes.set(label, (bytes.get(label) ?? 0) + node.selfSize);
    for (const child of node.children ?? []) visit(child);
  };
  visit(head);
  const total = [...bytes.values()].reduce((sum, value) => sum + value, 0);
  console.log(`${kind}, ${values.mounted ? 'mounted in Express' : 'as `insforge-ai serve`'}: ${(total / requests / 1024).toFixed(1)} KB allocated per request (${requests} requests at ${workers} clients${failed ? `, ${failed} failed` : ''})`);
  for (const [label, allocated] of [...bytes.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${(allocated / requests).toFixed(0).padStart(7)} B/req  ${(allocated / total * 100).toFixed(1).padStart(4)}%  ${label}`);
  }
} finally {
  await stopAllChildren();
  workspace.close();
}
