/**
 * Before and after in instructions, for changes smaller than a shared machine's noise in CPU time: our gateway at
 * another commit and the working tree, each run by valgrind's callgrind (which counts instructions, whatever else
 * the machine does), started side by side in pairs, as `insforge-ai serve` serves (no Express), with limits on, the
 * ledger writing full batches only and V8 run `--predictable`, so that what each does follows the count of requests
 * rather than the clock. Each gets its requests one at a time from this process: a warm-up, then the counted ones.
 * Prints instructions per request of each pair and their ratio, in all, outside V8's compilers and collecting
 * garbage: after thousands of requests V8 is still optimising, and about half of what is counted is its compiler's
 * (bench/findings.md, change 29), which follows what code changed rather than what it costs to run. Asserts nothing.
 * Needs valgrind (`apt-get install valgrind`); a run of the defaults takes about ten minutes on two cores. A pair of
 * the same code differs by up to about 2% outside the compilers (change 31): for a change of a percent or two, keep
 * the dumps (`--keep-dumps`) and compare them function by function.
 *
 *   npm run bench:instructions -- --base HEAD~1                                # JSON chat, 3 pairs of 1,000 requests
 *   npm run bench:instructions -- --base main --kind stream --requests 300 --pairs 5
 *   npm run bench:instructions -- --base main --kind responses-stream --requests 300 --pairs 1   # a Responses API stream
 *   npm run bench:instructions -- --base main --kind messages-stream --requests 300 --pairs 1    # a Messages API stream
 *   npm run bench:instructions -- --base HEAD~1 --keep-dumps /tmp/dumps   # each process's dump, for callgrind_annotate
 *   npm run bench:instructions -- --base 0292ce1 --head 90a0667,cfa89a2,HEAD --pairs 1   # commits in place of the working tree
 *
 * With `--head`, each commit it names is counted beside the base in every pair instead of the working tree: a series
 * along the history in one run, to find which commits made a path dearer (each process runs on its own, so a series
 * of n commits takes about n/2 times a pair's time on two cores).
 *
 * Both builds run the working tree's bench/gateway-server.ts (the base's own server code), so the way they are set
 * up is the same.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stopAllChildren, withBaseBuild } from './child-process.js';
import { median, timeRequest } from './load.js';
import { BenchWorkspace, startEmulatorProcess, startOurGateway, type Emulator, type Target } from './targets.js';
import { ALL_REQUEST_KINDS, buildRequest, type RequestKind, type TargetAddress } from './workload.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    head: { type: 'string' },
    kind: { type: 'string', default: 'chat' },
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '1600' },
    pairs: { type: 'string', default: '3' },
    'keep-dumps': { type: 'string' },
  },
});
const kind = values.kind as RequestKind;
const [requests, warmup, pairs] = [Number(values.requests), Number(values.warmup), Number(values.pairs)];
if (!values.base || !ALL_REQUEST_KINDS.includes(kind) || ![requests, warmup, pairs].every((value) => Number.isInteger(value) && value > 0)) {
  console.error('usage: npm run bench:instructions -- --base <commit> [--head <commit>[,<commit>…]] [--kind chat|stream|embed|responses-stream|messages-stream] [--requests N] [--warmup N] [--pairs N] [--keep-dumps DIR]');
  process.exit(2);
}
for (const tool of ['valgrind', 'callgrind_control']) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    console.error(`bench:instructions needs ${tool} (valgrind's package: apt-get install valgrind).`);
    process.exit(2);
  }
}

/** Our gateway under callgrind, as `serve` runs it, with the file its counts go to. */
async function startCounted(workspace: BenchWorkspace, emulator: Emulator, bundle: string, name: string): Promise<Target & { outFile: string }> {
  const outFile = `${workspace.fresh(`callgrind-${name}`)}.out`;
  const wrapper = ['valgrind', '--tool=callgrind', `--callgrind-out-file=${outFile}`];
  // V8's `--predictable`: compilation and garbage collection on the main thread at points the work decides rather
  // than the clock. An old generation that starts large, and no memory reducer, leave out full collections: one fell
  // inside the counted requests in about half the processes, some 200 k instructions per request (bench/findings.md,
  // change 31). A collection forced before counting does not do instead: V8 then compiles and misses its inline
  // caches anew.
  const v8 = ['--predictable', '--initial-old-space-size=1024', '--no-memory-reducer'];
  return { ...(await startOurGateway(workspace, emulator, v8, { bundle, without: ['express'], wrapper, ledgerByCount: true })), outFile };
}

async function sendInTurn(address: TargetAddress, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const timing = await timeRequest(buildRequest(address, kind));
    if (!timing.ok) throw new Error(`a ${kind} request failed: ${timing.error ?? timing.status}`);
  }
}

/** Instructions per request: all of them, those outside V8's compilers, and garbage collection's. */
interface Count {
  total: number;
  running: number;
  collecting: number;
}

/**
 * V8's compilers and parser: what tiers code up (still busy after thousands of requests), not what runs it. A name
 * may start with its return type, or be a container of the compiler's types.
 */
const COMPILING = /(?:^|[\s<])v8::internal::(?:compiler|maglev|baseline|interpreter)::|(?:^|\s)v8::internal::(?:Parser|Scanner|Compiler|OptimizingCompileDispatcher|Zone|Pipeline|TurbofanCompilationJob)\b/;
/** V8's garbage collector (scavenges, marking, sweeping, compaction, the write barrier's marking part). */
const COLLECTING = /Scaveng|Marking|MarkCompact|Sweep|Evacuat|(?:^|\s)v8::internal::(?:Heap|GCTracer|MemoryAllocator)::|(?:^|\s)(?:heap::base|cppgc)::|RememberedSet|RecordMigratedSlot|PointersUpdating|LiveObjectRange/;

/**
 * The instructions of a callgrind dump, all, outside V8's compilers and collecting garbage: the self cost of each function (a cost line
 * under `fn=`, except the one after a `calls=` line, which is a call's inclusive cost), names read through callgrind's
 * name compression (`(id) name` defines, `(id)` refers).
 */
function countDump(dump: string): Count {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(text);
    if (!match) return text;
    const [, id = '', name] = match;
    if (name !== undefined) names.set(id, name);
    return names.get(id) ?? text;
  };
  let compiling = false;
  let collecting = false;
  let afterCall = false;
  const count: Count = { total: 0, running: 0, collecting: 0 };
  for (const line of dump.split('\n')) {
    if (line.startsWith('fn=')) {
      const name = nameOf(line.slice(3));
      compiling = COMPILING.test(name);
      collecting = COLLECTING.test(name);
    }
    else if (line.startsWith('cfn=')) nameOf(line.slice(4));
    else if (line.startsWith('calls=')) afterCall = true;
    else if (/^[+\-*\d]/.test(line)) {
      if (afterCall) {
        afterCall = false;
        continue;
      }
      const cost = Number(line.split(' ')[1] ?? 0);
      count.total += cost;
      if (!compiling) count.running += cost;
      if (collecting) count.collecting += cost;
    }
  }
  return count;
}

/** Instructions per counted request: the counts are zeroed after the warm-up and dumped after the last request. */
async function countPerRequest(target: Target & { outFile: string; keepAs: string }): Promise<Count> {
  await sendInTurn(target.address, warmup);
  execFileSync('callgrind_control', ['--zero', String(target.child.pid)], { stdio: 'ignore' });
  await sendInTurn(target.address, requests);
  execFileSync('callgrind_control', ['--dump', String(target.child.pid)], { stdio: 'ignore' });
  const dumps = readdirSync(path.dirname(target.outFile)).filter((file) => file.startsWith(`${path.basename(target.outFile)}.`));
  const dumpFile = path.join(path.dirname(target.outFile), dumps.sort().at(-1) ?? '');
  if (values['keep-dumps']) copyFileSync(dumpFile, path.join(values['keep-dumps'], `${target.keepAs}.callgrind`));
  const dump = readFileSync(dumpFile, 'utf8');
  const count = countDump(dump);
  if (count.total === 0) throw new Error(`no costs in callgrind's dump of ${target.child.name}`);
  await target.child.stop();
  return { total: count.total / requests, running: count.running / requests, collecting: count.collecting / requests };
}

interface Build {
  label: string;
  bundle: string;
}

/** The builds of the commits `--head` names, each checked out and bundled beside the working tree, for `use`. */
async function withHeadBuilds<T>(commits: string[], use: (builds: Build[]) => Promise<T>, built: Build[] = []): Promise<T> {
  const [commit, ...rest] = commits;
  if (commit === undefined) return use(built);
  return withBaseBuild(commit, { serverFromWorkingTree: true }, (build) => withHeadBuilds(rest, use, [...built, { label: build.commit, bundle: build.bundle }]));
}

if (values['keep-dumps']) mkdirSync(values['keep-dumps'], { recursive: true });
const heads = values.head?.split(',').filter(Boolean) ?? [];
await withBaseBuild(values.base, { serverFromWorkingTree: true }, (base) => withHeadBuilds(heads, async (headBuilds) => {
  const workspace = new BenchWorkspace();
  try {
    const afters = headBuilds.length > 0 ? headBuilds : [{ label: 'working tree', bundle: await workspace.bundle('gateway-server.ts') }];
    const builds: Build[] = [base, ...afters];
    const emulator = await startEmulatorProcess(workspace);
    const pairsText = `${pairs} pair${pairs === 1 ? '' : 's'}`;
    console.log(`${kind}: ${pairsText}, each build counting ${requests} requests one at a time after ${warmup}, side by side`);
    const ratios = afters.map(() => [] as Array<Pick<Count, 'total' | 'running'>>);
    const thousands = (value: number) => `${Math.round(value / 1000).toLocaleString('en-US')}k`;
    const parts = (count: Count) => `${thousands(count.total)} (${thousands(count.running)} outside V8's compilers, ${thousands(count.collecting)} collecting garbage)`;
    for (let pair = 0; pair < pairs; pair += 1) {
      // Which build starts first alternates, as which core or cache it meets first might.
      const order = pair % 2 === 0 ? builds : [...builds].reverse();
      // Started one after another (under callgrind a start takes a minute of CPU: many at once miss the ready timeout
      // on two cores), then counted side by side.
      const targets: Array<Awaited<ReturnType<typeof startCounted>>> = [];
      for (const [index, build] of order.entries()) targets.push(await startCounted(workspace, emulator, build.bundle, `${pair}-${index}`));
      const counted = await Promise.all(targets.map((target, index) => countPerRequest({ ...target, keepAs: `pair-${pair + 1}-${order[index] === base ? 'base' : (order[index]?.label ?? '').replace(' ', '-')}` })));
      const countOf = new Map(order.map((build, index) => [build, counted[index]]));
      const before = countOf.get(base);
      if (before === undefined) throw new Error('a pair measured nothing');
      console.log(`  pair ${pair + 1}: ${base.label} ${parts(before)} instructions per request`);
      afters.forEach((build, index) => {
        const after = countOf.get(build);
        if (after === undefined) throw new Error(`${build.label} measured nothing`);
        const ratio = { total: after.total / before.total, running: after.running / before.running };
        ratios[index]?.push(ratio);
        console.log(`    ${build.label} ${parts(after)}: ${ratio.total.toFixed(3)}× (${ratio.running.toFixed(3)}×)`);
      });
    }
    afters.forEach((build, index) => {
      for (const [part, label] of [['total', 'instructions'], ['running', 'instructions outside V8\'s compilers']] as const) {
        const values = (ratios[index] ?? []).map((ratio) => ratio[part]);
        console.log(`  ${build.label}/${base.label}: ${median(values).toFixed(3)}× ${label} per ${kind} (median of ${pairsText}; ${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}×)`);
      }
    });
  } finally {
    await stopAllChildren();
    workspace.close();
  }
}));
