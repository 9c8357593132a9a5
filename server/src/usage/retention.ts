import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { GatewayLogger } from '../logger.js';
import type { Database } from '../store/schema.js';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  /** Records older than this many days are deleted. Default 90. */
  days?: number;
  /** Time between two runs. Default 1 hour. */
  intervalMs?: number;
  /** Wait before the first run, so a starting gateway does not also start deleting. Default 1 minute. */
  firstRunMs?: number;
  /** Rows per delete statement. Default 1,000. */
  batchSize?: number;
  /** Pause between two statements, so other queries get the database. Default 50 ms. */
  pauseMs?: number;
  logger?: GatewayLogger;
}

export interface UsageRetention {
  /** Deletes what is due now; resolves with the number of rows deleted. */
  runOnce(now?: number): Promise<number>;
  /** Cancels the schedule and waits for a run in progress to stop after its current batch. */
  stop(): Promise<void>;
}

/**
 * Deletes usage records older than `days`, `batchSize` rows per statement with a pause between them, so a
 * large backlog never holds a long lock. Run on every instance: concurrent runs only share the work.
 * @example
 * await deleteUsageBefore(db, Date.now() - 90 * 86_400_000);
 */
export async function deleteUsageBefore(db: Kysely<Database>, cutoff: number, options: { batchSize?: number; pauseMs?: number; signal?: AbortSignal } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 1_000;
  let total = 0;
  for (;;) {
    const result = await db
      .deleteFrom('usage_records')
      .where('id', 'in', (query) => query.selectFrom('usage_records').select('id').where('created_at', '<', cutoff).limit(batchSize))
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (deleted < batchSize || options.signal?.aborted) return total;
    await delay(options.pauseMs ?? 50, undefined, { ref: false });
  }
}

/**
 * Starts the retention schedule over a database that may still be opening.
 * @example
 * const retention = startUsageRetention(ready.then((stores) => stores.database.db), { days: 30 });
 * await retention.stop();
 */
export function startUsageRetention(database: Kysely<Database> | PromiseLike<Kysely<Database>>, options: RetentionOptions = {}): UsageRetention {
  const days = options.days ?? 90;
  if (!(days > 0)) throw new TypeError('usage retention: days must be a positive number');
  const intervalMs = options.intervalMs ?? 3_600_000;
  const abort = new AbortController();
  let running: Promise<number> | undefined;

  const runOnce = (now = Date.now()): Promise<number> => {
    running ??= Promise.resolve(database)
      .then((db) => deleteUsageBefore(db, now - days * DAY_MS, { ...options, signal: abort.signal }))
      .then((deleted) => {
        if (deleted > 0) options.logger?.info('usage retention deleted old records', { deleted, days });
        return deleted;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const tick = () => void runOnce().catch((error: unknown) => options.logger?.warn('usage retention failed; it runs again later', { error }));
  const first = setTimeout(tick, options.firstRunMs ?? 60_000);
  const every = setInterval(tick, intervalMs);
  first.unref();
  every.unref();

  return {
    runOnce,
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      abort.abort();
      await running?.catch(() => undefined);
    },
  };
}
