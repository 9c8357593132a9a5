import { sql, type Insertable, type Kysely } from 'kysely';
import type { GatewayLogger } from '../logger.js';
import { INTEGER_MAX, type Database, type UsageRecordTable } from '../store/schema.js';
import { CompiledBatch } from './compiled-batch.js';
import { estimateCost, type ModelPrices, type PriceLookup } from './estimate.js';
import { INSTANCE_LOST, OpenRequests, requestColumnsOf, type OpenRequestsOptions } from './open-requests.js';
import { GenerationReconciler, type GenerationFigures, type GenerationLookup, type ReconcileJob, type ReconcilerOptions, type ReconcilerStats } from './reconciler.js';
import type { InFlightLog, UsageRecord, UsageSink } from './usage-record.js';

export type UsageRow = Insertable<UsageRecordTable>;

export interface UsageLedgerOptions {
  /** Longest a record waits in memory before its batch is written. Default 250 ms. */
  flushIntervalMs?: number;
  /** Records per insert; a full batch is written at once. Default 200. */
  batchSize?: number;
  /** Records kept while the database cannot be written; beyond it new records are dropped and counted. Default 100,000. */
  maxBuffered?: number;
  /** Wait after a failed write, doubled per failure up to `retryMaxMs`. Defaults 250 ms and 30 s. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How long `close()` keeps trying to write what is left. Default 10 s. */
  closeTimeoutMs?: number;
  /** Prices for records without OpenRouter's cost; without it their estimate is 0 (still marked `estimated`). */
  prices?: PriceLookup;
  /** Longest wait for `prices` before estimating without them. Default 2 s. */
  pricesTimeoutMs?: number;
  /** Reconciles estimated records that carry a generation id with OpenRouter's figures. */
  reconcile?: Omit<ReconcilerOptions, 'apply' | 'gaveUp' | 'logger' | 'lookup'> & { lookup: GenerationLookup };
  /**
   * Notes the requests in flight of this instance in the database (`inFlight`), with its heartbeat, so that what a
   * crash leaves becomes records: see `OpenRequests`. `leaseMs`: how long after its last heartbeat an instance is
   * taken for gone.
   */
  openRequests?: Pick<OpenRequestsOptions, 'instance' | 'leaseMs' | 'statements' | 'onInstancesAlive' | 'now'>;
  logger?: GatewayLogger;
}

/** What the ledger holds and has done, for metrics and health checks. */
export interface UsageLedgerStats {
  /** Records taken but not yet written. */
  buffered: number;
  /** Records lost because the buffer was full (or the ledger closed). */
  dropped: number;
  written: number;
  /** Failed writes since the start; `lastWriteError` is the latest one's message. */
  writeFailures: number;
  lastWriteError: string | undefined;
  /** Reconciled figures waiting to be written. */
  pendingUpdates: number;
  reconciliation: ReconcilerStats;
}

interface Pending {
  record: UsageRecord;
  row?: Promise<UsageRow>;
  /** For a record whose cost adds up several generations (`UsageRecord.failedGenerations`): see `Parts`. */
  parts?: Parts;
  /** Times the database refused this record alone. */
  refusals?: number;
}

/**
 * The cost of a record that adds up several generations: its answer's (or its last attempt's) and those of attempts
 * that failed after OpenRouter answered 200. What is known so far, and the generations still to look up, each with the
 * estimate that stands for it if its lookup gives up.
 */
interface Parts {
  sum: GenerationFigures;
  waiting: Map<string, GenerationFigures>;
  /** Whether every part will be OpenRouter's own figure; `worst_case` when the answer's part is its worst case. */
  exact: boolean;
  worstCase: boolean;
}

/** A written row's guardrail cost while generations of its guardrails' calls wait for their lookup, each at its worst case. */
interface GuardrailParts {
  costUsd: number;
  waiting: Map<string, number>;
}

/** What a written row gets once lookups end: its cost and tokens, its guardrails' cost, or both. */
interface RowUpdate {
  job: ReconcileJob;
  at: number;
  /**
   * `of`: the one generation the figures are of, for a row that has no other (written only where the row still names
   * that generation alone: a row its own instance wrote again since, with the attempts it failed, keeps its sum).
   */
  cost?: { figures: GenerationFigures; source: 'reconciled' | 'estimated' | 'worst_case'; of?: string };
  guardrailCostUsd?: number;
}

const NO_FIGURES: GenerationFigures = { costUsd: 0, promptTokens: 0, completionTokens: 0, reasoningTokens: 0 };

/** Two generations' figures added up, the cost without float noise (as OpenRouter's own figures and estimates are). */
function plus(a: GenerationFigures, b: GenerationFigures): GenerationFigures {
  return { costUsd: Math.round((a.costUsd + b.costUsd) * 1e15) / 1e15, promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens, reasoningTokens: a.reasoningTokens + b.reasoningTokens };
}

/** The columns given, which must be every column of the ledger's row: a column a migration adds fails to compile here. */
function everyColumn<const Columns extends ReadonlyArray<keyof UsageRow>>(
  columns: Columns & ([Exclude<keyof UsageRow, Columns[number]>] extends [never] ? unknown : { missing: Exclude<keyof UsageRow, Columns[number]> }),
): Columns {
  return columns;
}

/** The ledger's columns, in the order of a row's values in an insert (`valuesOf`). */
const COLUMNS = everyColumn([
  'id', 'project_id', 'endpoint', 'feature', 'user_id', 'client_key_id', 'requested_model', 'served_model', 'provider', 'generation_id',
  'status', 'streamed', 'prompt_tokens', 'completion_tokens', 'reasoning_tokens', 'image_count', 'image_resolution', 'cost_usd', 'cost_source',
  'latency_ms', 'time_to_first_token_ms', 'error_code', 'cache_hit', 'cost_saved_usd', 'guardrail_decisions', 'guardrail_cost_usd', 'attempts',
  'created_at', 'reconciled_at', 'job_id', 'failed_generations',
]);

/** A row's values in `COLUMNS` order, each read by its name (a loop over the names would read every one megamorphically). */
const valuesOf = (row: UsageRow): unknown[] => [
  row.id, row.project_id, row.endpoint, row.feature, row.user_id, row.client_key_id, row.requested_model, row.served_model, row.provider, row.generation_id,
  row.status, row.streamed, row.prompt_tokens, row.completion_tokens, row.reasoning_tokens, row.image_count, row.image_resolution, row.cost_usd, row.cost_source,
  row.latency_ms, row.time_to_first_token_ms, row.error_code, row.cache_hit, row.cost_saved_usd, row.guardrail_decisions, row.guardrail_cost_usd, row.attempts,
  row.created_at, row.reconciled_at, row.job_id, row.failed_generations,
];

/**
 * The ledger's multi-row insert, compiled once per count of rows (`CompiledBatch`). The request id is the key: a batch
 * retried after an uncertain failure writes nothing twice. A request's own record replaces the one written for it when
 * its instance was taken for gone (`instance_lost`: an instance cut off from the database past its lease, a worker
 * that took over a job first).
 */
function ledgerInsert(db: Kysely<Database>): CompiledBatch<UsageRow> {
  const replaced = COLUMNS.filter((column) => column !== 'id');
  return new CompiledBatch<UsageRow>(db, COLUMNS, valuesOf, (builder, rows) =>
    builder
      .insertInto('usage_records')
      .values(rows)
      .onConflict((conflict) =>
        conflict
          .column('id')
          .doUpdateSet((excluded) => Object.fromEntries(replaced.map((column) => [column, excluded.ref(`excluded.${column}` as 'excluded.id')])))
          .where(sql.ref('usage_records.error_code'), '=', sql.lit(INSTANCE_LOST)),
      ),
  );
}

/** The delete of the in-flight notes of rows' requests, compiled once per count of rows (`CompiledBatch`). */
function notesRemoval(db: Kysely<Database>): CompiledBatch<Pick<UsageRow, 'id'>> {
  return new CompiledBatch<Pick<UsageRow, 'id'>>(db, ['id'], (row) => [row.id], (builder, rows) => builder.deleteFrom('open_requests').where('id', 'in', rows.map((row) => row.id)));
}

/**
 * A token count as the ledger's integer columns hold it: rounded, and at most `INTEGER_MAX`. No answer has two
 * billion tokens, but an upstream may say so (or a request's attempts may add up past it), and Postgres would refuse
 * the row for it: the record would be lost over a figure it can still show as the most its column holds.
 */
const tokenColumn = (count: number): number => Math.min(Math.round(count), INTEGER_MAX);

/** How far back a start looks for records still waiting for OpenRouter's figures (left by a process that stopped). */
const RESUME_WINDOW_MS = 3 * 24 * 60 * 60_000;
/** How long the generation of a request lost with its instance is looked for: OpenRouter may show it late. */
const LATE_LOOKUP_MS = 60 * 60_000;

async function isReachable(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a failed write blames the row written rather than the database: Postgres's data exceptions (`22…`) and
 * integrity constraint violations (`23…`), SQLite's constraint, type and size errors.
 */
function blamesTheRow(error: unknown): boolean {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && (/^2[23][0-9A-Z]{3}$/.test(code) || /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The usage ledger: one row per request in `usage_records`. `record()` only queues (no request waits for the
 * database); a timer writes batches in one multi-row insert. While the database is unreachable records stay
 * queued, up to a bound, and writes are retried with backoff; `close()` writes what it can. Records without
 * OpenRouter's cost are written at once as `estimated` and, when they name a generation, reconciled later.
 * @example
 * const ledger = new UsageLedger(database.db, { prices: catalogPrices(catalog, features) });
 * ledger.record(record);
 * await ledger.close();
 */
export class UsageLedger implements UsageSink {
  readonly #database: PromiseLike<Kysely<Database>>;
  readonly #options: Required<Omit<UsageLedgerOptions, 'prices' | 'reconcile' | 'logger' | 'openRequests'>>;
  readonly #prices: PriceLookup | undefined;
  readonly #logger: GatewayLogger | undefined;
  readonly #reconciler: GenerationReconciler | undefined;
  readonly #open: OpenRequests | undefined;
  #pending: Pending[] = [];
  #insert: CompiledBatch<UsageRow> | undefined;
  /** The delete of the notes of requests whose records are written. */
  #removeNotes: CompiledBatch<Pick<UsageRow, 'id'>> | undefined;
  readonly #updates = new Map<string, RowUpdate>();
  /** Written records that add up several generations, by request id, until their last lookup ends. */
  readonly #parts = new Map<string, Parts>();
  /** Whether `start` resumed what earlier processes left: later, each round that finds instances gone resumes again. */
  #started = false;
  /** Written records whose guardrails' calls have generations to look up, by request id. */
  readonly #guardrailParts = new Map<string, GuardrailParts>();
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerDueAt = 0;
  #retryAt = 0;
  #failuresInRow = 0;
  #closing = false;
  #databaseFailed = false;
  #closed = false;
  #dropped = 0;
  #written = 0;
  #writeFailures = 0;
  #lastWriteError: string | undefined;

  constructor(database: Kysely<Database> | PromiseLike<Kysely<Database>>, options: UsageLedgerOptions = {}) {
    this.#database = Promise.resolve(database);
    // A database that never opens is retried like an outage, never an unhandled rejection.
    this.#database.then(undefined, () => (this.#databaseFailed = true));
    this.#options = {
      flushIntervalMs: options.flushIntervalMs ?? 250,
      batchSize: options.batchSize ?? 200,
      maxBuffered: options.maxBuffered ?? 100_000,
      retryMinMs: options.retryMinMs ?? 250,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
      pricesTimeoutMs: options.pricesTimeoutMs ?? 2_000,
    };
    this.#prices = options.prices;
    this.#logger = options.logger;
    if (options.reconcile) {
      this.#reconciler = new GenerationReconciler({
        ...options.reconcile,
        apply: (job, figures) => this.#reconciled(job, figures),
        gaveUp: (job) => this.#partGaveUp(job),
        ...(options.logger ? { logger: options.logger } : {}),
      });
    }
    if (options.openRequests) {
      this.#open = new OpenRequests(this.#database, {
        ...options.openRequests,
        logger: options.logger,
        onRecovered: (records) => {
          for (const record of records) {
            if (record.generation_id) this.#reconciler?.schedule({ requestId: record.id, projectId: record.project_id, generationId: record.generation_id, lookUntil: Date.now() + LATE_LOOKUP_MS });
          }
        },
        // What a gone instance left estimated is taken up here and now, not at the next start of some instance (the
        // start resumes it anyway; a record another instance still reconciles is looked up twice, at most).
        onInstancesGone: () => {
          if (this.#started) void this.#resumeAfterGone();
        },
      });
    }
  }

  /** Where requests in flight are noted (see `UsageLedgerOptions.openRequests`); undefined without it. */
  get inFlight(): InFlightLog | undefined {
    return this.#open;
  }

  /**
   * Readies what a crash left, before requests are served: starts the heartbeat, records the requests that gone
   * instances left in flight, and resumes reconciling the records still waiting for OpenRouter's figures (a process
   * that stopped left them estimated). Never throws: a failure is logged.
   */
  async start(): Promise<void> {
    let db: Kysely<Database>;
    try {
      db = await this.#database;
    } catch {
      // The gateway reports a database that does not open.
      return;
    }
    try {
      await this.#open?.start();
      await this.#resume(db);
      this.#started = true;
    } catch (error) {
      this.#logger?.warn('the usage ledger could not resume what an earlier process left', { error });
    }
  }

  /** `#resume` once a round found instances gone; never throws (a failure is logged). */
  async #resumeAfterGone(): Promise<void> {
    try {
      await this.#resume(await this.#database);
    } catch (error) {
      this.#logger?.warn('the usage ledger could not resume what a stopped instance left', { error });
    }
  }

  /**
   * Schedules the reconciliation of the latest records still `estimated` with a generation id (not those that add up
   * several generations: their parts were known only to the process that wrote them), from the last 3 days.
   */
  async #resume(db: Kysely<Database>): Promise<void> {
    const reconciler = this.#reconciler;
    if (!reconciler) return;
    const rows = await db
      .selectFrom('usage_records')
      .select(['id', 'project_id', 'generation_id', 'created_at'])
      // Literals, as in the partial index that holds these rows: a bound value would not match its predicate.
      .where('cost_source', '=', sql.lit('estimated'))
      .where('reconciled_at', 'is', null)
      .where('generation_id', 'is not', null)
      .where('created_at', '>=', Date.now() - RESUME_WINDOW_MS)
      .where('failed_generations', 'is', null)
      .orderBy('created_at', 'desc')
      .limit(Math.floor(reconciler.capacity / 2))
      .execute();
    for (const row of rows) reconciler.schedule({ requestId: row.id, projectId: row.project_id, generationId: row.generation_id as string, lookUntil: row.created_at + LATE_LOOKUP_MS });
    if (rows.length > 0) this.#logger?.info('usage records an earlier process left estimated are reconciled again', { records: rows.length });
  }

  /** Queues one record; never waits and never throws. */
  record(record: UsageRecord): void {
    if (this.#closed || this.#pending.length >= this.#options.maxBuffered) {
      this.#dropped += 1;
      // Its note stays in the database: once this instance is gone, the request gets a record from it.
      this.#open?.forget(record.requestId);
      // One line per thousand, so an outage does not flood the log.
      if (this.#dropped % 1_000 === 1) this.#logger?.error('usage ledger dropped records: its buffer is full or it is closed', { dropped: this.#dropped, buffered: this.#pending.length });
      return;
    }
    this.#pending.push({ record });
    this.#schedule(this.#pending.length >= this.#options.batchSize ? 0 : this.#options.flushIntervalMs);
  }

  stats(): UsageLedgerStats {
    return {
      buffered: this.#pending.length,
      dropped: this.#dropped,
      written: this.#written,
      writeFailures: this.#writeFailures,
      lastWriteError: this.#lastWriteError,
      pendingUpdates: this.#updates.size,
      reconciliation: this.#reconciler?.stats() ?? { pending: 0, reconciled: 0, gaveUp: 0 },
    };
  }

  /** Writes what is queued now; resolves when the queue is empty or a write failed (then a retry is scheduled). */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
      if (this.#pending.length > 0 || this.#updates.size > 0) this.#schedule(this.#options.flushIntervalMs);
    });
    return this.#flushing;
  }

  /** Stops reconciling and writes what is left, retrying until `closeTimeoutMs`; later records are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closing = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#reconciler?.close();
    const deadline = Date.now() + this.#options.closeTimeoutMs;
    for (;;) {
      await this.flush();
      if ((this.#pending.length === 0 && this.#updates.size === 0) || this.#databaseFailed || Date.now() >= deadline) break;
      await sleep(Math.max(0, Math.min(this.#retryAt - Date.now(), deadline - Date.now())));
    }
    this.#closed = true;
    await this.#open?.close(this.#pending.length === 0 && this.#dropped === 0);
    const lost = this.#pending.length + this.#updates.size;
    if (lost > 0) this.#logger?.error('usage ledger closed with records it could not write', { records: this.#pending.length, updates: this.#updates.size, error: this.#lastWriteError });
  }

  #schedule(delayMs: number): void {
    if (this.#flushing || this.#closing) return;
    const dueAt = Math.max(Date.now() + delayMs, this.#retryAt);
    if (this.#timer && this.#timerDueAt <= dueAt) return;
    clearTimeout(this.#timer);
    this.#timerDueAt = dueAt;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, dueAt - Date.now());
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#updates.size > 0) {
      try {
        const db = await this.#database;
        if (this.#pending.length > 0) await this.#insertBatch(db, (this.#insert ??= ledgerInsert(db)));
        // Between batches too, so reconciled figures are not held back by steady traffic.
        if (this.#updates.size > 0) await this.#writeUpdates(db);
        this.#failuresInRow = 0;
        this.#retryAt = 0;
      } catch (error) {
        this.#failuresInRow += 1;
        this.#writeFailures += 1;
        this.#lastWriteError = error instanceof Error ? error.message : String(error);
        this.#retryAt = Date.now() + Math.min(this.#options.retryMinMs * 2 ** (this.#failuresInRow - 1), this.#options.retryMaxMs);
        if (this.#failuresInRow === 1 || this.#failuresInRow % 20 === 0) {
          this.#logger?.warn('usage ledger cannot write to the database; records stay buffered and the write is retried', { buffered: this.#pending.length, failures: this.#failuresInRow, error });
        }
        return;
      }
    }
  }

  async #insertBatch(db: Kysely<Database>, insert: CompiledBatch<UsageRow>): Promise<void> {
    const batch = this.#pending.slice(0, this.#options.batchSize);
    const rows = await Promise.all(batch.map((entry) => (entry.row ??= this.#toRow(entry))));
    try {
      await this.#store(db, insert, rows);
    } catch (error) {
      // An outage: keep everything and retry later. A database that answers refused something in this batch.
      if (!(await isReachable(db))) throw error;
      return this.#insertOneByOne(db, insert, batch, rows, error);
    }
    // Only this loop removes from the front, and `record()` only appends, so the batch is still the head.
    this.#pending.splice(0, batch.length);
    this.#wrote(rows, batch);
  }

  /** Inserts rows, and removes the notes of their requests in flight in the same transaction. */
  async #store(db: Kysely<Database>, insert: CompiledBatch<UsageRow>, rows: readonly UsageRow[]): Promise<void> {
    const open = this.#open;
    const noted = open ? rows.filter((row) => open.has(row.id)) : [];
    if (!open || noted.length === 0) return insert.run(rows);
    const ids = noted.map((row) => row.id);
    await open.settled(ids);
    const removeNotes = (this.#removeNotes ??= notesRemoval(db));
    await db.transaction().execute(async (transaction) => {
      await insert.run(rows, transaction);
      await removeNotes.run(noted, transaction);
    });
    open.written(ids);
  }

  /**
   * Writes a refused batch row by row, so one bad record cannot hold back the others; it is dropped after 3 refusals.
   * A row is refused when its error blames it (a constraint, a value), or when a row after it is written: a database
   * that answers but takes no writes (a full disk, a read-only standby after a failover) fails every row alike, and
   * that is an outage to wait out, not a bad record.
   */
  async #insertOneByOne(db: Kysely<Database>, insert: CompiledBatch<UsageRow>, batch: Pending[], rows: UsageRow[], batchError: unknown): Promise<void> {
    const settled = new Set<Pending>();
    const refuse = (entry: Pending, row: UsageRow, error: unknown) => {
      entry.refusals = (entry.refusals ?? 0) + 1;
      if (entry.refusals < 3) return;
      settled.add(entry);
      this.#dropped += 1;
      this.#open?.forget(row.id);
      this.#logger?.error('usage ledger dropped a record the database refuses', { requestId: row.id, error });
    };
    // Rows failed since the last one written, with their errors: refused only once a later row is written.
    let unproven: Array<{ entry: Pending; row: UsageRow; error: unknown }> = [];
    for (const [index, entry] of batch.entries()) {
      const row = rows[index] as UsageRow;
      try {
        await this.#store(db, insert, [row]);
        this.#wrote([row], [entry]);
        settled.add(entry);
        for (const failed of unproven) refuse(failed.entry, failed.row, failed.error);
        unproven = [];
      } catch (error) {
        if (blamesTheRow(error)) refuse(entry, row, error);
        else unproven.push({ entry, row, error });
      }
    }
    const kept = batch.filter((entry) => !settled.has(entry));
    this.#pending.splice(0, batch.length, ...kept);
    // Back off before trying the kept ones again, as after any failed write.
    if (kept.length > 0) throw batchError;
  }

  #wrote(rows: readonly UsageRow[], entries: readonly Pending[]): void {
    this.#written += rows.length;
    for (let index = 0; index < rows.length; index += 1) {
      const row = rows[index] as UsageRow;
      const parts = entries[index]?.parts;
      if (parts && parts.waiting.size > 0 && this.#reconciler) {
        this.#parts.set(row.id, parts);
        for (const generationId of parts.waiting.keys()) this.#reconciler.schedule({ requestId: row.id, projectId: row.project_id, generationId });
      } else if (row.cost_source === 'estimated' && row.generation_id) {
        const late = entries[index]?.record.lateGeneration === true;
        this.#reconciler?.schedule({ requestId: row.id, projectId: row.project_id, generationId: row.generation_id, ...(late ? { lookUntil: Date.now() + LATE_LOOKUP_MS } : {}) });
      }
      const guardrailGenerations = entries[index]?.record.guardrailGenerations;
      if (guardrailGenerations && guardrailGenerations.length > 0 && row.guardrail_cost_usd !== null && row.guardrail_cost_usd !== undefined && this.#reconciler) {
        this.#guardrailParts.set(row.id, { costUsd: row.guardrail_cost_usd, waiting: new Map(guardrailGenerations.map(({ generationId, worstCaseUsd }) => [generationId, worstCaseUsd])) });
        for (const { generationId } of guardrailGenerations) this.#reconciler.schedule({ requestId: row.id, projectId: row.project_id, generationId });
      }
    }
  }

  async #writeUpdates(db: Kysely<Database>): Promise<void> {
    const updates = [...this.#updates.values()].slice(0, this.#options.batchSize);
    await db.transaction().execute(async (transaction) => {
      for (const { job, at, cost, guardrailCostUsd } of updates) {
        let update = transaction
          .updateTable('usage_records')
          .set({
            ...(cost && {
              cost_usd: cost.figures.costUsd,
              cost_source: cost.source,
              prompt_tokens: tokenColumn(cost.figures.promptTokens),
              completion_tokens: tokenColumn(cost.figures.completionTokens),
              reasoning_tokens: tokenColumn(cost.figures.reasoningTokens),
            }),
            ...(guardrailCostUsd !== undefined && { guardrail_cost_usd: guardrailCostUsd }),
            reconciled_at: at,
          })
          .where('id', '=', job.requestId);
        if (cost?.of !== undefined) update = update.where('generation_id', '=', cost.of).where('failed_generations', 'is', null);
        await update.execute();
      }
    });
    // An update that changed while it was written (`#queueUpdate` replaces it) stays for the next write.
    for (const update of updates) if (this.#updates.get(update.job.requestId) === update) this.#updates.delete(update.job.requestId);
  }

  /** Queues figures for a written row, with those already queued for it that this does not replace. */
  #queueUpdate(job: ReconcileJob, change: Pick<RowUpdate, 'cost' | 'guardrailCostUsd'>): void {
    this.#updates.set(job.requestId, { ...this.#updates.get(job.requestId), ...change, job, at: Date.now() });
    this.#schedule(this.#options.flushIntervalMs);
  }

  #reconciled(job: ReconcileJob, figures: GenerationFigures): void {
    if (this.#guardrailPartEnded(job, figures.costUsd)) return;
    const parts = this.#parts.get(job.requestId);
    if (parts) return this.#partEnded(job, parts, figures, true);
    this.#queueUpdate(job, { cost: { figures, source: 'reconciled', of: job.generationId } });
  }

  /**
   * One of the generations of a record's guardrail calls was looked up (its cost replaces the worst case that stood
   * for it) or given up on (`costUsd` undefined: the worst case stands); false when the job is not one of them.
   */
  #guardrailPartEnded(job: ReconcileJob, costUsd: number | undefined): boolean {
    const parts = this.#guardrailParts.get(job.requestId);
    const worstCaseUsd = parts?.waiting.get(job.generationId);
    if (parts === undefined || worstCaseUsd === undefined) return false;
    parts.waiting.delete(job.generationId);
    if (parts.waiting.size === 0) this.#guardrailParts.delete(job.requestId);
    if (costUsd !== undefined) {
      parts.costUsd = Math.max(0, Math.round((parts.costUsd - worstCaseUsd + costUsd) * 1e15) / 1e15);
      this.#queueUpdate(job, { guardrailCostUsd: parts.costUsd });
    }
    return true;
  }

  /** A lookup of one of a record's several generations gave up: its estimate stands for it. */
  #partGaveUp(job: ReconcileJob): void {
    if (this.#guardrailPartEnded(job, undefined)) return;
    const parts = this.#parts.get(job.requestId);
    const estimate = parts?.waiting.get(job.generationId);
    if (parts && estimate) this.#partEnded(job, parts, estimate, false);
  }

  /** Adds one generation's figures to its record's; once none is awaited, the record's row gets the sum. */
  #partEnded(job: ReconcileJob, parts: Parts, figures: GenerationFigures, exact: boolean): void {
    if (!parts.waiting.delete(job.generationId)) return;
    parts.sum = plus(parts.sum, figures);
    parts.exact &&= exact;
    if (parts.waiting.size > 0) return;
    this.#parts.delete(job.requestId);
    this.#queueUpdate(job, { cost: { figures: parts.sum, source: parts.worstCase ? 'worst_case' : parts.exact ? 'reconciled' : 'estimated' } });
  }

  /**
   * The parts of a record that adds up several generations, from what it carries: its answer's figures (looked up
   * when they are an estimate and a generation id names them) and, per failed attempt, the prompt's estimate until
   * its generation is looked up, or the request's worst case where no generation id came.
   */
  #partsOf(record: UsageRecord, failed: ReadonlyArray<string | null>, answerCost: number, answerSource: UsageRow['cost_source'], prices: ModelPrices | undefined): Parts {
    const answer: GenerationFigures = { costUsd: answerCost, promptTokens: record.promptTokens, completionTokens: record.completionTokens, reasoningTokens: record.reasoningTokens };
    // A failed attempt sent the whole prompt and, as far as the gateway knows, got nothing back.
    const attempt: GenerationFigures = { ...NO_FIGURES, costUsd: estimateCost({ ...record, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, completionCharacters: 0 }, prices) };
    const parts: Parts = { sum: NO_FIGURES, waiting: new Map(), exact: answerSource !== 'worst_case', worstCase: answerSource === 'worst_case' };
    if (answerSource === 'estimated' && record.generationId !== undefined) parts.waiting.set(record.generationId, answer);
    else if (answerSource === 'estimated' && record.status !== 'ok') {
      // An error that names no generation of its own (nor a worst case): the last failed attempt, or a refusal after
      // one, which is among the failed generations. Nothing more was billed.
    } else {
      parts.sum = answer;
      parts.exact &&= answerSource !== 'estimated';
    }
    for (const generationId of failed) {
      if (generationId !== null && !parts.waiting.has(generationId)) parts.waiting.set(generationId, attempt);
      else if (generationId === null && record.failedWorstCaseUsd !== undefined) {
        // Nothing can ever be asked about it: its worst case stands for good, as for a request cancelled unanswered.
        parts.sum = plus(parts.sum, { ...NO_FIGURES, costUsd: record.failedWorstCaseUsd });
        parts.worstCase = true;
      } else {
        parts.sum = plus(parts.sum, attempt);
        parts.exact = false;
      }
    }
    return parts;
  }

  async #toRow(entry: Pending): Promise<UsageRow> {
    const { record } = entry;
    const hasCost = record.costUsd !== undefined && Number.isFinite(record.costUsd);
    const failed = record.failedGenerations ?? [];
    const prices = hasCost && failed.length === 0 ? undefined : await this.#pricesFor(record);
    let costUsd = hasCost ? (record.costUsd as number) : estimateCost(record, prices);
    let costSource: UsageRow['cost_source'] = !hasCost ? 'estimated' : record.costBasis === 'worst_case' ? 'worst_case' : 'upstream';
    let tokens = { promptTokens: record.promptTokens, completionTokens: record.completionTokens, reasoningTokens: record.reasoningTokens };
    if (failed.length > 0) {
      // Until every lookup ends, the row holds what is known plus the estimates of what is not.
      const parts = (entry.parts = this.#partsOf(record, failed, costUsd, costSource, prices));
      const estimate = [...parts.waiting.values()].reduce(plus, parts.sum);
      costUsd = estimate.costUsd;
      tokens = estimate;
      costSource = parts.worstCase ? 'worst_case' : 'estimated';
    }
    const startedAt = new Date(record.startedAt).getTime();
    // What the request is comes last: V8 builds a literal's properties that follow a spread in its runtime, one call
    // each (bench/findings.md, change 50).
    return {
      id: record.requestId,
      served_model: record.servedModel ?? null,
      provider: record.provider ?? null,
      generation_id: record.generationId ?? null,
      status: record.status,
      prompt_tokens: tokenColumn(tokens.promptTokens),
      completion_tokens: tokenColumn(tokens.completionTokens),
      reasoning_tokens: tokenColumn(tokens.reasoningTokens),
      image_count: record.imageCount ?? null,
      image_resolution: record.imageResolution ?? null,
      cost_usd: costUsd,
      cost_source: costSource,
      latency_ms: Math.round(record.latencyMs),
      time_to_first_token_ms: record.timeToFirstTokenMs === undefined ? null : Math.round(record.timeToFirstTokenMs),
      error_code: record.errorCode ?? null,
      cache_hit: record.cacheHit ? 1 : 0,
      cost_saved_usd: record.costSavedUsd ?? null,
      guardrail_decisions: record.guardrails?.length ? JSON.stringify(record.guardrails) : null,
      guardrail_cost_usd: record.guardrailCostUsd ?? null,
      attempts: record.attempts,
      created_at: Number.isFinite(startedAt) ? startedAt : Date.now(),
      reconciled_at: null,
      failed_generations: failed.length > 0 ? JSON.stringify(failed) : null,
      ...requestColumnsOf(record),
    };
  }

  async #pricesFor(record: UsageRecord): Promise<ModelPrices | undefined> {
    // Nothing reached OpenRouter: nothing to price, and no catalog call to make.
    if (!this.#prices || record.attempts === 0 || record.cacheHit) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#options.pricesTimeoutMs);
    });
    try {
      return await Promise.race([this.#prices(record).catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
