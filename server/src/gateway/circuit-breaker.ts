import type { CircuitState } from '@insforge/ai-protocol';
import type { UpstreamFailure } from '../upstream/upstream-errors.js';
import type { AttemptObserver, AttemptOutcome } from './with-fallbacks.js';

/** A circuit's state: `closed` (calls pass), `open` (calls skip it), `half_open` (one probe at a time may pass). */
export type { CircuitState };

/** What a store keeps per circuit; times are epoch milliseconds, 0 when unset. */
export interface CircuitRecord {
  /** Consecutive failures while closed. */
  failures: number;
  /** Until when the circuit is open; after it, half-open. 0: closed. */
  openUntil: number;
  openedAt: number;
  /** Until when the current half-open probe holds the circuit; other calls wait for its answer. */
  probeUntil: number;
}

/** What a failure did: counted while closed, opened the circuit, opened it again after a failed probe, or nothing (already open). */
export type FailureEffect = 'counted' | 'opened' | 'reopened' | 'none';

/**
 * Where circuits live: in this process, or in Redis so every gateway instance sees a circuit open at once. Each
 * method is one atomic step; `key` is `model:<id>` or `provider:<name>`.
 */
export interface CircuitStore {
  /** Whether a call may go through now; in half-open, the first caller becomes the probe (for `probeMs`) and the rest wait. */
  admit(key: string, now: number, probeMs: number): Promise<boolean>;
  failure(key: string, now: number, threshold: number, openMs: number): Promise<FailureEffect>;
  /** A success closes a half-open circuit (`true` when it did) and resets the count of failures. */
  success(key: string, now: number): Promise<boolean>;
  /** Every circuit that has failed since the store started, with its record. */
  list(): Promise<Array<{ key: string; record: CircuitRecord }>>;
  close(): Promise<void>;
}

const CLOSED: CircuitRecord = { failures: 0, openUntil: 0, openedAt: 0, probeUntil: 0 };

/** The state a record is in at `now`. */
export function circuitStateOf(record: CircuitRecord, now: number): CircuitState {
  if (record.openUntil === 0) return 'closed';
  return now < record.openUntil ? 'open' : 'half_open';
}

/** Circuits in this process: for one gateway instance, and the reference the Redis store's scripts follow. */
export class MemoryCircuitStore implements CircuitStore {
  readonly #circuits = new Map<string, CircuitRecord>();

  async admit(key: string, now: number, probeMs: number): Promise<boolean> {
    const record = this.#circuits.get(key);
    if (!record || record.openUntil === 0) return true;
    if (now < record.openUntil || now < record.probeUntil) return false;
    record.probeUntil = now + probeMs;
    return true;
  }

  async failure(key: string, now: number, threshold: number, openMs: number): Promise<FailureEffect> {
    const record = this.#circuits.get(key) ?? { ...CLOSED };
    this.#circuits.set(key, record);
    if (record.openUntil > 0) {
      // A call that started before the circuit opened and failed after: nothing new.
      if (now < record.openUntil) return 'none';
      Object.assign(record, { openUntil: now + openMs, openedAt: now, probeUntil: 0 });
      return 'reopened';
    }
    record.failures += 1;
    if (record.failures < threshold) return 'counted';
    Object.assign(record, { failures: 0, openUntil: now + openMs, openedAt: now, probeUntil: 0 });
    return 'opened';
  }

  async success(key: string, now: number): Promise<boolean> {
    const record = this.#circuits.get(key);
    if (!record) return false;
    record.failures = 0;
    // Still open: a call that started before the circuit opened; the probe decides.
    if (record.openUntil === 0 || now < record.openUntil) return false;
    Object.assign(record, { openUntil: 0, probeUntil: 0 });
    return true;
  }

  async list(): Promise<Array<{ key: string; record: CircuitRecord }>> {
    return [...this.#circuits].map(([key, record]) => ({ key, record: { ...record } }));
  }

  async close(): Promise<void> {}
}

export interface CircuitSettings {
  /** Consecutive failures of a model that open its circuit. Default 5. */
  failureThreshold: number;
  /** Consecutive failures across a provider's models that open the provider's circuit. Default 15. */
  providerFailureThreshold: number;
  /** How long a circuit stays open before a probe may go through. Default 30 s. */
  openMs: number;
  /** How long one probe holds a half-open circuit before another caller may probe. Default 60 s. */
  probeMs: number;
}

export const DEFAULT_CIRCUIT_SETTINGS: CircuitSettings = { failureThreshold: 5, providerFailureThreshold: 15, openMs: 30_000, probeMs: 60_000 };

/** A circuit that opened (or opened again after a failed probe) or closed. */
export interface CircuitEvent {
  scope: 'model' | 'provider';
  name: string;
  state: 'open' | 'closed';
  at: Date;
}

export interface CircuitSnapshot {
  scope: 'model' | 'provider';
  name: string;
  state: CircuitState;
  /** Consecutive failures counted while closed. */
  failures: number;
  openedAt: Date | null;
  /** When an open circuit lets a probe through. */
  retryAt: Date | null;
}

export interface CircuitBreakersOptions {
  store?: CircuitStore;
  settings?: Partial<CircuitSettings>;
  onChange?: (event: CircuitEvent) => void;
  /** A store that fails lets calls through (a breaker must not stop traffic); this hears why. */
  onStoreError?: (error: unknown) => void;
  now?: () => number;
}

/** The provider part of an OpenRouter model id (`openai/gpt-4o` → `openai`); undefined for an id without one. */
export function providerOfModel(model: string): string | undefined {
  const slash = model.indexOf('/');
  return slash > 0 ? model.slice(0, slash) : undefined;
}

/**
 * Whether a failure says the model (or its provider) is unwell rather than the request being wrong: server
 * errors, timeouts, rate limits, dropped connections, a model gone or an unreadable answer count; a refused input,
 * a content policy, the operator's key or credit do not.
 */
export function countsAgainstCircuit(failure: UpstreamFailure): boolean {
  return failure.tryFallback && failure.error.code !== 'content_policy_violation';
}

/**
 * One circuit breaker per upstream model and per provider. Consecutive failures open a circuit; while open, the
 * fallbacks are tried instead without calling it; once `openMs` has passed one probe goes through, and its success
 * closes the circuit (a failure opens it again).
 * @example
 * const breakers = new CircuitBreakers({ store: new MemoryCircuitStore(), onChange: (event) => console.log(event) });
 * await withFallbacks(models, policy, signal, attempt, breakers.observer());
 */
export class CircuitBreakers {
  readonly settings: CircuitSettings;
  readonly #store: CircuitStore;
  readonly #now: () => number;

  constructor(private readonly options: CircuitBreakersOptions = {}) {
    this.settings = { ...DEFAULT_CIRCUIT_SETTINGS, ...options.settings };
    this.#store = options.store ?? new MemoryCircuitStore();
    this.#now = options.now ?? Date.now;
  }

  /** Whether `model` may be called now: its own circuit and its provider's must let it through. */
  async admits(model: string): Promise<boolean> {
    const now = this.#now();
    try {
      if (!(await this.#store.admit(`model:${model}`, now, this.settings.probeMs))) return false;
      const provider = providerOfModel(model);
      return provider === undefined || (await this.#store.admit(`provider:${provider}`, now, this.settings.probeMs));
    } catch (error) {
      this.options.onStoreError?.(error);
      return true;
    }
  }

  /** Counts how a call to `model` ended. */
  async record(model: string, outcome: AttemptOutcome): Promise<void> {
    if (outcome.aborted) return;
    if (!outcome.ok && (!outcome.failure || !countsAgainstCircuit(outcome.failure))) return;
    const provider = providerOfModel(model);
    const circuits: Array<[CircuitEvent['scope'], string, number]> = [['model', model, this.settings.failureThreshold]];
    if (provider !== undefined) circuits.push(['provider', provider, this.settings.providerFailureThreshold]);
    const now = this.#now();
    try {
      for (const [scope, name, threshold] of circuits) {
        const key = `${scope}:${name}`;
        if (outcome.ok) {
          if (await this.#store.success(key, now)) this.#emit({ scope, name, state: 'closed', at: new Date(now) });
        } else {
          const effect = await this.#store.failure(key, now, threshold, this.settings.openMs);
          if (effect === 'opened' || effect === 'reopened') this.#emit({ scope, name, state: 'open', at: new Date(now) });
        }
      }
    } catch (error) {
      this.options.onStoreError?.(error);
    }
  }

  /** The attempt observer `withFallbacks` takes: skips models whose circuit is open and counts each attempt. */
  observer(): Required<Pick<AttemptObserver, 'admits' | 'started'>> {
    return {
      admits: (model) => this.admits(model),
      started: (model) => (outcome) => void this.record(model, outcome),
    };
  }

  /** Every circuit that has failed, open ones first. */
  async snapshot(): Promise<CircuitSnapshot[]> {
    const now = this.#now();
    const order: Record<CircuitState, number> = { open: 0, half_open: 1, closed: 2 };
    const circuits = (await this.#store.list()).map(({ key, record }): CircuitSnapshot => {
      const [scope, ...rest] = key.split(':');
      const state = circuitStateOf(record, now);
      return {
        scope: scope === 'provider' ? 'provider' : 'model',
        name: rest.join(':'),
        state,
        failures: record.failures,
        openedAt: state === 'closed' || record.openedAt === 0 ? null : new Date(record.openedAt),
        retryAt: state === 'open' ? new Date(record.openUntil) : null,
      };
    });
    return circuits.sort((a, b) => order[a.state] - order[b.state] || a.name.localeCompare(b.name));
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  #emit(event: CircuitEvent): void {
    try {
      this.options.onChange?.(event);
    } catch (error) {
      this.options.onStoreError?.(error);
    }
  }
}
