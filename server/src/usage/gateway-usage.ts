import { z } from 'zod';
import type { GatewayInstance } from '../gateway-instance.js';
import type { GatewayLogger } from '../logger.js';
import type { DatabaseClock } from '../store/database-clock.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import type { PriceLookup } from './estimate.js';
import { UsageLedger } from './ledger.js';
import type { GenerationFigures, GenerationLookup } from './reconciler.js';
import { startUsageRetention, type UsageRetention } from './retention.js';
import type { UsageSink } from './usage-record.js';

/** The gateway's `ledger` option: how usage is written, reconciled and kept. */
export interface UsageLedgerSettings {
  /** Default 250 ms. */
  flushIntervalMs?: number;
  /** Default 200 records per insert. */
  batchSize?: number;
  /** Records kept in memory while the database is down. Default 100,000. */
  maxBuffered?: number;
  /** Lookups of `GET /generation` for records without a cost, `false` to keep estimates. Defaults: 5 attempts from 1 s, doubling. */
  reconcile?: { attempts?: number; firstDelayMs?: number; maxDelayMs?: number } | false;
  /** Days usage is kept, `false` to keep it forever. Default 90. */
  retentionDays?: number | false;
  /** Time between retention runs. Default 1 hour. */
  retentionIntervalMs?: number;
}

/** Checks `UsageLedgerSettings`; the gateway validates its options with it before opening anything. */
export const usageLedgerSettingsSchema = z
  .object({
    flushIntervalMs: z.number().int().min(1).optional(),
    batchSize: z.number().int().min(1).max(1_000).optional(),
    maxBuffered: z.number().int().min(1).optional(),
    reconcile: z.union([z.literal(false), z.object({ attempts: z.number().int().min(1).max(20), firstDelayMs: z.number().int().min(1), maxDelayMs: z.number().int().min(1) }).partial().strict()]).optional(),
    retentionDays: z.union([z.literal(false), z.number().positive()]).optional(),
    retentionIntervalMs: z.number().int().min(1_000).optional(),
  })
  .strict();

/** The usage side of one gateway: its ledger (unless the host app brought its own sink) and retention. */
export interface GatewayUsage {
  /** Where the routes hand their records: the host app's sink, else the ledger. */
  readonly sink: UsageSink;
  /** The ledger, for its `stats()`; undefined when the host app passed its own sink. */
  readonly ledger: UsageLedger | undefined;
  /**
   * Resolves once what an earlier process left is taken care of (see `UsageLedger.start`): requests should wait for it,
   * so that caps seeded from the ledger count the requests a crash left. Never rejects.
   */
  readonly started: Promise<void>;
  /** Writes what the ledger holds and stops retention; call before the stores close. */
  close(): Promise<void>;
}

/** What the usage side needs from the rest of the gateway: ports, wired by `createAiGateway`. */
export interface GatewayUsagePorts {
  /** Prices for records without OpenRouter's cost. */
  prices: PriceLookup;
  /** Looks a generation up (`GET /generation` with the project's key). */
  lookupGeneration: GenerationLookup;
  /** Hears each reconciliation's outcome: the figures, or undefined when they could not be had. */
  onReconciled(generationId: string, figures: GenerationFigures | undefined): Promise<void>;
}

/**
 * Starts the ledger over the gateway's database (records that arrive while it opens wait in the ledger's buffer),
 * prices estimates, reconciles them through `lookupGeneration`, reports each outcome (a spend cap waits for it),
 * and schedules retention.
 * @example
 * const usage = startGatewayUsage(ready, { prices, lookupGeneration, onReconciled }, { sink: options.usage, settings: options.ledger, logger });
 */
export function startGatewayUsage(
  ready: Promise<GatewayStores>,
  ports: GatewayUsagePorts,
  options: {
    sink?: UsageSink | undefined;
    settings?: UsageLedgerSettings | undefined;
    /**
     * This gateway, how long after its last heartbeat an instance is taken for gone, and who hears how many instances
     * beat (see `UsageLedgerOptions.openRequests`).
     */
    instance?: { instance: GatewayInstance; leaseMs: number; onInstancesAlive?: (count: number) => void } | undefined;
    logger: GatewayLogger;
  },
): GatewayUsage {
  const parsed = usageLedgerSettingsSchema.safeParse(options.settings ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`createAiGateway: ledger.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const { reconcile, retentionDays, retentionIntervalMs, ...writing } = parsed.data;
  const { logger } = options;
  // Heartbeats in the database's clock, known once it is open (before the ledger starts, which waits for it).
  let clock: DatabaseClock | undefined;
  ready.then((stores) => (clock = stores.clock), () => undefined);
  const now = () => (clock ? clock.now() : Date.now());
  const database = ready.then((stores) => stores.database.db);
  // The gateway reports a database that cannot open; here it only must not become an unhandled rejection.
  database.catch(() => undefined);
  const newLedger = () =>
    new UsageLedger(database, {
        ...withoutUndefined(writing),
        prices: ports.prices,
        ...(reconcile === false
          ? {}
          : {
              reconcile: {
                ...withoutUndefined(reconcile ?? {}),
                lookup: async (job, signal) => {
                  const found = await ports.lookupGeneration(job, signal);
                  // A spend cap reserved the worst case for this request; the real figures now replace it.
                  if (typeof found === 'object') await ports.onReconciled(job.generationId, found);
                  else if (found === 'failed') await ports.onReconciled(job.generationId, undefined);
                  return found;
                },
              },
            }),
        ...(options.instance ? { openRequests: { ...options.instance, now, statements: ready.then((stores) => stores.database.statements) } } : {}),
        logger,
      });
  let ledger: UsageLedger | undefined;
  const sink = options.sink ?? (ledger = newLedger());
  const started = ledger?.start() ?? Promise.resolve();
  const retention: UsageRetention | undefined = retentionDays === false ? undefined : startUsageRetention(database, { days: retentionDays ?? 90, ...withoutUndefined({ intervalMs: retentionIntervalMs }), logger });
  return {
    sink,
    ledger,
    started,
    async close() {
      await retention?.stop();
      await ledger?.close();
    },
  };
}

/** The object without its undefined fields, as `exactOptionalPropertyTypes` options want them. */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
