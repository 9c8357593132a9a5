/**
 * The load generator: node:http over one keep-alive agent (as the emulator's own bench does), timing each request
 * from the call to its last byte and, for streams, to the first chunk that carries content.
 */
import { Agent, request } from 'node:http';
import type { RequestSpec } from './workload.js';

export const agent = new Agent({ keepAlive: true, maxSockets: 2_048, maxFreeSockets: 2_048 });

export interface Timing {
  ok: boolean;
  status: number;
  totalMs: number;
  /** Streams: milliseconds to the first chunk with content. */
  ttftMs: number | undefined;
  aborted: boolean;
  error?: string;
}

export interface RunningRequest {
  done: Promise<Timing>;
  /** Resolves at the first content chunk of a stream (never for JSON). */
  firstContent: Promise<void>;
  /** Closes the connection (a client going away mid-stream). */
  abort(): void;
}

const CONTENT_MARK = '"content":"';
/** Responses and Messages streams end with these events rather than `[DONE]`. */
const LAST_EVENTS: Partial<Record<RequestSpec['kind'], string>> = { 'responses-stream': 'event: response.completed\n', 'messages-stream': 'event: message_stop\n' };

/** Sends one request; with `abortAfterContentChunks`, goes away after that many content chunks of a stream. */
export function startRequest(spec: RequestSpec, options: { abortAfterContentChunks?: number } = {}): RunningRequest {
  const started = performance.now();
  let aborted = false;
  let resolveFirst: () => void = () => undefined;
  const firstContent = new Promise<void>((resolve) => (resolveFirst = resolve));
  let abortRequest: () => void = () => undefined;
  const done = new Promise<Timing>((resolve) => {
    let settled = false;
    const finish = (timing: Omit<Timing, 'totalMs' | 'aborted'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...timing, totalMs: performance.now() - started, aborted });
    };
    const req = request(spec.url, { method: 'POST', agent, headers: spec.headers }, (res) => {
      const status = res.statusCode ?? 0;
      const streaming = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
      let ttftMs: number | undefined;
      let contentChunks = 0;
      let carry = '';
      let tail = '';
      let completed = false;
      let bytes = 0;
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        bytes += text.length;
        if (streaming) {
          // Count content chunks cheaply: each `"content":"x` with a non-empty value.
          const scanned = carry + text;
          let at = scanned.indexOf(CONTENT_MARK);
          while (at >= 0) {
            const next = scanned[at + CONTENT_MARK.length];
            if (next !== undefined && next !== '"') {
              contentChunks += 1;
              if (ttftMs === undefined) {
                ttftMs = performance.now() - started;
                resolveFirst();
              }
            }
            at = scanned.indexOf(CONTENT_MARK, at + 1);
          }
          carry = scanned.slice(-(CONTENT_MARK.length + 1));
          if (options.abortAfterContentChunks !== undefined && contentChunks >= options.abortAfterContentChunks && !aborted) {
            aborted = true;
            req.destroy();
            finish({ ok: true, status, ttftMs });
            return;
          }
        }
        const last = LAST_EVENTS[spec.kind];
        completed ||= last !== undefined && (tail + text).includes(last);
        tail = (tail + text).slice(-64);
      });
      res.on('end', () => {
        const complete = streaming ? tail.includes('[DONE]') || completed : bytes > 0;
        finish({ ok: status === 200 && complete, status, ttftMs, ...(status === 200 && complete ? {} : { error: `status ${status}${complete ? '' : ', incomplete body'}` }) });
      });
      res.on('error', (error) => finish({ ok: aborted, status, ttftMs, error: error.message }));
      res.on('close', () => finish({ ok: aborted, status, ttftMs, ...(aborted ? {} : { error: 'connection closed early' }) }));
    });
    req.on('error', (error) => finish({ ok: aborted, status: 0, ttftMs: undefined, error: error.message }));
    abortRequest = () => {
      if (settled) return;
      aborted = true;
      req.destroy();
      finish({ ok: true, status: 0, ttftMs: undefined });
    };
    req.end(spec.body);
  });
  return { done, firstContent, abort: () => abortRequest() };
}

export const timeRequest = (spec: RequestSpec): Promise<Timing> => startRequest(spec).done;

/** Sends all at once and waits for every answer. */
export function runConcurrently(specs: RequestSpec[]): Promise<Timing[]> {
  return Promise.all(specs.map(timeRequest));
}

/** Closed loop: `workers` clients each send the next request as soon as the last answered, for `durationMs`. */
export async function closedLoop(nextSpec: (index: number) => RequestSpec, workers: number, durationMs: number): Promise<{ completed: number; failed: number; elapsedMs: number }> {
  const started = performance.now();
  const deadline = started + durationMs;
  let index = 0;
  let completed = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        const timing = await timeRequest(nextSpec(index++));
        if (timing.ok) completed += 1;
        else failed += 1;
      }
    }),
  );
  return { completed, failed, elapsedMs: performance.now() - started };
}

/** The p-th percentile (0–100) of unsorted values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export const median = (values: readonly number[]) => percentile(values, 50);
