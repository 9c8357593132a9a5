/**
 * Soak: a steady rate against a fresh process of our gateway, with clients going away mid-stream, while its resident
 * memory is sampled, and (less often, as it forces a garbage collection) its live heap. Growth compares the mean of the
 * last third of the samples with the mean of the first third; the plateau, the end of the run with the start of its
 * last third (issue 21: RSS growth over the last 15 minutes of a 45-minute soak < 2%, live heap flat).
 */
import { rssBytes, sleep } from './child-process.js';
import { startRequest, type RunningRequest } from './load.js';
import type { BenchWorkspace, Emulator } from './targets.js';
import { startOurGateway } from './targets.js';
import { buildRequest, SOAK_STREAM_MARKER, type RequestSpec } from './workload.js';

export interface SoakOptions {
  durationMs: number;
  warmupMs: number;
  ratePerSecond: number;
  sampleEveryMs: number;
  /** How often the live heap is read (after a forced garbage collection in the gateway's process). */
  heapEveryMs: number;
}

export interface SoakResult {
  options: SoakOptions;
  samples: Array<{ atMs: number; rssBytes: number }>;
  /** Live heap after a forced garbage collection; absent in results saved before it was measured. */
  heapSamples?: Array<{ atMs: number; heapUsedBytes: number }>;
  sent: number;
  aborted: number;
  failed: number;
  firstError?: string | undefined;
  /** Mean RSS of the last third over the mean of the first third, minus one. */
  growth: number;
  /** RSS at the end over RSS at the start of the last third, minus one (each the mean of a twelfth of the samples). */
  plateauGrowth?: number;
  /** The same for the live heap. */
  heapPlateauGrowth?: number;
}

/**
 * The end over the start of the last third, minus one: the mean of the last twelfth of the values over the mean of
 * the twelfth that starts at two thirds. NaN with fewer than 12 values.
 */
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

export function plateauGrowth(values: readonly number[]): number {
  if (values.length < 12) return NaN;
  const width = Math.max(1, Math.floor(values.length / 12));
  const start = Math.floor((values.length * 2) / 3);
  return mean(values.slice(-width)) / mean(values.slice(start, start + width)) - 1;
}

/** One in five requests is a stream the client abandons after 20 content chunks (the stream lasts about 1 s). */
function mix(specs: { chat: RequestSpec; stream: RequestSpec; embed: RequestSpec }, index: number): { spec: RequestSpec; abortAfter?: number } {
  switch (index % 5) {
    case 0:
      return { spec: specs.chat };
    case 1:
      return { spec: specs.embed };
    case 4:
      return { spec: specs.stream, abortAfter: 20 };
    default:
      return { spec: specs.stream };
  }
}

export async function runSoak(workspace: BenchWorkspace, emulator: Emulator, options: SoakOptions, onSample?: (atMs: number, rss: number) => void): Promise<SoakResult> {
  const target = await startOurGateway(workspace, emulator);
  const specs = {
    chat: buildRequest(target.address, 'chat'),
    stream: buildRequest(target.address, 'stream', SOAK_STREAM_MARKER),
    embed: buildRequest(target.address, 'embed'),
  };
  const result: SoakResult = { options, samples: [], heapSamples: [], sent: 0, aborted: 0, failed: 0, growth: NaN };
  const heapSamples: NonNullable<SoakResult['heapSamples']> = [];
  const inFlight = new Set<RunningRequest>();
  try {
    const started = performance.now();
    const end = started + options.warmupMs + options.durationMs;
    const interval = 1000 / options.ratePerSecond;
    let nextSample = started + options.warmupMs;
    let nextHeap = nextSample;
    const heapReads: Array<Promise<void>> = [];
    // Open loop: requests go out on schedule whether or not earlier ones have answered.
    for (let index = 0; performance.now() < end; index += 1) {
      const due = started + index * interval;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const now = performance.now();
      if (now >= nextSample) {
        const rss = rssBytes(target.child.pid);
        const atMs = now - started - options.warmupMs;
        result.samples.push({ atMs, rssBytes: rss });
        onSample?.(atMs, rss);
        nextSample += options.sampleEveryMs;
      }
      if (now >= nextHeap) {
        const atMs = now - started - options.warmupMs;
        // Read without waiting: the load goes on while the gateway collects and reports.
        heapReads.push(target.child.memory().then((memory) => void heapSamples.push({ atMs, heapUsedBytes: memory.heapUsed }), () => undefined));
        nextHeap += options.heapEveryMs;
      }
      const { spec, abortAfter } = mix(specs, index);
      const running = startRequest(spec, abortAfter === undefined ? {} : { abortAfterContentChunks: abortAfter });
      inFlight.add(running);
      result.sent += 1;
      void running.done.then((timing) => {
        inFlight.delete(running);
        if (timing.aborted) result.aborted += 1;
        else if (!timing.ok) {
          result.failed += 1;
          result.firstError ??= timing.error;
        }
      });
    }
    await Promise.race([Promise.all([...inFlight].map((running) => running.done)), sleep(5_000)]);
    await Promise.race([Promise.all(heapReads), sleep(5_000)]);
    result.heapSamples = heapSamples.sort((a, b) => a.atMs - b.atMs);
    const rss = result.samples.map((sample) => sample.rssBytes);
    result.plateauGrowth = plateauGrowth(rss);
    result.heapPlateauGrowth = plateauGrowth(result.heapSamples.map((sample) => sample.heapUsedBytes));
    const third = Math.max(1, Math.floor(rss.length / 3));
    if (rss.length >= 3) result.growth = mean(rss.slice(-third)) / mean(rss.slice(0, third)) - 1;
    return result;
  } finally {
    for (const running of inFlight) running.abort();
    await target.child.stop();
  }
}
