import { SqliteAdapter, sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { isGoneProcess, type GatewayInstance } from '../gateway-instance.js';
import type { GatewayLogger } from '../logger.js';
import type { SqliteStatements } from '../store/database.js';
import type { Database, OpenRequestTable, UsageRecordTable } from '../store/schema.js';
import { CompiledBatch } from './compiled-batch.js';
import type { InFlightLog, OpenRequest, WorstCase } from './usage-record.js';

type OpenRow = Insertable<OpenRequestTable>;
type StandIn = Insertable<UsageRecordTable>;

/** The error code of the record that stands for a request whose instance stopped before writing its own. */
export const INSTANCE_LOST = 'instance_lost';

export interface OpenRequestsOptions {
  instance: GatewayInstance;
  /** How long after its last heartbeat an instance is taken for gone; it beats three times as often. */
  leaseMs: number;
  /**
   * SQLite's statements run at once (`OpenDatabase.statements`): a note of a request alone in its turn, its generation
   * and a worst case it reserved again are then written before `opened`/`named`/`reserved` return, with no turn of the
   * event loop. Without them (Postgres), notes are written in the next turn.
   */
  statements?: PromiseLike<SqliteStatements | undefined> | undefined;
  /** Hears of the records written for the requests of instances found gone (to reconcile those with a generation). */
  onRecovered?: (records: StandIn[]) => void;
  /**
   * Called after a round found instances gone (with or without requests in flight): what they left waiting for
   * OpenRouter's figures (their records `estimated`) has no one else to reconcile it.
   */
  onInstancesGone?: () => void;
  /** Told after each round how many instances beat on this database, this one among them. */
  onInstancesAlive?: (count: number) => void;
  logger?: GatewayLogger | undefined;
  now?: () => number;
}

const OPEN_COLUMNS = [
  'id', 'instance_id', 'project_id', 'endpoint', 'feature', 'user_id', 'client_key_id', 'requested_model', 'streamed', 'job_id', 'worst_case_usd',
  'worst_case_prompt_tokens', 'worst_case_completion_tokens', 'generation_id', 'started_at',
] as const satisfies ReadonlyArray<keyof OpenRow>;
const openValuesOf = (row: OpenRow): unknown[] => [
  row.id, row.instance_id, row.project_id, row.endpoint, row.feature, row.user_id, row.client_key_id, row.requested_model, row.streamed, row.job_id, row.worst_case_usd,
  row.worst_case_prompt_tokens, row.worst_case_completion_tokens, row.generation_id, row.started_at,
];
/** How long a generation named `soon` waits to be written: most requests end sooner, and their notes go unwritten. */
const NAME_SOON_MS = 1_000;
/** A generation named for a request in flight, as SQLite runs it at once. */
const NAME_NOW = 'update "open_requests" set "generation_id" = ? where "id" = ?';
/** A request's whole worst case, once it reserved more than its note said, as SQLite runs it at once. */
const RESERVED_NOW = 'update "open_requests" set "worst_case_usd" = ?, "worst_case_prompt_tokens" = ?, "worst_case_completion_tokens" = ?, "generation_id" = null where "id" = ?';
/** The most notes one insert writes (a turn with more writes several, in one transaction). */
const NOTES_PER_INSERT = 64;
/** Stand-ins written per insert when many requests of gone instances are recovered at once. */
const RECOVERY_BATCH = 200;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 30_000;

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * The requests in flight of one instance, noted in the ledger's database (`open_requests`) so that a crash cannot
 * lose them, and the heartbeat that says the instance is alive (`gateway_instances`). On SQLite a request waits for
 * its note before it is sent (a committed write survives a killed process in WAL mode): one alone in its turn of the
 * event loop is committed before `opened` returns (no round trip), or, while a transaction holds the connection, in
 * the next turn; once two start in one turn, the notes of each turn go in one insert in the next, one commit for them
 * all, until a turn holds one alone (a tenth off the CPU of a JSON chat at saturation: bench/findings.md, change 43).
 * On Postgres notes are written in the next turn of the event loop, those of a turn in one insert, alongside the
 * upstream calls: a few milliseconds behind them. The ledger removes a note in the write that
 * stores its request's record. Every
 * instance turns the notes of instances whose heartbeat stopped (or that are gone from this machine) into records:
 * at the worst case their caps reserved (`worst_case`), or `estimated` at it until reconciled when OpenRouter had
 * named the generation and the request reserved nothing more (`reserved`).
 * @example
 * const open = new OpenRequests(db, { instance, leaseMs: 30_000, onRecovered: (records) => reconcile(records) });
 * await open.start();
 */
export class OpenRequests implements InFlightLog {
  readonly #database: PromiseLike<Kysely<Database>>;
  readonly #options: Required<Omit<OpenRequestsOptions, 'logger' | 'onRecovered' | 'onInstancesGone' | 'onInstancesAlive' | 'statements'>> &
    Pick<OpenRequestsOptions, 'logger' | 'onRecovered' | 'onInstancesGone' | 'onInstancesAlive'>;
  /** On SQLite a request waits for its note (`opened` answers the write); known once the database is open. */
  #waitForNotes = false;
  #insert: CompiledBatch<OpenRow> | undefined;
  /** SQLite's statements, run at once. */
  #statements: SqliteStatements | undefined;
  /** The insert of one note, as SQLite runs it at once. */
  #insertOne: string | undefined;
  /**
   * Whether notes wait for the next turn, to go in one commit with the others of theirs: from a turn in which a second
   * request started, until a turn's write holds one note alone. Otherwise a note is committed before `opened` returns.
   */
  #batching = false;
  /** Whether a note of this turn was committed at once (cleared in the next turn). */
  #notedThisTurn = false;
  /** Requests noted whose record is not written yet. */
  readonly #open = new Set<string>();
  /** Notes and generation ids waiting to be written. */
  readonly #notes = new Map<string, OpenRow>();
  readonly #names = new Map<string, string>();
  /** Whole worst cases of requests that reserved more than their notes said, waiting to be written. */
  readonly #reserves = new Map<string, WorstCase>();
  /**
   * Requests whose records stand at their worst case for good (`reserved`): a generation named later is not noted, as
   * its figures alone are not the request's cost.
   */
  readonly #atWorstCase = new Set<string>();
  /** Generations named `soon`, written a second after the first of them unless their records come first. */
  readonly #namedSoon = new Map<string, string>();
  #soon: Deferred | undefined;
  #soonTimer: NodeJS.Timeout | undefined;
  #next: Deferred | undefined;
  #writing: Promise<void> | undefined;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #recovering: Promise<void> | undefined;
  /** When this instance started, by the clock the heartbeats are in (`now`): set by `start`. */
  #startedAt = 0;
  #closed = false;

  constructor(database: PromiseLike<Kysely<Database>>, options: OpenRequestsOptions) {
    this.#database = database;
    const { statements, ...rest } = options;
    this.#options = { now: Date.now, ...rest };
    const ready = Promise.all([database, statements]);
    ready.then(([db, sqlite]) => {
      this.#waitForNotes = db.getExecutor().adapter instanceof SqliteAdapter;
      this.#insert = new CompiledBatch(db, OPEN_COLUMNS, openValuesOf, (builder, rows) => builder.insertInto('open_requests').values(rows).onConflict((conflict) => conflict.column('id').doNothing()), NOTES_PER_INSERT);
      if (sqlite && this.#waitForNotes) {
        this.#statements = sqlite;
        this.#insertOne = this.#insert.sql(1);
      }
    }, () => undefined);
  }

  opened(request: OpenRequest): Promise<void> | undefined {
    if (this.#closed) return undefined;
    this.#open.add(request.requestId);
    // The spreads last: V8 builds a literal's properties that follow a spread in its runtime, one call each, on every
    // request (bench/findings.md, change 50).
    const note: OpenRow = {
      id: request.requestId,
      instance_id: this.#options.instance.id,
      generation_id: null,
      started_at: Math.round(request.startedAt),
      ...requestColumnsOf(request),
      ...worstCaseColumnsOf(request),
    };
    // One at a time, committed now (SQLite, outside a transaction, which the statement would join). Once two requests
    // start in one turn, written in the next turn with every note of it: one commit for them all.
    if (!this.#batching && this.#statements) {
      if (this.#notedThisTurn) this.#batching = true;
      else if (this.#writeNow(this.#insertOne, openValuesOf(note))) {
        this.#notedThisTurn = true;
        setImmediate(() => (this.#notedThisTurn = false));
        return undefined;
      }
    }
    this.#notes.set(note.id, note);
    const written = this.#schedule();
    // While notes fail to be written, requests go on without waiting for theirs.
    return this.#waitForNotes && this.#failures === 0 ? written : undefined;
  }

  named(requestId: string, generationId: string, when: 'now' | 'soon'): Promise<void> {
    if (!this.#open.has(requestId) || this.#atWorstCase.has(requestId)) return Promise.resolve();
    if (when === 'soon') {
      this.#namedSoon.set(requestId, generationId);
      this.#soon ??= deferred();
      if (this.#soonTimer === undefined) {
        this.#soonTimer = setTimeout(() => this.#nameSoon(), NAME_SOON_MS);
        this.#soonTimer.unref();
      }
      return this.#soon.promise;
    }
    this.#namedSoon.delete(requestId);
    const note = this.#notes.get(requestId);
    if (note) note.generation_id = generationId;
    else if (this.#writeNow(NAME_NOW, [generationId, requestId])) return Promise.resolve();
    else this.#names.set(requestId, generationId);
    return this.#schedule();
  }

  reserved(requestId: string, worstCase: WorstCase): Promise<void> | undefined {
    if (!this.#open.has(requestId)) return undefined;
    this.#atWorstCase.add(requestId);
    this.#namedSoon.delete(requestId);
    this.#names.delete(requestId);
    const columns = worstCaseColumnsOf(worstCase);
    const note = this.#notes.get(requestId);
    if (note) {
      Object.assign(note, columns, { generation_id: null });
      return undefined;
    }
    // Not while a write is under way: a generation it names would land after this and undo it.
    if (this.#writing === undefined && this.#writeNow(RESERVED_NOW, [columns.worst_case_usd, columns.worst_case_prompt_tokens, columns.worst_case_completion_tokens, requestId])) return undefined;
    this.#reserves.set(requestId, worstCase);
    const written = this.#schedule();
    return this.#waitForNotes && this.#failures === 0 ? written : undefined;
  }

  /** Writes the generations named `soon` of requests still in flight, with the next write. */
  #nameSoon(): void {
    this.#soonTimer = undefined;
    const waiting = this.#soon;
    this.#soon = undefined;
    for (const [requestId, generationId] of this.#namedSoon) {
      const note = this.#notes.get(requestId);
      if (note) note.generation_id = generationId;
      else this.#names.set(requestId, generationId);
    }
    this.#namedSoon.clear();
    const written = this.#names.size > 0 || this.#notes.size > 0 ? this.#schedule() : Promise.resolve();
    void written.then(() => waiting?.resolve());
  }

  /** Runs a statement at once on SQLite when it can; false when it must be queued instead. */
  #writeNow(sql: string | undefined, parameters: readonly unknown[]): boolean {
    const statements = this.#statements;
    if (!statements || sql === undefined || statements.inTransaction || this.#failures > 0) return false;
    try {
      statements.run(sql, parameters);
      return true;
    } catch (error) {
      // Queued, and written with the others (retried after a wait while it fails).
      this.#options.logger?.warn('a request in flight could not be noted at once; it is queued', { error });
      return false;
    }
  }

  /**
   * Inserts a turn's notes at once on SQLite's own connection, in one commit, by statements compiled once per count of
   * rows. False where it cannot (Postgres, a transaction open on the connection, a value the insert cannot bind):
   * Kysely's way then writes them.
   */
  #insertNow(notes: readonly OpenRow[]): boolean {
    const statements = this.#statements;
    if (!statements || !this.#insert || statements.inTransaction) return false;
    const batch = this.#insert.statements(notes);
    if (batch === undefined) return false;
    statements.runAll(batch);
    return true;
  }

  /** Whether a request has a note that its record's write must remove. */
  has(requestId: string): boolean {
    return this.#open.has(requestId);
  }

  /**
   * Resolves once no note of `requestIds` is being written or waits to be (one that cannot be written stays queued),
   * so that the write of their records, which removes their notes, comes after them.
   */
  async settled(requestIds: readonly string[]): Promise<void> {
    if (this.#writing) await this.#writing;
    if (!requestIds.some((id) => this.#notes.has(id))) return;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#next ??= deferred();
    await (this.#writing ??= this.#drain());
  }

  /** Their records are written (with the removal of their notes): they are no longer in flight, nor to be noted. */
  written(requestIds: readonly string[]): void {
    for (const id of requestIds) {
      this.#open.delete(id);
      this.#notes.delete(id);
      this.#names.delete(id);
      this.#namedSoon.delete(id);
      this.#reserves.delete(id);
      this.#atWorstCase.delete(id);
    }
  }

  /** Forgets a request whose record will never be written (the ledger dropped it): its note stays for a later start. */
  forget(requestId: string): void {
    this.#open.delete(requestId);
    this.#atWorstCase.delete(requestId);
  }

  /**
   * Says this instance is alive and turns what gone instances left into records, then does both every third of the
   * lease. Resolves once the first round is done (a failure is logged, and the next round tries again).
   */
  async start(): Promise<void> {
    this.#startedAt = this.#options.now();
    await this.#round();
    if (this.#closed) return;
    this.#heartbeat = setInterval(() => void this.#round(), Math.max(100, Math.floor(this.#options.leaseMs / 3)));
    this.#heartbeat.unref();
  }

  /**
   * Stops the heartbeat. With every request's record written, this instance's notes and heartbeat go (a note left is
   * one that landed after its record); otherwise they stay, marked gone at once, for another instance or the next
   * start to turn into records.
   */
  async close(everythingWritten: boolean): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#retry);
    // What is still in flight keeps its generation for the records written from its note.
    clearTimeout(this.#soonTimer);
    if (this.#namedSoon.size > 0) this.#nameSoon();
    await this.#recovering;
    if (this.#writing) await this.#writing;
    if (this.#notes.size > 0 || this.#names.size > 0 || this.#reserves.size > 0) {
      this.#next ??= deferred();
      await (this.#writing ??= this.#drain());
    }
    const { id } = this.#options.instance;
    // A database that never opened holds nothing of this instance: there is nothing to close, nor to warn about.
    const db = await Promise.resolve(this.#database).catch(() => undefined);
    if (db === undefined) return;
    try {
      // A request still open here never handed its record over (the host closed without draining): it stays noted.
      if (everythingWritten && this.#open.size === 0 && this.#notes.size === 0) {
        await db.deleteFrom('open_requests').where('instance_id', '=', id).execute();
        await db.deleteFrom('gateway_instances').where('id', '=', id).execute();
      } else {
        await db.updateTable('gateway_instances').set({ seen_until: 0 }).where('id', '=', id).execute();
      }
    } catch (error) {
      this.#options.logger?.warn('the requests in flight could not be closed in the database; another instance or the next start records what is left', { error });
    }
  }

  /** The next write, in the next turn of the event loop: what is noted until then goes with it. */
  #schedule(): Promise<void> {
    if (this.#next) return this.#next.promise;
    const next = (this.#next = deferred());
    if (this.#retry === undefined) setImmediate(() => void (this.#writing ??= this.#drain()));
    return next.promise;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#next) {
        const done = this.#next;
        this.#next = undefined;
        const notes = [...this.#notes.values()];
        const names = [...this.#names];
        const reserves = [...this.#reserves];
        this.#notes.clear();
        this.#names.clear();
        this.#reserves.clear();
        try {
          await this.#write(notes, names, reserves);
          this.#failures = 0;
          // A turn that started one request alone: the next ones are committed at once again.
          if (notes.length <= 1) this.#batching = false;
        } catch (error) {
          // Kept while their records are not written, and tried again after a wait that grows with each failure.
          for (const note of notes) if (this.#open.has(note.id) && !this.#notes.has(note.id)) this.#notes.set(note.id, note);
          for (const [id, generationId] of names) if (this.#open.has(id) && !this.#names.has(id) && !this.#atWorstCase.has(id)) this.#names.set(id, generationId);
          for (const [id, worstCase] of reserves) if (this.#open.has(id) && !this.#reserves.has(id)) this.#reserves.set(id, worstCase);
          this.#failures += 1;
          if (this.#failures === 1 || this.#failures % 20 === 0) this.#options.logger?.warn('requests in flight cannot be noted in the database; tried again', { notes: this.#notes.size, failures: this.#failures, error });
          if (!this.#closed) {
            this.#retry = setTimeout(() => {
              this.#retry = undefined;
              if (this.#notes.size > 0 || this.#names.size > 0 || this.#reserves.size > 0) void this.#schedule();
            }, Math.min(RETRY_MIN_MS * 2 ** (this.#failures - 1), RETRY_MAX_MS));
            this.#retry.unref();
          }
          // Its requests go on: a note that cannot be written must not hold them up.
          done.resolve();
          return;
        }
        done.resolve();
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #write(notes: OpenRow[], names: Array<[string, string]>, reserves: Array<[string, WorstCase]>): Promise<void> {
    const db = await this.#database;
    const insert = this.#insert as CompiledBatch<OpenRow>;
    if (names.length === 0 && reserves.length === 0) return this.#insertNow(notes) ? undefined : insert.run(notes);
    await db.transaction().execute(async (transaction) => {
      if (notes.length > 0) await insert.run(notes, transaction);
      if (names.length > 0) {
        const values = sql.join(names.map(([id, generationId]) => sql`(${id}, ${generationId})`));
        // One statement for every name, in both dialects (SQLite has no column list on a VALUES alias).
        await sql`with named (id, generation_id) as (values ${values})
          update open_requests set generation_id = (select named.generation_id from named where named.id = open_requests.id)
          where id in (select id from named)`.execute(transaction);
      }
      // After the names: a request that reserved again keeps no generation. Rare (a retry after a billed failure).
      for (const [id, worstCase] of reserves) {
        await transaction.updateTable('open_requests').set({ ...worstCaseColumnsOf(worstCase), generation_id: null }).where('id', '=', id).execute();
      }
    });
  }

  /** One heartbeat and one look for gone instances; never throws. */
  #round(): Promise<void> {
    this.#recovering ??= (async () => {
      try {
        await this.#beat();
        const { records, gone, alive } = await this.#recover();
        this.#options.onInstancesAlive?.(alive);
        if (records.length > 0) {
          this.#options.logger?.warn('requests in flight on a gateway instance that stopped are recorded at their worst case (reconciled where OpenRouter named the generation)', { records: records.length });
          this.#options.onRecovered?.(records);
        }
        if (gone > 0) this.#options.onInstancesGone?.();
      } catch (error) {
        this.#options.logger?.warn('the heartbeat of this gateway instance, or the look for stopped ones, failed; tried again', { error });
      } finally {
        this.#recovering = undefined;
      }
    })();
    return this.#recovering;
  }

  async #beat(): Promise<void> {
    const db = await this.#database;
    const { id, host, pid } = this.#options.instance;
    const seenUntil = this.#options.now() + this.#options.leaseMs;
    await db
      .insertInto('gateway_instances')
      .values({ id, host, pid, started_at: this.#startedAt, seen_until: seenUntil })
      .onConflict((conflict) => conflict.column('id').doUpdateSet({ seen_until: seenUntil }))
      .execute();
  }

  /**
   * Turns the notes of gone instances into records, in one transaction that removes the notes (an instance racing
   * for the same ones finds them gone), and forgets the instances. Answers the records written: a request whose record
   * is already there (written by a worker that took over its job) keeps it; how many instances were gone, and how
   * many beat.
   */
  async #recover(): Promise<{ records: StandIn[]; gone: number; alive: number }> {
    const db = await this.#database;
    const now = this.#options.now();
    const self = this.#options.instance;
    const instances = await db.selectFrom('gateway_instances').selectAll().execute();
    // Only a predecessor (its last heartbeat came before this instance started) is taken for gone by its process: a
    // sibling that beats still may share this host name and process id from another PID namespace (containers on the
    // host's network), where the process check cannot see it.
    const predecessor = (instance: { seen_until: number }) => instance.seen_until - this.#options.leaseMs < this.#startedAt;
    const alive = new Set(instances.filter((instance) => instance.id === self.id || (instance.seen_until >= now && !(predecessor(instance) && isGoneProcess(instance, self)))).map((instance) => instance.id));
    const holders = await db.selectFrom('open_requests').select('instance_id').distinct().execute();
    const gone = [...new Set([...instances.map((instance) => instance.id), ...holders.map((holder) => holder.instance_id)])].filter((id) => !alive.has(id));
    if (gone.length === 0) return { records: [], gone: 0, alive: alive.size };
    const records = await db.transaction().execute(async (transaction) => {
      // A row another instance holds in an open transaction (one paused, or frozen, mid-write) must not hold this
      // round, and the heartbeats and the start that wait for it, as long as it stays paused: the round gives up and
      // the next one tries again.
      if (!(db.getExecutor().adapter instanceof SqliteAdapter)) await sql`set local lock_timeout = ${sql.lit(`${RECOVERY_LOCK_WAIT_MS}ms`)}`.execute(transaction);
      const notes = await transaction.deleteFrom('open_requests').where('instance_id', 'in', gone).returningAll().execute();
      const written: StandIn[] = [];
      for (let start = 0; start < notes.length; start += RECOVERY_BATCH) {
        const standIns = notes.slice(start, start + RECOVERY_BATCH).map((note) => standInOf(note));
        const inserted = await transaction.insertInto('usage_records').values(standIns).onConflict((conflict) => conflict.column('id').doNothing()).returning('id').execute();
        const ids = new Set(inserted.map((row) => row.id));
        written.push(...standIns.filter((standIn) => ids.has(standIn.id)));
      }
      await transaction.deleteFrom('gateway_instances').where('id', 'in', gone).execute();
      return written;
    });
    return { records, gone: gone.length, alive: alive.size };
  }
}

/** What a request is, as its note and its usage record's row both keep it. */
export type RequestColumns = Pick<OpenRequestTable, 'project_id' | 'endpoint' | 'feature' | 'user_id' | 'client_key_id' | 'requested_model' | 'streamed' | 'job_id'>;

/**
 * The columns that say what a request is, from a note's request or a usage record (their fields have the same names).
 * @example
 * const row = { id: record.requestId, ...requestColumnsOf(record), status: record.status };
 */
export function requestColumnsOf(request: Pick<OpenRequest, 'projectId' | 'endpoint' | 'requestedModel' | 'streamed'> & { feature?: string | undefined; userId?: string | undefined; clientKeyId?: string | undefined; jobId?: string | undefined }): RequestColumns {
  return {
    project_id: request.projectId,
    endpoint: request.endpoint,
    feature: request.feature ?? null,
    user_id: request.userId ?? null,
    client_key_id: request.clientKeyId ?? null,
    requested_model: request.requestedModel,
    streamed: request.streamed ? 1 : 0,
    job_id: request.jobId ?? null,
  };
}

/** A note's worst-case columns. */
function worstCaseColumnsOf({ worstCaseUsd, worstCaseTokens }: WorstCase): Pick<OpenRow, 'worst_case_usd' | 'worst_case_prompt_tokens' | 'worst_case_completion_tokens'> {
  return { worst_case_usd: worstCaseUsd, worst_case_prompt_tokens: worstCaseTokens.prompt, worst_case_completion_tokens: worstCaseTokens.completion };
}

/** How long a recovery waits for a row another instance holds before it gives up until the next round. */
const RECOVERY_LOCK_WAIT_MS = 2_000;

/** The most tokens a record's row holds: the ledger's token columns, and their sum, are 32-bit integers on Postgres. */
const MAX_ROW_TOKENS = 2_147_483_647;

/**
 * The record of a request whose instance stopped with it in flight: nothing came back, so it stands at the worst case
 * its caps reserved, cost and tokens (a token cap seeded from the ledger counts it as the cap did); `estimated` at it
 * when OpenRouter had named its generation (reconciled later, with OpenRouter's figures), `worst_case` for good
 * otherwise. Its latency is unknown (0).
 */
function standInOf(note: Selectable<OpenRequestTable>): StandIn {
  const completion = Math.min(Number(note.worst_case_completion_tokens), MAX_ROW_TOKENS);
  const prompt = Math.min(Number(note.worst_case_prompt_tokens), MAX_ROW_TOKENS - completion);
  return {
    id: note.id,
    project_id: note.project_id,
    endpoint: note.endpoint,
    feature: note.feature,
    user_id: note.user_id,
    client_key_id: note.client_key_id,
    requested_model: note.requested_model,
    served_model: null,
    provider: null,
    generation_id: note.generation_id,
    status: 'error',
    streamed: note.streamed,
    prompt_tokens: prompt,
    completion_tokens: completion,
    reasoning_tokens: 0,
    image_count: null,
    image_resolution: null,
    cost_usd: note.worst_case_usd,
    cost_source: note.generation_id === null ? 'worst_case' : 'estimated',
    latency_ms: 0,
    time_to_first_token_ms: null,
    error_code: INSTANCE_LOST,
    cache_hit: 0,
    cost_saved_usd: null,
    guardrail_decisions: null,
    guardrail_cost_usd: null,
    attempts: 1,
    created_at: note.started_at,
    reconciled_at: null,
    job_id: note.job_id,
    failed_generations: null,
  };
}
