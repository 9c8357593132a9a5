/**
 * The response cache's figures: a hit's latency and throughput beside a miss on our gateway, and beside the bare
 * proxy (which forwards every request), for the same JSON chat from a model that takes `CACHE_MODEL_MS` to answer
 * (the mix's emulator answers at once, which no model does). Misses ask a new question each time (a feature with the
 * cache on, so each also stores its answer); hits repeat one question that was answered once before.
 */
import { closedLoop, percentile, timeRequest } from './load.js';
import type { Target } from './targets.js';
import { buildRequest, CACHE_MARKER, type RequestSpec } from './workload.js';

/** The feature of our gateway that caches (bench/gateway-server.ts). */
export const CACHED_FEATURE = 'cached';

export interface CachePath {
  p50Ms: number;
  p95Ms: number;
  /** Added over the emulator's own p50 (negative: faster than calling the model at all). */
  addedP50Ms: number;
  requestsPerSecond: number;
  /** Answers whose X-Cache was not what the path expects (a miss counted as a hit would flatter it). */
  unexpected: number;
}

export interface CacheHitResult {
  iterations: number;
  workers: number;
  durationMs: number;
  paths: { direct: CachePath; bare: CachePath; miss: CachePath; hit: CachePath };
}

/** The JSON chat of the mix, asking question `n` (or the same one each time when `n` is undefined). */
function chatSpec(target: Target, model: string, n: number | undefined): RequestSpec {
  const spec = buildRequest({ ...target.address, chatModel: model }, 'chat');
  const body = JSON.parse(spec.body) as { messages: Array<{ role: string; content: string }> };
  const last = body.messages[body.messages.length - 1];
  if (last) last.content = n === undefined ? `Tell me about gateways (cached) ${CACHE_MARKER}` : `Tell me about gateways (question ${n}) ${CACHE_MARKER}`;
  return { ...spec, body: JSON.stringify(body) };
}

async function measurePath(next: (index: number) => RequestSpec, expected: string | undefined, iterations: number, workers: number, durationMs: number, directP50 = 0): Promise<CachePath> {
  const totals: number[] = [];
  let unexpected = 0;
  for (let index = 0; index < iterations; index += 1) {
    const timing = await timeRequest(next(index));
    if (!timing.ok) unexpected += 1;
    totals.push(timing.totalMs);
  }
  // X-Cache is checked on a separate request of each kind: timeRequest reads no headers.
  if (expected !== undefined) {
    const probe = next(iterations);
    const response = await fetch(probe.url, { method: 'POST', headers: probe.headers, body: probe.body });
    await response.arrayBuffer();
    if (response.headers.get('x-cache') !== expected) unexpected += 1;
  }
  const loop = await closedLoop((index) => next(iterations + 1 + index), workers, durationMs);
  const p50Ms = percentile(totals, 50);
  return { p50Ms, p95Ms: percentile(totals, 95), addedP50Ms: p50Ms - directP50, requestsPerSecond: (loop.completed * 1000) / loop.elapsedMs, unexpected: unexpected + loop.failed };
}

/**
 * Measures the four paths in turn: the emulator directly, the bare proxy, our gateway missing, our gateway hitting.
 * @example
 * const cache = await measureCacheHits(direct, bare, ours, { iterations: 30, workers: 16, durationMs: 500 });
 */
export async function measureCacheHits(direct: Target, bare: Target, ours: Target, plan: { iterations: number; workers: number; durationMs: number }): Promise<CacheHitResult> {
  const { iterations, workers, durationMs } = plan;
  let question = 0;
  const directPath = await measurePath((index) => chatSpec(direct, direct.address.chatModel, index), undefined, iterations, workers, durationMs);
  const at = directPath.p50Ms;
  const bare_ = await measurePath((index) => chatSpec(bare, bare.address.chatModel, index), undefined, iterations, workers, durationMs, at);
  // Questions never asked before: every one is a miss, which calls the model and stores its answer.
  const miss = await measurePath(() => chatSpec(ours, CACHED_FEATURE, question++), 'miss', iterations, workers, durationMs, at);
  await timeRequest(chatSpec(ours, CACHED_FEATURE, undefined));
  const hit = await measurePath(() => chatSpec(ours, CACHED_FEATURE, undefined), 'hit', iterations, workers, durationMs, at);
  return { iterations, workers, durationMs, paths: { direct: directPath, bare: bare_, miss, hit } };
}
