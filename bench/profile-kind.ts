/**
 * Where one request kind's CPU goes in our gateway at saturation, as `insforge-ai serve` serves it (no Express on the
 * hot routes) or mounted in Express (`--mounted`): a fresh gateway under `--cpu-prof`, a closed loop of one kind, self
 * time by area, by function and by our source file, as `npm run bench` prints the mix's. Asserts nothing.
 *
 *   npm run bench:profile                                  # JSON chat as `serve`, 10 s at 64 clients
 *   npm run bench:profile -- --kind stream --mounted --seconds 20 --top 40
 *   npm run bench:profile -- --callers 'parseRowValues|executeQuery'   # and the stacks that called these functions
 */
import { parseArgs } from 'node:util';
import { stopAllChildren } from './child-process.js';
import { profileOurGateway, type ProfileEntry } from './profile.js';
import { BenchWorkspace, startEmulatorProcess } from './targets.js';
import { REQUEST_KINDS, type RequestKind } from './workload.js';

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'chat' },
    mounted: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '64' },
    top: { type: 'string', default: '25' },
    callers: { type: 'string' },
  },
});
const kind = values.kind as RequestKind;
const [seconds, workers, top] = [Number(values.seconds), Number(values.workers), Number(values.top)];
if (!REQUEST_KINDS.includes(kind) || !(seconds > 0) || ![workers, top].every((value) => Number.isInteger(value) && value > 0)) {
  console.error('usage: npm run bench:profile -- [--kind chat|stream|embed] [--mounted] [--seconds S] [--workers W] [--top N] [--callers REGEXP]');
  process.exit(2);
}

const workspace = new BenchWorkspace();
try {
  const emulator = await startEmulatorProcess(workspace);
  const result = await profileOurGateway(workspace, emulator, workers, seconds * 1000, {
    kinds: [kind],
    gateway: { without: values.mounted ? [] : ['express'] },
    top,
    ...(values.callers ? { callers: new RegExp(values.callers) } : {}),
  });
  const lines = (title: string, entries: ProfileEntry[]) => [`\n${title}`, ...entries.map((entry) => `  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${(entry.selfMs * 1000 / result.requests).toFixed(1).padStart(6)} µs/req  ${entry.name}`)];
  console.log(
    [
      `${kind}, ${values.mounted ? 'mounted in Express' : 'as `insforge-ai serve`'}: ${result.requests} requests in ${(result.durationMs / 1000).toFixed(1)} s at ${workers} clients, ${result.busyMsPerRequest.toFixed(3)} ms busy per request under the profiler`,
      ...lines('By area', result.areas),
      ...lines('By function', result.functions),
      ...lines('By our source file', result.ourFiles),
      ...(values.callers ? lines(`Functions matching /${values.callers}/, by the stack that called them`, result.stacks) : []),
    ].join('\n'),
  );
} finally {
  await stopAllChildren();
  workspace.close();
}
