/**
 * Soak: a steady rate against a fresh process of our gateway, with clients going away mid-stream, while its resident
 * memory is sampled. Growth compares the mean of the last third of the samples with the mean of the first third.
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
}

export interface SoakResult {
  options: SoakOptions;
  samples: Array<{ atMs: number; rssBytes: number }>;
  sent: number;
  aborted: number;
  failed: number;
  firstError?: string | undefined;
  /** Mean RSS of the last third over the mean of the first third, minus one. */
  growth: number;
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
  const result: SoakResult = { options, samples: [], sent: 0, aborted: 0, failed: 0, growth: NaN };
  const inFlight = new Set<RunningRequest>();
  try {
    const started = performance.now();
    const end = started + options.warmupMs + options.durationMs;
    const interval = 1000 / options.ratePerSecond;
    let nextSample = started + options.warmupMs;
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
    const third = Math.max(1, Math.floor(result.samples.length / 3));
    const mean = (values: Array<{ rssBytes: number }>) => values.reduce((sum, sample) => sum + sample.rssBytes, 0) / values.length;
    if (result.samples.length >= 3) result.growth = mean(result.samples.slice(-third)) / mean(result.samples.slice(0, third)) - 1;
    return result;
  } finally {
    for (const running of inFlight) running.abort();
    await target.child.stop();
  }
}
