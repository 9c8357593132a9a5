/**
 * Memory per concurrent stream: a fresh process of each target, warmed up, then holding slow streams open (the
 * emulator answers them at 20 tokens per second, 400 tokens) while its memory is read, each time right after a
 * garbage collection (bench/memory-probe.ts), so live memory is compared rather than garbage awaiting collection.
 */
import { sleep, type ProcessMemory } from './child-process.js';
import { startRequest, timeRequest, type RunningRequest } from './load.js';
import type { Target } from './targets.js';
import { buildRequest, REQUEST_KINDS, SLOW_STREAM_MARKER, withConversation } from './workload.js';

export interface StreamMemoryResult {
  idle: ProcessMemory;
  /** Streams held at each step, and the memory read (after a garbage collection) while they were open. */
  steps: Array<{ streams: number; memory: ProcessMemory; openedMs: number }>;
  /** (RSS with the most streams − idle) / streams. */
  perStreamBytes: number;
  /** The same for the JavaScript heap and for external memory (Buffers and other native objects). */
  heapPerStreamBytes: number;
  externalPerStreamBytes: number;
  /** (RSS at the last step − RSS at the first step) / streams added between them: one-time growth left out. */
  marginalPerStreamBytes: number;
  failedToStart: number;
}

/** The median of three reports (each after a garbage collection), by RSS. */
async function liveMemory(target: Target): Promise<ProcessMemory> {
  const reports: ProcessMemory[] = [];
  for (let index = 0; index < 3; index += 1) {
    reports.push(await target.child.memory());
    await sleep(100);
  }
  reports.sort((a, b) => a.rss - b.rss);
  return reports[1] ?? reports[0] ?? { rss: NaN, heapUsed: NaN, heapTotal: NaN, external: NaN };
}

/**
 * Opens `count` slow streams, each sent with `conversationBytes` of earlier turns; resolves when each has sent its
 * first content (or after 10 s).
 */
async function openStreams(target: Target, count: number, conversationBytes: number): Promise<{ streams: RunningRequest[]; failed: number }> {
  const spec = withConversation(buildRequest(target.address, 'stream', SLOW_STREAM_MARKER), conversationBytes);
  const streams = Array.from({ length: count }, () => startRequest(spec));
  let failed = 0;
  await Promise.all(
    streams.map((stream) =>
      Promise.race([stream.firstContent.then(() => true), stream.done.then(() => false), sleep(10_000).then(() => false)]).then((started) => {
        if (!started) failed += 1;
      }),
    ),
  );
  return { streams, failed };
}

/**
 * `start` starts a fresh process of the target (e.g. `() => startTarget('ours', workspace, emulator)`);
 * `conversationBytes`: earlier turns sent with each stream (a long conversation), none by default.
 */
export async function measureStreamMemory(start: () => Promise<Target>, streamSteps: readonly number[], settleMs: number, conversationBytes = 0): Promise<StreamMemoryResult> {
  const target = await start();
  const held: RunningRequest[] = [];
  try {
    for (let index = 0; index < 20; index += 1) for (const kind of REQUEST_KINDS) await timeRequest(buildRequest(target.address, kind));
    await sleep(settleMs);
    const idle = await liveMemory(target);
    const steps: StreamMemoryResult['steps'] = [];
    let failedToStart = 0;
    for (const total of streamSteps) {
      const started = performance.now();
      const opened = await openStreams(target, total - held.length, conversationBytes);
      held.push(...opened.streams);
      failedToStart += opened.failed;
      const openedMs = performance.now() - started;
      await sleep(settleMs);
      steps.push({ streams: total, memory: await liveMemory(target), openedMs });
    }
    const first = steps[0];
    const last = steps.at(-1);
    const perStream = (field: keyof ProcessMemory) => (last ? (last.memory[field] - idle[field]) / last.streams : NaN);
    const marginalPerStreamBytes = first && last && last.streams > first.streams ? (last.memory.rss - first.memory.rss) / (last.streams - first.streams) : NaN;
    return { idle, steps, perStreamBytes: perStream('rss'), heapPerStreamBytes: perStream('heapUsed'), externalPerStreamBytes: perStream('external'), marginalPerStreamBytes, failedToStart };
  } finally {
    for (const stream of held) stream.abort();
    await target.child.stop();
  }
}
