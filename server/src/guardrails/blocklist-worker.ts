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
 * works the same from `dist`, from source and inside a bundle. Each message is a slice of work on a text: the
 * patterns, where to start (pattern, window, end of the last span) and for how long. The worker keeps the text
 * between slices (a message carries it only the first time) and answers with the spans the slice found and where
 * to go on, or that the text is done (or why a pattern could not be compiled). Slot 0 of `workerData.current` holds
 * the index of the pattern running, for the thread that stops a runaway one.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const windowSpans = ${windowSpans.toString()};
const current = new Int32Array(workerData.current);
const compiled = new Map();
const texts = new Map();
parentPort.on('message', (slice) => {
  if (slice.forget !== undefined) return void texts.delete(slice.forget);
  if (slice.text !== undefined) texts.set(slice.id, slice.text);
  const text = texts.get(slice.id);
  if (text === undefined) return void parentPort.postMessage({ id: slice.id, lost: true });
  const began = performance.now();
  const spans = [];
  let { pattern: index, start, after } = slice.at;
  try {
    for (; index < slice.patterns.length; index += 1, start = 0, after = 0) {
      Atomics.store(current, 0, index);
      const pattern = slice.patterns[index];
      let regex = compiled.get(pattern.source);
      if (!regex) {
        if (compiled.size >= 1000) compiled.clear();
        regex = new RegExp('(?:' + pattern.source + ')', 'giu');
        compiled.set(pattern.source, regex);
      }
      for (const found of windowSpans(regex, text, pattern.edgeSensitive, slice.reach, slice.context, start, after)) {
        if (typeof found === 'object') {
          spans.push(found);
          after = found.end;
        } else if (performance.now() - began >= slice.sliceMs) {
          return void parentPort.postMessage({ id: slice.id, spans, at: { pattern: index, start: found, after }, elapsedMs: performance.now() - began });
        }
      }
    }
    texts.delete(slice.id);
    parentPort.postMessage({ id: slice.id, spans, elapsedMs: performance.now() - began });
  } catch (error) {
    texts.delete(slice.id);
    parentPort.postMessage({ id: slice.id, error: String(error && error.message || error) });
  }
});
`;

/** Where a text's screening goes on: the pattern, the start of its next window, and the end of its last span. */
interface Position {
  pattern: number;
  start: number;
  after: number;
}

/** A worker's answer to a slice: the spans it found, and where to go on unless the text is done. */
interface SliceAnswer {
  id: number;
  spans?: Span[];
  at?: Position;
  elapsedMs?: number;
  lost?: true;
  error?: string;
}

interface Job {
  id: number;
  owner: string;
  patterns: readonly WorkerPattern[];
  text: string;
  reach: number;
  context: number;
  signal: AbortSignal | undefined;
  resolve: (spans: Span[]) => void;
  reject: (error: Error) => void;
  spans: Span[];
  at: Position;
  /** Time the worker has spent on the text, against `budgetMs`. */
  usedMs: number;
  budgetMs: number;
  /** The worker that holds the text, if one does (a fresh worker is sent it again). */
  holder: Thread | undefined;
  running: boolean;
  onAbort: (() => void) | undefined;
}

interface Thread {
  worker: Worker;
  current: Int32Array;
  online: Promise<void>;
}

/** How long the worker works on one text before it takes the next waiting owner's: a long text waits its turn. */
const SLICE_MS = 10;
/** The same with no other text waiting: fewer round trips for a long text alone, and a newcomer waits 50 ms at most. */
const LONE_SLICE_MS = 50;
/** Past its budget, how long a slice may run before the worker is stopped (a slice stops itself between windows). */
const STOP_GRACE_MS = 20;

/** Whom a text is screened for, when a caller names nobody. */
const NOBODY = '';

/**
 * Runs blocklist patterns off the event loop, in one worker thread started on first use. The worker takes texts in
 * slices of `SLICE_MS` (`LONE_SLICE_MS` while no other text waits), taking turns between owners (a project's texts
 * are one owner's), so one owner's long texts delay another's by a slice, not by their whole screening. A text gets `budgetMs` of the worker's time for each
 * 25,600 characters its patterns read; past that, it is refused with a `PatternBudgetError` (and a worker stuck in one
 * window of it is terminated, which stops the pattern wherever it is, and a fresh worker goes on with the other
 * texts). A backtracking pattern can therefore cost a text its budget, never the gateway its event loop or another
 * owner their turn. A text whose `signal` aborts is dropped, waiting or between slices.
 * @example
 * const runner = new BlocklistWorker({ budgetMs: 100 });
 * await runner.find([{ source: 'promo\\d+', edgeSensitive: false }], 'use PROMO42', 256, 2); // [{ start: 4, end: 11 }]
 * await runner.close();
 */
export class BlocklistWorker {
  readonly budgetMs: number;
  #thread: Thread | undefined;
  /** Texts waiting, by owner, in the order owners take turns (an owner goes to the back once served). */
  readonly #waiting = new Map<string, Job[]>();
  #busy = false;
  #closed = false;
  #nextId = 0;

  constructor(options: { budgetMs?: number | undefined } = {}) {
    this.budgetMs = options.budgetMs ?? DEFAULT_PATTERN_BUDGET_MS;
  }

  /**
   * The spans the patterns match in the text, each pattern's in order (they may overlap one another). `owner` is whom
   * the text is screened for (texts of different owners take turns); `signal` drops the text when it aborts.
   */
  find(patterns: readonly WorkerPattern[], text: string, reach: number, context: number, options: { owner?: string | undefined; signal?: AbortSignal | undefined } = {}): Promise<Span[]> {
    if (this.#closed) return Promise.reject(new Error('the gateway is closed: its blocklist worker no longer runs'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const budgetMs = this.budgetMs * Math.max(1, Math.ceil((text.length * patterns.length) / BUDGET_UNIT));
      const job: Job = { id: (this.#nextId += 1), owner: options.owner ?? NOBODY, patterns, text, reach, context, signal, resolve, reject, spans: [], at: { pattern: 0, start: 0, after: 0 }, usedMs: 0, budgetMs, holder: undefined, running: false, onAbort: undefined };
      if (signal) {
        job.onAbort = () => {
          // A slice running finishes first; the text is dropped when it answers.
          if (!job.running) this.#drop(job, abortReason(signal));
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#enqueue(job);
      void this.#next();
    });
  }

  /** Stops the worker; texts still waiting are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const jobs of this.#waiting.values()) for (const job of [...jobs]) this.#settle(job, new Error('the gateway closed before this text was screened'));
    this.#waiting.clear();
    const thread = this.#thread;
    this.#thread = undefined;
    await thread?.worker.terminate();
  }

  #enqueue(job: Job): void {
    const jobs = this.#waiting.get(job.owner);
    if (jobs) jobs.push(job);
    else this.#waiting.set(job.owner, [job]);
  }

  /** The next owner's next text; the owner goes to the back of the turns. */
  #take(): Job | undefined {
    for (const [owner, jobs] of this.#waiting) {
      this.#waiting.delete(owner);
      const job = jobs.shift();
      if (jobs.length > 0) this.#waiting.set(owner, jobs);
      if (job) return job;
    }
    return undefined;
  }

  async #next(): Promise<void> {
    if (this.#busy || this.#closed) return;
    const job = this.#take();
    if (!job) return;
    this.#busy = true;
    job.running = true;
    try {
      const thread = this.#start();
      await thread.online;
      const answer = await this.#slice(thread, job);
      job.running = false;
      if (job.signal?.aborted) this.#drop(job, abortReason(job.signal));
      else this.#took(job, answer);
    } catch (error) {
      job.running = false;
      this.#settle(job, error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#busy = false;
      void this.#next();
    }
  }

  /** What a slice's answer means for its text: done, refused, or waiting for its next turn. */
  #took(job: Job, answer: SliceAnswer): void {
    if (answer.error !== undefined) return this.#settle(job, new Error(`a blocklist pattern could not run: ${answer.error}`));
    if (answer.lost) {
      job.holder = undefined;
      return this.#enqueue(job);
    }
    job.spans.push(...(answer.spans ?? []));
    job.usedMs += answer.elapsedMs ?? 0;
    if (!answer.at) return this.#settle(job, job.spans);
    job.at = answer.at;
    if (job.usedMs >= job.budgetMs) return this.#drop(job, this.#overrun(job));
    this.#enqueue(job);
  }

  #slice(thread: Thread, job: Job): Promise<SliceAnswer> {
    const remainingMs = job.budgetMs - job.usedMs;
    const sent = job.holder === thread;
    job.holder = thread;
    return new Promise<SliceAnswer>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        thread.worker.off('message', answer);
        thread.worker.off('exit', exited);
      };
      const answer = (message: SliceAnswer) => {
        if (message.id !== job.id) return;
        settle();
        resolve(message);
      };
      const exited = (code: number) => {
        settle();
        this.#forget(thread);
        reject(new Error(`the blocklist worker stopped (exit code ${code})`));
      };
      // A slice stops itself between windows; one that does not is stuck in a window, past the text's budget.
      const timer = setTimeout(() => {
        settle();
        job.at.pattern = Atomics.load(thread.current, 0);
        this.#forget(thread);
        void thread.worker.terminate();
        reject(this.#overrun(job));
      }, remainingMs + STOP_GRACE_MS);
      thread.worker.on('message', answer);
      thread.worker.once('exit', exited);
      const slice = { id: job.id, patterns: job.patterns, at: job.at, reach: job.reach, context: job.context, sliceMs: Math.min(this.#waiting.size > 0 ? SLICE_MS : LONE_SLICE_MS, remainingMs) };
      thread.worker.postMessage(sent ? slice : { ...slice, text: job.text });
    });
  }

  #overrun(job: Job): PatternBudgetError {
    const pattern = job.patterns[job.at.pattern] ?? job.patterns[0];
    return new PatternBudgetError(pattern?.source ?? '', job.budgetMs, job.text.length);
  }

  /** Ends a text between slices: the worker forgets it. */
  #drop(job: Job, error: Error): void {
    const jobs = this.#waiting.get(job.owner);
    const at = jobs?.indexOf(job) ?? -1;
    if (jobs && at >= 0) {
      jobs.splice(at, 1);
      if (jobs.length === 0) this.#waiting.delete(job.owner);
    }
    if (job.holder && job.holder === this.#thread) job.holder.worker.postMessage({ forget: job.id });
    job.holder = undefined;
    this.#settle(job, error);
  }

  #settle(job: Job, outcome: Span[] | Error): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
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

/** Why an aborted signal aborted, as an error. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}
