// Time in the mock gateway: waits that an AbortSignal cuts short, and token pacing like a real model's.

/** How fast the mock model answers: time to first token, then tokens per second (`Infinity`: all at once). */
export interface Pacing {
  ttftMs?: number;
  tokensPerSecond?: number;
}

export const DEFAULT_PACING: Required<Pacing> = { ttftMs: 350, tokensPerSecond: 60 };

/** The abort error a browser's fetch rejects with: the signal's reason, else an `AbortError` DOMException. */
const abortReason = (signal: AbortSignal) =>
  signal.reason instanceof Error || signal.reason instanceof DOMException ? signal.reason : new DOMException('The operation was aborted.', 'AbortError');

/**
 * Resolves after `ms`, or rejects with the abort reason as soon as `signal` fires (immediately if it already did).
 *
 * @example
 * await sleep(300, init.signal);
 */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    if (ms <= 0 && !signal) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One thing to send: an SSE `data:` payload now, a wait for the next token's turn, or a wait for ever. */
export type StreamStep = { data: string } | { type: 'token'; data: string } | { type: 'hang' };

const encoder = new TextEncoder();

/**
 * A `text/event-stream` body sending `steps` in order: the first token after `ttftMs`, later tokens at
 * `tokensPerSecond` (grouped per timer tick, as a network would), `hang` until the consumer gives up. The body
 * errors with the abort reason when `signal` fires, as a browser's fetch body does, and stops producing.
 */
export function pacedEventStream(steps: readonly StreamStep[], pacing: Required<Pacing>, signal?: AbortSignal | null): ReadableStream<Uint8Array> {
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    wake?.();
  };
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });
  const hang = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  const millisecondsPerToken = Number.isFinite(pacing.tokensPerSecond) && pacing.tokensPerSecond > 0 ? 1000 / pacing.tokensPerSecond : 0;
  // A tick never shorter than a frame: pacing 1,000 tokens a second sends ~16 per event batch instead of 1,000 timers.
  const tickMs = Math.max(16, millisecondsPerToken);

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const onAbort = () => {
        if (stopped) return;
        stop();
        controller.error(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void (async () => {
        let firstTokenAt: number | undefined;
        let tokensSent = 0;
        let batch = '';
        const flush = () => {
          if (batch && !stopped) controller.enqueue(encoder.encode(batch));
          batch = '';
        };
        for (const step of steps) {
          if (stopped) return;
          if ('type' in step && step.type === 'hang') {
            flush();
            await hang();
            return;
          }
          if ('type' in step && step.type === 'token') {
            if (firstTokenAt === undefined) {
              flush();
              if (pacing.ttftMs > 0) await wait(pacing.ttftMs);
              firstTokenAt = Date.now();
            } else if (millisecondsPerToken > 0 && (tokensSent * millisecondsPerToken) > Date.now() - firstTokenAt) {
              flush();
              await wait(tickMs);
            }
            if (stopped) return;
            tokensSent += 1;
          }
          batch += `data: ${step.data}\n\n`;
        }
        flush();
        if (stopped) return;
        signal?.removeEventListener('abort', onAbort);
        stopped = true;
        controller.close();
      })();
    },
    cancel: stop,
  });
}
