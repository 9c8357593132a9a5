import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** How often the offset to the database's clock is measured again (clocks drift, NTP steps them). */
const SYNC_INTERVAL_MS = 60_000;

/**
 * The database's clock, as this process reads it: the leases several instances compare (the heartbeats of the
 * requests in flight, the leases of batch jobs) are written and read in one clock, so an instance whose own clock is
 * ahead does not take the others for gone, and take over their jobs while they still run them. On Postgres the offset
 * to `clock_timestamp()` is measured at start and every minute (to within half a round trip); a SQLite file has its
 * machine's clock, the one every process that opens it reads.
 * @example
 * const clock = await DatabaseClock.start(db, 'postgres');
 * const leaseEnd = clock.now() + leaseMs;
 */
export class DatabaseClock {
  #offsetMs = 0;
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Kysely<Database> | undefined,
    private readonly localNow: () => number,
  ) {}

  /**
   * Measures the offset once (a failure leaves it at 0 and is tried again with the next measure), then every minute
   * in the background. SQLite: the local clock.
   */
  static async start(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', localNow: () => number = Date.now): Promise<DatabaseClock> {
    const clock = new DatabaseClock(dialect === 'postgres' ? db : undefined, localNow);
    if (clock.db) {
      await clock.sync().catch(() => undefined);
      clock.#timer = setInterval(() => void clock.sync().catch(() => undefined), SYNC_INTERVAL_MS);
      clock.#timer.unref();
    }
    return clock;
  }

  /** Epoch milliseconds by the database's clock. */
  readonly now = (): number => this.localNow() + this.#offsetMs;

  /** Measures the offset to the database's clock again. */
  async sync(): Promise<void> {
    if (!this.db) return;
    const sent = this.localNow();
    const { rows } = await sql<{ now: number | string }>`select (extract(epoch from clock_timestamp()) * 1000)::float8 as now`.execute(this.db);
    const received = this.localNow();
    const databaseNow = Number(rows[0]?.now);
    if (Number.isFinite(databaseNow)) this.#offsetMs = Math.round(databaseNow - (sent + received) / 2);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
