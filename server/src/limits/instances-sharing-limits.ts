import type { GatewayLogger } from '../logger.js';

/**
 * Watches how many gateway instances beat on one database while this one counts its limits in process: each then
 * counts only what it admitted itself, so together they may pass every rate limit and cap up to as many times as
 * there are instances. Says so in the log when the count grows, and in `GET /health` (a note: the instance still
 * serves), until they share Redis.
 * @example
 * const sharing = new InstancesSharingLimits(backend instanceof MemoryBackend, logger);
 * sharing.heard(2); // logs a warning naming REDIS_URL
 */
export class InstancesSharingLimits {
  #instances = 1;

  constructor(
    private readonly inProcess: boolean,
    private readonly logger: GatewayLogger,
  ) {}

  /** The number of instances that beat now, this one among them. */
  heard(count: number): void {
    const before = this.#instances;
    this.#instances = count;
    if (!this.inProcess || count <= 1 || count <= before) return;
    this.logger.warn(`${count} gateway instances share this database, but each counts rate limits and caps in its own process: together they may pass each one up to ${count} times. Give every instance the same REDIS_URL (limits.redisUrl).`, { instances: count });
  }

  /** What `GET /health` says of it, while it holds. */
  note(): string | undefined {
    if (!this.inProcess || this.#instances <= 1) return undefined;
    return `${this.#instances} instances share this database but count limits each in its own process, so together they may pass a limit up to ${this.#instances} times: set REDIS_URL on every instance`;
  }
}
