import { randomBytes } from 'node:crypto';
import type { TokenCounts } from './billing.js';

export type GenerationKind = 'chat' | 'embeddings' | 'images';
export type GenerationStatus = 'running' | 'completed' | 'cancelled' | 'failed' | 'dropped';

/** What a generation was billed: its counts (absent optional ones were none) and what they cost. */
export interface BilledUsage extends TokenCounts {
  /** What the cache saved against the prompt price (negative when a write cost more). */
  cacheDiscount?: number;
  /** USD charged to the key. */
  cost: number;
}

/**
 * What a test can ask about one generation: what arrived, what was sent, whether and when the client hung up,
 * and what was billed. Times are epoch milliseconds with sub-millisecond precision.
 */
export interface GenerationProbe {
  id: string;
  kind: GenerationKind;
  requestedModel: string;
  model: string;
  provider: string;
  keyLabel: string;
  /** The request's `user` field (OpenRouter's `external_user`). */
  user: string | null;
  streamed: boolean;
  /** The request body as received. */
  request: unknown;
  /** Attribution headers as received (`http-referer`, `x-title`, `x-openrouter-title`); never the key. */
  headers: Record<string, string>;
  /** The scenario the request ran under, after merging every source. */
  scenario: Record<string, unknown>;
  startedAt: number;
  firstByteAt: number | null;
  endedAt: number | null;
  clientClosed: boolean;
  clientClosedAt: number | null;
  promptTokens: number;
  /** Completion tokens the full answer has. */
  plannedTokens: number;
  /** Completion tokens written to the client so far. */
  tokensSent: number;
  status: GenerationStatus;
  finishReason: string | null;
  nativeFinishReason: string | null;
  billed: BilledUsage | null;
}

export const now = (): number => performance.timeOrigin + performance.now();

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `gen-<unix seconds>-<20 alphanumerics>`, OpenRouter's id format. */
export function generationId(): string {
  const bytes = randomBytes(20);
  let suffix = '';
  for (const byte of bytes) suffix += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return `gen-${Math.floor(Date.now() / 1000)}-${suffix}`;
}

type Waiter = { id: string; test: (probe: GenerationProbe) => boolean; resolve: (probe: GenerationProbe) => void };

/** Every generation's probe, bounded so a long soak does not grow without limit; totals are kept apart. */
export class GenerationStore {
  readonly #probes = new Map<string, GenerationProbe>();
  readonly #availableAt = new Map<string, number>();
  #waiters: Waiter[] = [];
  #billedTotal = 0;
  #billedCount = 0;

  constructor(private readonly capacity = 20_000) {}

  start(probe: Omit<GenerationProbe, 'startedAt' | 'firstByteAt' | 'endedAt' | 'clientClosed' | 'clientClosedAt' | 'tokensSent' | 'status' | 'finishReason' | 'nativeFinishReason' | 'billed'>): GenerationProbe {
    const full: GenerationProbe = {
      ...probe,
      startedAt: now(),
      firstByteAt: null,
      endedAt: null,
      clientClosed: false,
      clientClosedAt: null,
      tokensSent: 0,
      status: 'running',
      finishReason: null,
      nativeFinishReason: null,
      billed: null,
    };
    this.#probes.set(full.id, full);
    this.#evict();
    return full;
  }

  get(id: string): GenerationProbe | undefined {
    return this.#probes.get(id);
  }

  list(filter: { model?: string; kind?: GenerationKind; status?: GenerationStatus } = {}): GenerationProbe[] {
    return [...this.#probes.values()].filter(
      (probe) =>
        (filter.model === undefined || probe.model === filter.model || probe.requestedModel === filter.model) &&
        (filter.kind === undefined || probe.kind === filter.kind) &&
        (filter.status === undefined || probe.status === filter.status),
    );
  }

  /** Marks the end of a generation, bills it once, and schedules its `/generation` record. */
  finish(probe: GenerationProbe, status: Exclude<GenerationStatus, 'running'>, billed: BilledUsage, recordDelayMs: number): void {
    if (probe.status !== 'running') return;
    probe.status = status;
    probe.endedAt = now();
    probe.billed = billed;
    this.#billedTotal += billed.cost;
    this.#billedCount += 1;
    this.#availableAt.set(probe.id, Date.now() + recordDelayMs);
    this.notify(probe);
  }

  clientClosed(probe: GenerationProbe): void {
    if (probe.clientClosed) return;
    probe.clientClosed = true;
    probe.clientClosedAt = now();
    this.notify(probe);
  }

  /** Whether `GET /generation` may show the record yet. */
  isAvailable(id: string): boolean {
    const at = this.#availableAt.get(id);
    return at !== undefined && Date.now() >= at;
  }

  /** USD billed over every generation since the start (or the last reset). */
  billedTotal(): { cost: number; generations: number } {
    return { cost: this.#billedTotal, generations: this.#billedCount };
  }

  /** Resolves once the probe satisfies `test` (checked on every change), or rejects after `timeoutMs`. */
  waitFor(id: string, test: (probe: GenerationProbe) => boolean, timeoutMs = 10_000): Promise<GenerationProbe> {
    const probe = this.#probes.get(id);
    if (probe && test(probe)) return Promise.resolve(probe);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        id,
        test,
        resolve: (done) => {
          clearTimeout(timer);
          resolve(done);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((other) => other !== waiter);
        const current = this.#probes.get(id);
        reject(new Error(`generation ${id} did not reach the awaited state within ${timeoutMs} ms (status ${current?.status ?? 'unknown'})`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Tells waiters that a probe changed. */
  notify(probe: GenerationProbe): void {
    if (this.#waiters.length === 0) return;
    const ready = this.#waiters.filter((waiter) => waiter.id === probe.id && waiter.test(probe));
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve(probe);
  }

  reset(): void {
    this.#probes.clear();
    this.#availableAt.clear();
    this.#billedTotal = 0;
    this.#billedCount = 0;
  }

  #evict(): void {
    if (this.#probes.size <= this.capacity) return;
    for (const [id, probe] of this.#probes) {
      if (this.#probes.size <= this.capacity) break;
      if (probe.status === 'running') continue;
      this.#probes.delete(id);
      this.#availableAt.delete(id);
    }
  }
}
