import { randomUUID } from 'node:crypto';
import { sql, type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { Identity } from '../auth/identity.js';
import { INTEGER_MAX, type BatchJobItemTable, type BatchJobTable, type Database } from '../store/schema.js';

export type JobKind = BatchJobTable['kind'];
export type JobStatus = BatchJobTable['status'];
export type ItemStatus = BatchJobItemTable['status'];
export type JobRow = Selectable<BatchJobTable>;
export type ItemRow = Selectable<BatchJobItemTable>;

/** A job with its progress: items per status and the cost so far. */
export interface JobSummary {
  job: JobRow;
  counts: Record<ItemStatus, number>;
  costUsd: number;
}

export interface NewJob {
  identity: Identity;
  kind: JobKind;
  options: Record<string, unknown>;
  items: readonly unknown[];
  worstCaseUsd: number;
}

/** What a finished item leaves: its result and the figures of the request that made it. */
export interface ItemResult {
  output: unknown;
  requestId: string | undefined;
  generationId: string | undefined;
  model: string | undefined;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | undefined;
}

const EMPTY_COUNTS: Record<ItemStatus, number> = { pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
/** Jobs a worker may take: new ones, and running ones whose worker let its lease expire. */
const CLAIMABLE: JobStatus[] = ['queued', 'running'];
const INSERT_BATCH = 200;

/**
 * Batch jobs and their items in the gateway's database (SQLite or Postgres). The job row carries the lease of the
 * worker holding it (`locked_by`, `locked_until`), so the database itself is a durable queue; each item row carries
 * the generation id of its upstream request, written before the answer is read.
 */
export class JobStore {
  constructor(private readonly db: Kysely<Database>, private readonly now: () => number = Date.now) {}

  /** Writes a job and all its items at once (a job is never seen half-created). */
  async create(job: NewJob): Promise<JobRow> {
    return (await this.#insert(job, randomUUID())) as JobRow;
  }

  /**
   * Writes a job under an id of the caller's making (one derived from an idempotency key), unless a job has that id
   * already: then nothing is written and it answers undefined.
   */
  async createOnce(job: NewJob, id: string): Promise<JobRow | undefined> {
    return this.#insert(job, id);
  }

  /**
   * Deletes a job that no worker has taken yet, with its items: a job its queue could not be told of, whose creator
   * is told it was not created. False when a worker took it meanwhile (the queue had it after all) or it moved on.
   */
  async withdraw(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom('batch_jobs').where('id', '=', id).where('status', '=', 'queued').where('locked_by', 'is', null).executeTakeFirst();
      if (Number(deleted.numDeletedRows) !== 1) return false;
      // Gone with the job where foreign keys cascade; said outright for a database that does not enforce them.
      await trx.deleteFrom('batch_job_items').where('job_id', '=', id).execute();
      return true;
    });
  }

  /**
   * Jobs with work left that no live worker holds, oldest first: queued, running with an expired lease, or paused
   * until a time (`pausedUntil`). What a queue that keeps its own entries (BullMQ) offers again when its store is
   * back, since an offer may have been lost with it.
   */
  async waiting(limit: number): Promise<Array<{ id: string; pausedUntil: number | null }>> {
    const now = this.now();
    const rows = await this.db
      .selectFrom('batch_jobs')
      .select(['id', 'status', 'paused_until'])
      .where((eb) => eb.or([eb('status', 'in', CLAIMABLE), eb.and([eb('status', '=', 'paused'), eb('paused_until', 'is not', null)])]))
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: row.id, pausedUntil: row.status === 'paused' ? row.paused_until : null }));
  }

  /**
   * Jobs that have been ready for a worker since `before` and that no worker took: queued or running with no live
   * lease, or paused past their recheck time. A queue that keeps its own entries (BullMQ) offers them again, since
   * their entries may be gone: lost with a Redis that keeps nothing on disk while a worker held the job, which then
   * died.
   */
  async stranded(limit: number, before: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('batch_jobs')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', 'in', CLAIMABLE), eb.or([eb('locked_until', '<', before), eb.and([eb('locked_until', 'is', null), eb('updated_at', '<', before)])])]),
          eb.and([eb('status', '=', 'paused'), eb('paused_until', '<', before), eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', before)])]),
        ]),
      )
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  async #insert(job: NewJob, id: string): Promise<JobRow | undefined> {
    const now = this.now();
    const row: JobRow = {
      id,
      project_id: job.identity.projectId,
      user_id: job.identity.userId ?? null,
      client_key_id: job.identity.clientKeyId ?? null,
      role: job.identity.role,
      kind: job.kind,
      status: 'queued',
      status_reason: null,
      paused_until: null,
      options: JSON.stringify(job.options),
      total: job.items.length,
      worst_case_usd: job.worstCaseUsd,
      locked_by: null,
      locked_until: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    };
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx.insertInto('batch_jobs').values(row).onConflict((conflict) => conflict.column('id').doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return undefined;
      for (let start = 0; start < job.items.length; start += INSERT_BATCH) {
        const items = job.items.slice(start, start + INSERT_BATCH).map((input, offset) => ({
          job_id: row.id,
          position: start + offset,
          key: `${row.id}:${start + offset}`,
          status: 'pending' as const,
          input: JSON.stringify(input),
          attempts: 0,
          updated_at: now,
        }));
        await trx.insertInto('batch_job_items').values(items).execute();
      }
      return row;
    });
  }

  async get(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('batch_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * A project's jobs, newest first; with `owner`, only those of one user, or of one client key among the jobs of no
   * user (the filter comes before the limit, so a page holds as many of the caller's jobs as it asks for).
   */
  async list(filter: { projectId: string; owner?: { userId: string } | { clientKeyId: string }; limit: number }): Promise<JobRow[]> {
    let query = this.db.selectFrom('batch_jobs').selectAll().where('project_id', '=', filter.projectId);
    const { owner } = filter;
    if (owner && 'userId' in owner) query = query.where('user_id', '=', owner.userId);
    else if (owner) query = query.where('user_id', 'is', null).where('client_key_id', '=', owner.clientKeyId);
    return query.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).execute();
  }

  async summary(id: string): Promise<JobSummary | undefined> {
    const job = await this.get(id);
    if (!job) return undefined;
    const rows = await this.db
      .selectFrom('batch_job_items')
      .select(['status', sql<number>`count(*)`.as('count')])
      .where('job_id', '=', id)
      .groupBy('status')
      .execute();
    const counts = { ...EMPTY_COUNTS };
    for (const row of rows) counts[row.status] = Number(row.count);
    return { job, counts, costUsd: await this.#costOf(id) };
  }

  /**
   * What a job cost: its requests' usage records, as the ledger holds them — an item's attempts that failed after
   * reaching OpenRouter, the runs of an item tried again, items stopped mid-way, each estimated or at its worst case
   * until reconciled — plus the figures of finished items whose records are not written yet.
   */
  async #costOf(id: string): Promise<number> {
    const recorded = await this.db.selectFrom('usage_records').select(sql<number | null>`sum(cost_usd)`.as('cost')).where('job_id', '=', id).executeTakeFirst();
    const unrecorded = await this.db
      .selectFrom('batch_job_items')
      .leftJoin('usage_records', 'usage_records.id', 'batch_job_items.request_id')
      .select(sql<number | null>`sum(batch_job_items.cost_usd)`.as('cost'))
      .where('batch_job_items.job_id', '=', id)
      .where('usage_records.id', 'is', null)
      .executeTakeFirst();
    return Number(recorded?.cost ?? 0) + Number(unrecorded?.cost ?? 0);
  }

  async items(id: string, page: { offset: number; limit: number } = { offset: 0, limit: 100_000 }): Promise<ItemRow[]> {
    return this.db.selectFrom('batch_job_items').selectAll().where('job_id', '=', id).orderBy('position').offset(page.offset).limit(page.limit).execute();
  }

  /**
   * Takes the oldest job no live worker holds, for `leaseMs`: a compare-and-set on the lease it saw, so two
   * instances racing for one job never both get it.
   */
  async claim(workerId: string, leaseMs: number): Promise<JobRow | undefined> {
    for (let tries = 0; tries < 5; tries += 1) {
      const now = this.now();
      const candidate = await this.db
        .selectFrom('batch_jobs')
        .selectAll()
        .where((eb) => eb.or([eb('status', 'in', CLAIMABLE), eb.and([eb('status', '=', 'paused'), eb('paused_until', '<', now)])]))
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst();
      if (!candidate) return undefined;
      const seen = candidate.locked_until;
      const taken = await this.db
        .updateTable('batch_jobs')
        .set({ locked_by: workerId, locked_until: now + leaseMs, updated_at: now })
        .where('id', '=', candidate.id)
        .where('status', '=', candidate.status)
        .where((eb) => (seen === null ? eb('locked_until', 'is', null) : eb('locked_until', '=', seen)))
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) return { ...candidate, locked_by: workerId, locked_until: now + leaseMs };
    }
    return undefined;
  }

  /**
   * Takes one job's lease, if no live worker holds it and the job has work (queued, running, or paused past its
   * recheck time): for a queue that names the job itself (BullMQ), with the database lease as the one guard.
   */
  async claimById(id: string, workerId: string, leaseMs: number): Promise<JobRow | undefined> {
    const now = this.now();
    const taken = await this.db
      .updateTable('batch_jobs')
      .set({ locked_by: workerId, locked_until: now + leaseMs, updated_at: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('status', 'in', CLAIMABLE), eb.and([eb('status', '=', 'paused'), eb('paused_until', '<', now)])]))
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1 ? this.get(id) : undefined;
  }

  /** Extends the lease; false when the worker no longer holds it (it expired and another took the job). */
  async renew(id: string, workerId: string, leaseMs: number): Promise<boolean> {
    const now = this.now();
    const result = await this.db.updateTable('batch_jobs').set({ locked_until: now + leaseMs }).where('id', '=', id).where('locked_by', '=', workerId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Ends, as if they had lapsed, the live leases whose workers `isGone` says are gone: the next claim takes their jobs
   * as it takes those of a worker that stopped renewing. A compare-and-set on the lease seen, so a lease renewed or
   * taken meanwhile stays. Answers how many ended.
   */
  async expireLeases(isGone: (workerId: string) => boolean): Promise<number> {
    const now = this.now();
    const held = await this.db.selectFrom('batch_jobs').select(['id', 'locked_by', 'locked_until']).where('locked_until', '>=', now).execute();
    let ended = 0;
    for (const job of held) {
      if (job.locked_by === null || job.locked_until === null || !isGone(job.locked_by)) continue;
      const result = await this.db
        .updateTable('batch_jobs')
        .set({ locked_until: now - 1 })
        .where('id', '=', job.id)
        .where('locked_by', '=', job.locked_by)
        .where('locked_until', '=', job.locked_until)
        .executeTakeFirst();
      ended += Number(result.numUpdatedRows);
    }
    return ended;
  }

  async release(id: string, workerId: string): Promise<void> {
    await this.db.updateTable('batch_jobs').set({ locked_by: null, locked_until: null }).where('id', '=', id).where('locked_by', '=', workerId).execute();
  }

  /**
   * Cancels a job with work left: queued, running or paused, with an item not finished. `finished` when every item has
   * (its worker had yet to mark it completed, or died first): it is marked completed instead. `not-cancellable`
   * when it was completed or cancelled already.
   */
  async cancel(id: string, reason = 'Cancelled.'): Promise<'cancelled' | 'finished' | 'not-cancellable'> {
    const unfinished = this.db.selectFrom('batch_job_items').select('position').where('job_id', '=', id).where('status', 'in', ['pending', 'running']);
    if (await this.#transitionWhere(id, ['queued', 'running', 'paused'], 'cancelled', reason, (eb) => eb.exists(unfinished))) return 'cancelled';
    return (await this.#transitionWhere(id, ['queued', 'running', 'paused'], 'completed', null, (eb) => eb.not(eb.exists(unfinished)))) ? 'finished' : 'not-cancellable';
  }

  /**
   * Cancels the jobs a client key created that have work left, as `cancel` and `cancelUnfinished` cancel one, with
   * `reason`; returns how many. The workers running them abort their items in flight at their next look.
   */
  async cancelOfClientKey(projectId: string, clientKeyId: string, reason: string): Promise<number> {
    const jobs = await this.db.selectFrom('batch_jobs').select('id').where('project_id', '=', projectId).where('client_key_id', '=', clientKeyId).where('status', 'in', ['queued', 'running', 'paused']).execute();
    let cancelled = 0;
    for (const { id } of jobs) {
      if ((await this.cancel(id, reason)) !== 'cancelled') continue;
      await this.cancelUnfinished(id);
      cancelled += 1;
    }
    return cancelled;
  }

  /** Moves a job to `status` if it is in one of `from`; false when it was not (cancelled meanwhile, say). */
  async transition(id: string, from: readonly JobStatus[], status: JobStatus, reason: string | null = null, pausedUntil: number | null = null): Promise<boolean> {
    return this.#transitionWhere(id, from, status, reason, undefined, pausedUntil);
  }

  async #transitionWhere(id: string, from: readonly JobStatus[], status: JobStatus, reason: string | null, condition: ((eb: ExpressionBuilder<Database, 'batch_jobs'>) => Expression<SqlBool>) | undefined, pausedUntil: number | null = null): Promise<boolean> {
    const now = this.now();
    const finished = status === 'completed' || status === 'cancelled';
    let query = this.db
      .updateTable('batch_jobs')
      .set({ status, status_reason: reason, paused_until: pausedUntil, updated_at: now, ...(finished ? { finished_at: now } : {}) })
      .where('id', '=', id)
      .where('status', 'in', [...from]);
    if (condition) query = query.where(condition);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Takes the next pending item of a job (compare-and-set, so no item is started twice). */
  async startNext(jobId: string): Promise<ItemRow | undefined> {
    for (let tries = 0; tries < 5; tries += 1) {
      const item = await this.db.selectFrom('batch_job_items').selectAll().where('job_id', '=', jobId).where('status', '=', 'pending').orderBy('position').limit(1).executeTakeFirst();
      if (!item) return undefined;
      const result = await this.#updateItem(item, ['pending'], { status: 'running', attempts: item.attempts + 1, sent_at: null, generation_id: null });
      if (result) return { ...item, status: 'running', attempts: item.attempts + 1, sent_at: null, generation_id: null };
    }
    return undefined;
  }

  /**
   * Starts another attempt of an item its worker tries again in place (a transient failure, after its backoff):
   * counted as `startNext` counts one, and with no trace of the failed attempt's request, whose record the ledger holds.
   * Undefined when the item is not running any more (its job was cancelled on another instance meanwhile): not sent.
   */
  async startAgain(item: ItemRow, countAttempt = true): Promise<ItemRow | undefined> {
    const again = { attempts: item.attempts + (countAttempt ? 1 : 0), sent_at: null, generation_id: null };
    return (await this.#updateItem(item, ['running'], again)) ? { ...item, ...again } : undefined;
  }

  /**
   * Marks an item between two attempts (its worker waits to try it again): none of its requests is in flight, so a
   * worker taking over after a crash runs it again, as this one would have. The failed attempt's record, or the note
   * that becomes it, holds what that attempt cost.
   */
  async endAttempt(item: ItemRow): Promise<void> {
    await this.#updateItem(item, ['running'], { sent_at: null, generation_id: null });
  }

  /** Items a worker was running when it died (the job's lease expired with them still running). */
  async running(jobId: string): Promise<ItemRow[]> {
    return this.db.selectFrom('batch_job_items').selectAll().where('job_id', '=', jobId).where('status', '=', 'running').orderBy('position').execute();
  }

  /**
   * Marks the moment an item goes upstream, with the id of its request (its usage record's): from here until its
   * generation id is known, OpenRouter may have it. The cost of an earlier run (an item retried) goes with that run's
   * request: the ledger holds it, and the job's cost would count it twice as this request's until the answer.
   */
  async markSent(item: ItemRow, requestId: string): Promise<void> {
    await this.#updateItem(item, ['running'], { sent_at: this.now(), request_id: requestId, cost_usd: null });
  }

  /** Persists the generation of an item's request; the answer is read only once this is durable. */
  async markGeneration(item: ItemRow, generationId: string): Promise<void> {
    await this.#updateItem(item, ['running'], { generation_id: generationId });
  }

  async complete(item: ItemRow, result: ItemResult): Promise<void> {
    await this.#updateItem(item, ['running'], {
      status: 'done',
      output: JSON.stringify(result.output),
      error_code: null,
      error: null,
      request_id: result.requestId ?? null,
      generation_id: result.generationId ?? null,
      model: result.model ?? null,
      prompt_tokens: result.promptTokens,
      completion_tokens: result.completionTokens,
      cost_usd: result.costUsd ?? null,
    });
  }

  /**
   * Keeps an item with its error: the job's dead-letter list. `costUsd` is what it was billed anyway. False when the
   * item was not running or pending any more (another worker settled it).
   */
  async fail(item: ItemRow, error: { code: string; message: string; costUsd?: number | undefined; requestId?: string | undefined }): Promise<boolean> {
    // Without a request of its own, the item keeps the one it was sent with: its usage record's.
    return this.#updateItem(item, ['running', 'pending'], { status: 'failed', error_code: error.code, error: error.message, cost_usd: error.costUsd ?? null, ...(error.requestId !== undefined ? { request_id: error.requestId } : {}) });
  }

  /** Puts a running item back in line (a rate limit, a pause, a lost lease): nothing was billed for it. */
  async requeue(item: ItemRow, keepAttempt: boolean): Promise<void> {
    await this.#updateItem(item, ['running'], { status: 'pending', sent_at: null, generation_id: null, ...(keepAttempt ? {} : { attempts: Math.max(0, item.attempts - 1) }) });
  }

  /** An item stopped by its job's cancellation. */
  async cancelItem(item: ItemRow, requestId: string | undefined): Promise<void> {
    await this.#updateItem(item, ['running'], { status: 'cancelled', ...(requestId !== undefined ? { request_id: requestId } : {}) });
  }

  /** Whether the usage ledger already holds a record of a generation (its worker wrote one before it stopped). */
  async ledgerHas(generationId: string): Promise<boolean> {
    // Every job item's record carries its job id: the partial index on generation ids holds only those.
    const row = await this.db.selectFrom('usage_records').select('id').where('generation_id', '=', generationId).where('job_id', 'is not', null).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Whether a request left a trace that becomes, or is, its usage record: its note in flight (`open_requests`), or
   * its record. The note is read first: the write that turns it into a record removes it in the same transaction.
   */
  async requestTraced(requestId: string): Promise<boolean> {
    const note = await this.db.selectFrom('open_requests').select('id').where('id', '=', requestId).executeTakeFirst();
    if (note) return true;
    return (await this.db.selectFrom('usage_records').select('id').where('id', '=', requestId).executeTakeFirst()) !== undefined;
  }

  /**
   * Cancels every item not finished yet, those in flight too; returns how many. An item in flight may be held by a
   * worker that died, and no worker takes a cancelled job over to settle it: left running, it would stay so for good.
   * A live worker aborts its own at its next look at the job; each keeps its request's id, so its record counts in
   * the job's cost.
   */
  async cancelUnfinished(jobId: string): Promise<number> {
    const result = await this.db.updateTable('batch_job_items').set({ status: 'cancelled', updated_at: this.now() }).where('job_id', '=', jobId).where('status', 'in', ['pending', 'running']).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Puts failed items (all, or the listed positions) back in line with a fresh attempt count; returns how many. None of
   * a cancelled job's (cancelled after its caller read it): no worker would run them, and they would stay pending.
   */
  async retryFailed(jobId: string, positions?: readonly number[]): Promise<number> {
    let query = this.db
      .updateTable('batch_job_items')
      .set({ status: 'pending', attempts: 0, error: null, error_code: null, sent_at: null, generation_id: null, updated_at: this.now() })
      .where('job_id', '=', jobId)
      .where('status', '=', 'failed')
      .where((eb) => eb.exists(eb.selectFrom('batch_jobs').select('id').where('id', '=', jobId).where('status', '!=', 'cancelled')));
    // A position past what the column holds names no item.
    const named = positions?.filter((position) => position <= INTEGER_MAX);
    if (named) query = query.where('position', 'in', named.length > 0 ? named : [-1]);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async #updateItem(item: Pick<ItemRow, 'job_id' | 'position'>, from: ItemStatus[], values: Partial<Omit<ItemRow, 'job_id' | 'position'>>): Promise<boolean> {
    const result = await this.db
      .updateTable('batch_job_items')
      .set({ ...values, updated_at: this.now() })
      .where('job_id', '=', item.job_id)
      .where('position', '=', item.position)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
