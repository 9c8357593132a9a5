/**
 * The benchmark of issue 9, in one run: the emulator, a bare proxy, our gateway and Portkey's gateway, each in its
 * own process, measured on the same request mix; a soak of our gateway; the client bundle sizes; ChatPanel in
 * Chromium (commits per streamed token, input latency while typing; skipped without Chromium). Prints the report
 * and, in full mode, writes it to docs/benchmarks.md. Asserts nothing: a missed goal still exits 0.
 *
 *   npm run bench                          # full mode, 10-minute soak, writes docs/benchmarks.md
 *   npm run bench -- --soak-minutes 2      # shorter soak (0 skips it)
 *   npm run bench -- --short               # a few seconds per section (run by `npm test`); writes nothing
 *   npm run bench -- --short --out FILE    # …and writes the report to FILE
 *   npm run bench -- --rerender            # re-renders the last full run's figures (after editing bench/findings.md)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { firstLineOf, repoRoot, rssBytes, sleep, stopAllChildren } from './child-process.js';
import { measureCacheHits } from './cache-hits.js';
import { measureChromium, type ChromiumPlan } from './chromium.js';
import { measureClientSizes } from './client-size.js';
import { measureLatency } from './latency.js';
import { agent, closedLoop, timeRequest } from './load.js';
import { portkeyVersions } from './portkey.js';
import { profileOurGateway } from './profile.js';
import { MEMORY_TARGETS, missedGoals, renderReport, evaluateGoals, type BenchResults } from './report.js';
import { runSoak } from './soak.js';
import { measureStreamMemory } from './stream-memory.js';
import { BenchWorkspace, directTarget, GATEWAY_NAMES, startEmulatorProcess, startOurGateway, startTarget, TARGET_LABELS, type Target, type TargetName } from './targets.js';
import { measureSaturation } from './saturation.js';
import { measureServeIdle } from './serve-idle.js';
import { measureThroughput } from './throughput.js';
import { buildRequest, LONG_CONVERSATION_BYTES, REQUEST_KINDS } from './workload.js';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    'soak-minutes': { type: 'string' },
    out: { type: 'string' },
    'skip-profile': { type: 'boolean', default: false },
    rerender: { type: 'boolean', default: false },
  },
});
const short = values.short ?? false;
const soakMinutes = values['soak-minutes'] === undefined ? (short ? 4 / 60 : 10) : Number(values['soak-minutes']);
if (!Number.isFinite(soakMinutes) || soakMinutes < 0) {
  console.error('--soak-minutes takes a number of minutes (0 skips the soak)');
  process.exit(2);
}
const outFile = values.out ?? (short ? undefined : path.join(repoRoot, 'docs', 'benchmarks.md'));
const argv = process.argv.slice(2);
const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;

/** How long and how hard each section runs. */
const plan = short
  ? { sequential: 15, sequentialWarmup: 2, c64: 1, heavy: 100, cHeavy: 1, concurrentWarmup: 0, saturationMs: 600, saturationRounds: 1, workers: 64, perKind: { connections: 16, durationSeconds: 0.5, rounds: 1 }, streamSteps: [10, 40], settleMs: 150, serveSettleMs: 500, profileMs: 0, warmup: 3 }
  : { sequential: 300, sequentialWarmup: 20, c64: 20, heavy: 500, cHeavy: 6, concurrentWarmup: 1, saturationMs: 5_000, saturationRounds: 3, workers: 64, perKind: { connections: 64, durationSeconds: 5, rounds: 3 }, streamSteps: [100, 500], settleMs: 1_000, serveSettleMs: 30_000, profileMs: 10_000, warmup: 20 };
/** ChatPanel in Chromium: answers at 1,000 and at 50 tokens/s, then typing into a 1,000-message conversation. */
const chromiumPlan: ChromiumPlan = short
  ? { streams: [{ tokensPerSecond: 1_000, tokens: 200, runs: 1 }, { tokensPerSecond: 50, tokens: 25, runs: 1 }], conversationMessages: 1_000, typedCharacters: 20, keystrokeDelayMs: 40, pickerSearches: ['gemini'] }
  : { streams: [{ tokensPerSecond: 1_000, tokens: 500, runs: 3 }, { tokensPerSecond: 50, tokens: 500, runs: 1 }], conversationMessages: 1_000, typedCharacters: 100, keystrokeDelayMs: 80, pickerSearches: ['gemini flash', 'claude sonnet', 'gpt mini', 'llama'] };
/** Cache hits beside misses: sequential requests per path, then a closed loop per path. */
const cachePlan = short ? { iterations: 20, workers: 16, durationMs: 400 } : { iterations: 300, workers: 64, durationMs: 5_000 };
const soakPlan = short
  ? { durationMs: soakMinutes * 60_000, warmupMs: 500, ratePerSecond: 30, sampleEveryMs: 500, heapEveryMs: 1_000 }
  : { durationMs: soakMinutes * 60_000, warmupMs: 30_000, ratePerSecond: 50, sampleEveryMs: 5_000, heapEveryMs: 30_000 };

const startedAt = new Date();
const loadAtStart = os.loadavg()[0] ?? NaN;
const clock = performance.now();
const workspace = new BenchWorkspace();
const elapsed = () => `${((performance.now() - clock) / 1000).toFixed(0)} s`;
const step = (message: string) => console.log(`[bench ${elapsed()}] ${message}`);

process.once('SIGINT', () => {
  void stopAllChildren().finally(() => {
    workspace.close();
    process.exit(130);
  });
});

async function main(): Promise<BenchResults> {
  step(`${short ? 'short' : 'full'} mode; logs and databases in ${workspace.directory}`);
  const emulator = await startEmulatorProcess(workspace);
  const unavailable = new Map<TargetName, string>();
  const targets: Target[] = [directTarget(emulator)];
  for (const name of GATEWAY_NAMES) {
    try {
      targets.push(await startTarget(name, workspace, emulator));
    } catch (error) {
      unavailable.set(name, firstLineOf(error));
      step(`${TARGET_LABELS[name]} could not be started: ${(error as Error).message}`);
    }
  }
  // Check each target answers the mix before measuring it.
  for (const target of [...targets]) {
    for (const kind of REQUEST_KINDS) {
      const timing = await timeRequest(buildRequest(target.address, kind));
      if (!timing.ok && target.name !== 'direct') {
        unavailable.set(target.name, `${kind} request failed (${timing.error ?? timing.status}); see ${workspace.logFile(target.name === 'ours' ? 'gateway' : target.name === 'bare' ? 'bare-proxy' : 'portkey')}`);
        targets.splice(targets.indexOf(target), 1);
        await target.child.stop();
        break;
      }
    }
  }
  step(`targets up: ${targets.map((target) => target.name).join(', ')}`);
  for (let index = 0; index < plan.warmup; index += 1) for (const target of targets) for (const kind of REQUEST_KINDS) await timeRequest(buildRequest(target.address, kind));
  await sleep(1_000);
  const idleRss = new Map(targets.filter((target) => target.name !== 'direct').map((target) => [target.name, rssBytes(target.child.pid)]));

  const latency = [];
  step(`latency, sequential: ${plan.sequential} iterations`);
  latency.push(await measureLatency(targets, 1, plan.sequential, plan.sequentialWarmup));
  step(`latency, 64 concurrent: ${plan.c64} rounds`);
  latency.push(await measureLatency(targets, 64, plan.c64, plan.concurrentWarmup));
  step(`latency, ${plan.heavy} concurrent: ${plan.cHeavy} rounds`);
  latency.push(await measureLatency(targets, plan.heavy, plan.cHeavy, plan.concurrentWarmup));
  step(`throughput: ${plan.workers} clients, ${plan.saturationRounds} × ${plan.saturationMs / 1000} s per target`);
  const throughput = await measureThroughput(targets, plan.workers, plan.saturationMs, plan.saturationRounds);
  step(`saturation per request kind (autocannon): ${plan.perKind.connections} connections, ${plan.perKind.rounds} × ${plan.perKind.durationSeconds} s per target and kind`);
  // Ours as `insforge-ai serve` runs it too (its hot routes without Express), beside ours mounted in Express.
  const serveTarget = await startOurGateway(workspace, emulator, [], { without: ['express'] }).catch((error: unknown) => {
    unavailable.set('serve', firstLineOf(error));
    return undefined;
  });
  // Started just now: warmed with each kind at load (the others are warm from the latency and throughput runs).
  if (serveTarget) for (const kind of REQUEST_KINDS) await closedLoop(() => buildRequest(serveTarget.address, kind), plan.workers, plan.saturationMs);
  const saturation = await measureSaturation(serveTarget ? [...targets, serveTarget] : targets, plan.perKind);
  await serveTarget?.child.stop();
  const byName = (name: TargetName) => targets.find((target) => target.name === name);
  const [directOne, bareTarget, oursTarget] = [byName('direct'), byName('bare'), byName('ours')];
  let cache: BenchResults['cache'] = { skipped: 'Not measured: the bare proxy or our gateway did not run.' };
  if (directOne && bareTarget && oursTarget) {
    step(`cache hits beside misses: ${cachePlan.iterations} sequential, then ${cachePlan.workers} clients for ${cachePlan.durationMs / 1000} s per path`);
    cache = await measureCacheHits(directOne, bareTarget, oursTarget, cachePlan);
  }
  for (const target of targets) if (target.name !== 'direct') await target.child.stop();

  // Ours as `serve` too (MEMORY_TARGETS): under it the hot routes' request bodies are the gateway's alone
  // (bench/findings.md, change 24).
  const streamMemory: BenchResults['streamMemory'] = new Map();
  for (const name of MEMORY_TARGETS) {
    if (unavailable.has(name)) continue;
    step(`memory per stream: ${TARGET_LABELS[name]}, ${plan.streamSteps.join(' then ')} streams`);
    try {
      streamMemory.set(name, await measureStreamMemory(() => startTarget(name, workspace, emulator), plan.streamSteps, plan.settleMs));
    } catch (error) {
      streamMemory.set(name, { error: firstLineOf(error) });
    }
  }

  // The same with a long conversation sent with each stream, as a chat app sends it: what a gateway keeps of a
  // prompt while the answer streams.
  const streamMemoryLongConversation: BenchResults['streamMemory'] = new Map();
  for (const name of MEMORY_TARGETS) {
    if (unavailable.has(name)) continue;
    step(`memory per stream with a ${LONG_CONVERSATION_BYTES / 1024} KB conversation: ${TARGET_LABELS[name]}`);
    try {
      streamMemoryLongConversation.set(name, await measureStreamMemory(() => startTarget(name, workspace, emulator), plan.streamSteps, plan.settleMs, LONG_CONVERSATION_BYTES));
    } catch (error) {
      streamMemoryLongConversation.set(name, { error: firstLineOf(error) });
    }
  }

  step(`idle memory of insforge-ai serve on SQLite, after ${plan.serveSettleMs / 1000} s quiet`);
  let serveIdle: BenchResults['serveIdle'];
  try {
    serveIdle = await measureServeIdle(workspace, emulator, plan.serveSettleMs);
  } catch (error) {
    serveIdle = { error: firstLineOf(error) };
  }

  let profile: BenchResults['profile'] = { skipped: 'Not profiled in this run (short mode or --skip-profile).' };
  if (plan.profileMs > 0 && !values['skip-profile']) {
    step(`CPU profile of our gateway: ${plan.profileMs / 1000} s`);
    profile = await profileOurGateway(workspace, emulator, plan.workers, plan.profileMs);
  }

  let soak: BenchResults['soak'] = { skipped: 'Skipped (--soak-minutes 0).' };
  if (soakPlan.durationMs > 0) {
    step(`soak: ${(soakPlan.durationMs / 60_000).toFixed(2)} min at ${soakPlan.ratePerSecond} requests/s after ${soakPlan.warmupMs / 1000} s warm-up`);
    let lastPrinted = 0;
    soak = await runSoak(workspace, emulator, soakPlan, (atMs, rss) => {
      if (atMs - lastPrinted >= 60_000 || atMs === 0) {
        lastPrinted = atMs;
        step(`  soak ${(atMs / 1000).toFixed(0)} s: RSS ${(rss / 1024 / 1024).toFixed(1)} MB`);
      }
    });
  }

  step('client bundle sizes');
  const clientSizes = await measureClientSizes();

  step('ChatPanel in Chromium: commits per streamed token, input latency while typing');
  const chromium = await measureChromium(workspace, emulator, chromiumPlan);
  if ('skipped' in chromium) step(`Chromium part skipped: ${chromium.skipped}`);
  await emulator.child.stop();
  agent.destroy();

  return {
    mode: short ? 'short' : 'full',
    command,
    startedAt,
    durationMs: performance.now() - clock,
    machine: machine(),
    versions: versions(),
    settings: [
      ['Sequential', `${plan.sequential} iterations per target and request kind (after ${plan.sequentialWarmup} discarded)`],
      ['Concurrent', `64 concurrent: ${plan.c64} rounds; ${plan.heavy} concurrent: ${plan.cHeavy} rounds (after ${plan.concurrentWarmup} discarded); a round sends a batch of N simultaneous requests of each kind to each target`],
      ['Saturation', `closed loop, ${plan.workers} clients cycling through the mix, ${plan.saturationRounds} × ${plan.saturationMs / 1000} s per target, interleaved`],
      ['Memory per stream', `streams held open at ${plan.streamSteps.join(' then ')}, RSS read after ${plan.settleMs} ms`],
      ['Soak', soakPlan.durationMs > 0 ? `${(soakPlan.durationMs / 60_000).toFixed(2)} min at ${soakPlan.ratePerSecond} requests/s` : 'skipped'],
      [
        'Chromium',
        `answers of ${chromiumPlan.streams.map((stream) => `${stream.tokens} tokens at ${stream.tokensPerSecond.toLocaleString('en-US')} tokens/s (${stream.runs}×)`).join(' and ')}; ` +
          `${chromiumPlan.typedCharacters} characters typed ${chromiumPlan.keystrokeDelayMs} ms apart into a ${chromiumPlan.conversationMessages.toLocaleString('en-US')}-message conversation; ` +
          `searches typed as fast into ModelPicker over the whole catalog (${chromiumPlan.pickerSearches.map((search) => `"${search}"`).join(', ')}, each cleared with Ctrl+A and Backspace)`,
      ],
    ],
    unavailable,
    portkeySetup:
      '`@portkey-ai/gateway` from npm, its Node build (`build/start-server.js --headless`, NODE_ENV=production), provider `openai` with `x-portkey-custom-host` set to the emulator\'s `/api/v1` per request. ' +
      'Portkey 1.15.x answers every passed-through body (streams, embeddings) with a 500 `TypeError: immutable` under @hono/node-server ≥ 1.14 (Portkey-AI/gateway#1389), so pnpm-workspace.yaml pins that dependency to 1.13.8 for Portkey; ' +
      'its stream handler also waits 25 ms before the first chunk (a fixed `setTimeout` in its stream transform), which shows in its time to first token.',
    idleRss,
    latency,
    throughput,
    saturation,
    cache,
    streamMemory,
    streamMemoryLongConversation,
    serveIdle,
    soak,
    profile,
    clientSizes,
    chromium,
    ...(existsSync(path.join(repoRoot, 'bench', 'findings.md')) ? { findings: readFileSync(path.join(repoRoot, 'bench', 'findings.md'), 'utf8') } : {}),
  };
}

function machine(): Array<[string, string]> {
  const cpuinfo = safeRead('/proc/cpuinfo');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const memTotalKb = Number(/^MemTotal:\s*(\d+)/m.exec(safeRead('/proc/meminfo'))?.[1] ?? NaN);
  return [
    ['CPU', model.trim()],
    ['Cores', String(os.cpus().length)],
    ['Memory', Number.isFinite(memTotalKb) ? `${(memTotalKb / 1024 / 1024).toFixed(1)} GiB` : 'unknown'],
    ['OS', `${os.type()} ${os.release()} ${os.arch()}`],
    ['Load average (1 min) at start / end', `${loadAtStart.toFixed(2)} / ${os.loadavg()[0]?.toFixed(2) ?? '?'} (anything above ~0.5 at the start means another workload shared the cores)`],
  ];
}

function versions(): Array<[string, string]> {
  const fromServer = createRequire(path.join(repoRoot, 'server', 'package.json'));
  const versionOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  const dependency = (name: string) => {
    try {
      return versionOf(fromServer.resolve(`${name}/package.json`));
    } catch {
      return 'unknown';
    }
  };
  const portkey = portkeyVersions();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server/src', 'packages'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    if (dirty) commit += ' (with uncommitted changes in server/src or packages)';
  } catch {
    // Not a git checkout.
  }
  return [
    ['Node.js', process.version],
    ['Commit', commit],
    ['@insforge/ai-server', versionOf(path.join(repoRoot, 'server', 'package.json'))],
    ['@insforge/openrouter-emulator', versionOf(path.join(repoRoot, 'packages', 'openrouter-emulator', 'package.json'))],
    ['@insforge/ai-react', versionOf(path.join(repoRoot, 'packages', 'ai-react', 'package.json'))],
    ['express / better-sqlite3 / undici (ours)', `${dependency('express')} / ${dependency('better-sqlite3')} / ${dependency('undici')}`],
    ['@portkey-ai/gateway', `${portkey.gateway} (with @hono/node-server ${portkey.honoNodeServer})`],
  ];
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The last full run's figures, so the report can be re-rendered after editing bench/findings.md. */
const lastResultsFile = path.join(repoRoot, 'node_modules', '.cache', 'insforge-bench', 'last-results.json');

function saveResults(results: BenchResults): void {
  mkdirSync(path.dirname(lastResultsFile), { recursive: true });
  writeFileSync(lastResultsFile, JSON.stringify(results, (_key, value: unknown) => (value instanceof Map ? { $map: [...value.entries()] } : value)));
}

function loadResults(): BenchResults {
  const results = JSON.parse(readFileSync(lastResultsFile, 'utf8'), (_key, value: unknown) =>
    value && typeof value === 'object' && '$map' in value ? new Map((value as { $map: Array<[unknown, unknown]> }).$map) : value,
  ) as BenchResults;
  results.startedAt = new Date(results.startedAt);
  const findings = path.join(repoRoot, 'bench', 'findings.md');
  if (existsSync(findings)) results.findings = readFileSync(findings, 'utf8');
  return results;
}

try {
  const results = values.rerender ? loadResults() : await main();
  if (!values.rerender && !short) saveResults(results);
  const report = renderReport(results);
  console.log(`\n${report}`);
  const misses = missedGoals(results);
  const unmeasured = evaluateGoals(results).filter((goal) => goal.status === 'not measured');
  console.log(misses.length ? misses.join('\n') : 'Every measured goal is met.');
  if (unmeasured.length) console.log(`Not measured: ${unmeasured.map((goal) => goal.goal).join('; ')}.`);
  const target = values.rerender && !values.out ? path.join(repoRoot, 'docs', 'benchmarks.md') : outFile;
  if (target) {
    writeFileSync(target, report);
    console.log(`Report written to ${path.relative(process.cwd(), target) || target}.`);
  }
} catch (error) {
  // A missed goal or a target that cannot run is reported, not failed; the benchmark itself breaking is a failure,
  // so `npm test` catches a bench that has rotted.
  console.error(`The benchmark stopped early: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  await stopAllChildren();
  workspace.close();
}
