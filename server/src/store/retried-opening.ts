/** How a gateway whose database does not open at start tries again: after `initialDelayMs`, doubling up to `maxDelayMs`. */
export interface DatabaseRetryOptions {
  /** The wait before the second try, in milliseconds. Default 1,000. */
  initialDelayMs?: number;
  /** The longest wait between two tries, in milliseconds. Default 30,000. */
  maxDelayMs?: number;
}

export const DEFAULT_DATABASE_RETRY: Required<DatabaseRetryOptions> = { initialDelayMs: 1_000, maxDelayMs: 30_000 };

/** Where an opening stands: on its first try, open, or failed (with when it tries again, unless it gave up). */
export type OpeningState<T> = { status: 'opening' } | { status: 'open'; value: T } | { status: 'failed'; error: unknown; tries: number; retryAt: number | undefined };

/** Something opened with `openWithRetry`. */
export interface RetriedOpening<T> {
  /** Resolves once a try opens it; rejects when it gives up (no retries) or is stopped before it opened. */
  readonly opened: Promise<T>;
  state(): OpeningState<T>;
  /** The state once the first try has settled: a request that comes while the first try runs waits for it. */
  settled(): Promise<Exclude<OpeningState<T>, { status: 'opening' }>>;
  /** Stops trying: `opened` rejects unless it resolved already; what a try under way opens after this is discarded. */
  stop(): void;
}

/** Why a stopped opening never opened, when its last try did not fail (it was stopped before or during one). */
export class OpeningStoppedError extends Error {
  constructor() {
    super('the gateway was closed before its database opened');
    this.name = 'OpeningStoppedError';
  }
}

/**
 * Opens something (the gateway's stores) and, while a try fails, tries again after a doubling wait capped at
 * `maxDelayMs` — a database started after the app opens without a restart. `retry: false` tries once. The waits never
 * keep a process alive on their own.
 *
 * @example
 * const opening = openWithRetry(() => openGatewayStores(options), { retry: DEFAULT_DATABASE_RETRY, onFailure, discard: (stores) => stores.close() });
 * const stores = await opening.opened;
 */
export function openWithRetry<T>(
  open: () => Promise<T>,
  options: {
    retry: Required<DatabaseRetryOptions> | false;
    /** Each failed try, with the wait before the next (undefined: it gives up). */
    onFailure(error: unknown, tries: number, retryInMs: number | undefined): void;
    /** Closes what a try opened after `stop()`. */
    discard(value: T): Promise<void>;
    /**
     * Whether a failure may pass with time (a database not up yet); one that cannot (a driver not installed, a
     * migration that fails) gives up at once. Default: every failure is tried again.
     */
    retryable?(error: unknown): boolean;
  },
): RetriedOpening<T> {
  let state: OpeningState<T> = { status: 'opening' };
  let stopped = false;
  let wake: (() => void) | undefined;
  let settle!: () => void;
  const firstTry = new Promise<void>((resolve) => (settle = resolve));
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const run = async (): Promise<T> => {
    const { retry } = options;
    let delay = retry ? Math.min(retry.initialDelayMs, retry.maxDelayMs) : 0;
    for (let tries = 1; ; tries += 1) {
      let value: T;
      try {
        value = await open();
      } catch (error) {
        const retryInMs = retry && !stopped && (options.retryable?.(error) ?? true) ? delay : undefined;
        state = { status: 'failed', error, tries, retryAt: retryInMs === undefined ? undefined : Date.now() + retryInMs };
        settle();
        options.onFailure(error, tries, retryInMs);
        if (retryInMs === undefined) throw error;
        await wait(retryInMs);
        if (stopped) {
          state = { status: 'failed', error, tries, retryAt: undefined };
          throw error;
        }
        delay = Math.min(delay * 2, retry ? retry.maxDelayMs : 0);
        continue;
      }
      if (stopped) {
        const error = new OpeningStoppedError();
        state = { status: 'failed', error, tries, retryAt: undefined };
        settle();
        await options.discard(value).catch(() => undefined);
        throw error;
      }
      state = { status: 'open', value };
      settle();
      return value;
    }
  };
  const opened = run();
  // Whoever reads `opened` handles its failure; the opening itself reports each one through `onFailure`.
  opened.catch(() => undefined);
  return {
    opened,
    state: () => state,
    async settled() {
      await firstTry;
      return state as Exclude<OpeningState<T>, { status: 'opening' }>;
    },
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
