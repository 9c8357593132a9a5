import { Worker } from 'node:worker_threads';
import { windowSpans, type Span } from './window-spans.js';

/** A pattern as the worker runs it: its source, and whether it asserts something at a match's edges. */
export interface WorkerPattern {
  source: string;
  edgeSensitive: boolean;
}

/** How long the patterns of a blocklist may take on a text, by default, for each `BUDGET_UNIT` characters read. */
export const DEFAULT_PATTERN_BUDGET_MS = 100;
/** Characters a pattern reads (100 windows of a long text) for each budget: a normal pattern takes under 25 ms. */
const BUDGET_UNIT = 25_600;

/**
 * A blocklist's patterns ran past their budget on a text: the text was not screened. `pattern` is the one running
 * when the budget ran out.
 */
export class PatternBudgetError extends Error {
  constructor(
    readonly pattern: string,
    readonly budgetMs: number,
    readonly characters: number,
  ) {
    super(`the blocklist pattern ${JSON.stringify(pattern)} did not finish within ${budgetMs} ms on a text of ${characters} characters`);
    this.name = 'PatternBudgetError';
  }
}

/**
 * The worker's script. It is evaluated from this string rather than loaded from a file beside this module, so it
 * works the same from `dist`, from source and inside a bundle. Each message is a text and the patterns to run on
 * it; the answer is their spans (or why a pattern could not be compiled). Slot 0 of `workerData.current` holds the
 * index of the pattern running, for the thread that stops a runaway one.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const windowSpans = ${windowSpans.toString()};
const current = new Int32Array(workerData.current);
const compiled = new Map();
parentPort.on('message', (job) => {
  const spans = [];
  try {
    job.patterns.forEach((pattern, index) => {
      Atomics.store(current, 0, index);
      let regex = compiled.get(pattern.source);
      if (!regex) {
        if (compiled.size >= 1000) compiled.clear();
        regex = new RegExp('(?:' + pattern.source + ')', 'giu');
        compiled.set(pattern.source, regex);
      }
      for (const span of windowSpans(regex, job.text, pattern.edgeSensitive, job.reach, job.context)) if (span) spans.push(span);
    });
    parentPort.postMessage({ spans });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;

interface Job {
  patterns: readonly WorkerPattern[];
  text: string;
  resolve: (spans: Span[]) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  current: Int32Array;
  online: Promise<void>;
}

/**
 * Runs blocklist patterns off the event loop, in one worker thread started on first use, one text at a time. A
 * text gets `budgetMs` for each 25,600 characters its patterns read, from when the worker takes it; past that, the
 * worker is terminated (which stops the pattern wherever it is), the text is refused with a `PatternBudgetError`,
 * and the next text gets a fresh worker. A backtracking pattern can therefore cost a text its budget, never the
 * gateway its event loop.
 * @example
 * const runner = new BlocklistWorker({ budgetMs: 100 });
 * await runner.find([{ source: 'promo\\d+', edgeSensitive: false }], 'use PROMO42', 256, 2); // [{ start: 4, end: 11 }]
 * await runner.close();
 */
export class BlocklistWorker {
  readonly budgetMs: number;
  #thread: Thread | undefined;
  readonly #queue: Array<Job & { reach: number; context: number }> = [];
  #busy = false;
  #closed = false;

  constructor(options: { budgetMs?: number | undefined } = {}) {
    this.budgetMs = options.budgetMs ?? DEFAULT_PATTERN_BUDGET_MS;
  }

  /** The spans the patterns match in the text, each pattern's in order (they may overlap one another). */
  find(patterns: readonly WorkerPattern[], text: string, reach: number, context: number): Promise<Span[]> {
    if (this.#closed) return Promise.reject(new Error('the gateway is closed: its blocklist worker no longer runs'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ patterns, text, reach, context, resolve, reject });
      void this.#next();
    });
  }

  /** Stops the worker; texts still waiting are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('the gateway closed before this text was screened'));
    const thread = this.#thread;
    this.#thread = undefined;
    await thread?.worker.terminate();
  }

  async #next(): Promise<void> {
    if (this.#busy || this.#closed) return;
    const job = this.#queue.shift();
    if (!job) return;
    this.#busy = true;
    const thread = this.#start();
    try {
      await thread.online;
      job.resolve(await this.#run(thread, job));
    } catch (error) {
      job.reject(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#busy = false;
      void this.#next();
    }
  }

  #run(thread: Thread, job: Job & { reach: number; context: number }): Promise<Span[]> {
    const characters = job.text.length;
    const deadlineMs = this.budgetMs * Math.max(1, Math.ceil((characters * job.patterns.length) / BUDGET_UNIT));
    return new Promise<Span[]>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        thread.worker.off('message', answer);
        thread.worker.off('exit', exited);
      };
      const answer = (message: { spans?: Span[]; error?: string }) => {
        settle();
        if (message.spans) resolve(message.spans);
        else reject(new Error(`a blocklist pattern could not run: ${message.error ?? 'unknown error'}`));
      };
      const exited = (code: number) => {
        settle();
        this.#forget(thread);
        reject(new Error(`the blocklist worker stopped (exit code ${code})`));
      };
      const timer = setTimeout(() => {
        settle();
        const pattern = job.patterns[Atomics.load(thread.current, 0)] ?? job.patterns[0];
        this.#forget(thread);
        void thread.worker.terminate();
        reject(new PatternBudgetError(pattern?.source ?? '', deadlineMs, characters));
      }, deadlineMs);
      thread.worker.on('message', answer);
      thread.worker.once('exit', exited);
      thread.worker.postMessage({ patterns: job.patterns, text: job.text, reach: job.reach, context: job.context });
    });
  }

  #start(): Thread {
    if (this.#thread) return this.#thread;
    const current = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    // Until `close()` terminates it, it holds the process open, as the gateway's connections do.
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { current: current.buffer } });
    const online = new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    // A worker that fails to start is reported to the text waiting on it; no other error is left unhandled.
    worker.on('error', () => this.#forget(thread));
    const thread: Thread = { worker, current, online };
    this.#thread = thread;
    return thread;
  }

  #forget(thread: Thread): void {
    if (this.#thread === thread) this.#thread = undefined;
  }
}
