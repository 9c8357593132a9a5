import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

/** What one gateway instance serves right now. */
export interface InstanceReport {
  instanceId: string;
  hostname: string;
  pid: number;
  startedAt: number;
  reportedAt: number;
  requestsInFlight: number;
  streamsInFlight: number;
}

export interface InstanceConnectionsOptions {
  /** Live figures of this instance. */
  requestsInFlight: () => number;
  streamsInFlight: () => number;
  /** With Redis (a connection the caller owns), every instance reports there and each lists them all; without it, only this instance is known. */
  redis?: Redis | undefined;
  keyPrefix?: string;
  /** How often an instance reports. Default 5 s; an instance silent for three periods is gone. */
  reportEveryMs?: number;
  /** Whether this instance reports itself (an admin's tool that serves no request only reads the others). Default true. */
  report?: boolean;
}

/**
 * The connections of each gateway instance (requests and streams in flight). Instances report through Redis
 * every few seconds when it is set, so the admin view of any instance lists all of them; an instance that stops
 * reporting drops out of the list.
 * @example
 * const connections = new InstanceConnections({ requestsInFlight: () => lifecycle.inFlight, streamsInFlight: () => lifecycle.inFlightStreams, redis });
 * const instances = await connections.list();
 */
export class InstanceConnections {
  readonly instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #startedAt = Date.now();
  readonly #client: Redis | undefined;
  readonly #key: string;
  readonly #everyMs: number;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: InstanceConnectionsOptions) {
    this.#key = `${options.keyPrefix ?? 'insforge-ai:'}instances`;
    this.#everyMs = options.reportEveryMs ?? 5_000;
    this.#client = options.redis;
    if (options.redis && options.report !== false) {
      this.#timer = setInterval(() => void this.report().catch(() => undefined), this.#everyMs);
      this.#timer.unref();
      void this.report().catch(() => undefined);
    }
  }

  /** This instance's figures now. */
  current(): InstanceReport {
    return {
      instanceId: this.instanceId,
      hostname: hostname(),
      pid: process.pid,
      startedAt: this.#startedAt,
      reportedAt: Date.now(),
      requestsInFlight: this.options.requestsInFlight(),
      streamsInFlight: this.options.streamsInFlight(),
    };
  }

  /** Writes this instance's figures to Redis (done on a timer; tests call it to report at once). */
  async report(): Promise<void> {
    if (this.options.report === false) return;
    await this.#client?.hset(this.#key, this.instanceId, JSON.stringify(this.current()));
  }

  /** Every live instance, this one first; the others from Redis when set (an unreachable Redis lists only this one). */
  async list(): Promise<{ instances: InstanceReport[]; shared: boolean }> {
    const here = this.current();
    if (!this.#client) return { instances: [here], shared: false };
    let rows: Record<string, string>;
    try {
      rows = await this.#client.hgetall(this.#key);
    } catch {
      return { instances: [here], shared: false };
    }
    const staleBefore = Date.now() - 3 * this.#everyMs;
    const others: InstanceReport[] = [];
    const gone: string[] = [];
    for (const [id, row] of Object.entries(rows)) {
      if (id === this.instanceId) continue;
      const report = JSON.parse(row) as InstanceReport;
      if (report.reportedAt < staleBefore) gone.push(id);
      else others.push(report);
    }
    if (gone.length > 0) await this.#client.hdel(this.#key, ...gone).catch(() => undefined);
    others.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    return { instances: [here, ...others], shared: true };
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    if (!this.#client || this.options.report === false) return;
    await this.#client.hdel(this.#key, this.instanceId).catch(() => undefined);
  }
}
