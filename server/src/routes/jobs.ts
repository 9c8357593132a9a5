import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import { parseRequest } from '../gateway/chat-request.js';
import type { GatewayContext } from '../gateway/context.js';
import { ItemFailure, runItem } from '../jobs/item-runner.js';
import type { JobService } from '../jobs/job-service.js';
import type { ItemRow, JobRow, JobSummary } from '../jobs/job-store.js';
import { MAX_INLINE_ARTICLES, MAX_JOB_ITEMS, inSummarizeRequest, parseSummary, summarizeChatBody, summarizeRequestSchema } from '../jobs/summarize-request.js';
import { identityOf, requireAdmin } from './identity-middleware.js';
import { isoTime } from './iso-time.js';
import { lazyRouter } from './lazy-router.js';
import { clientGoneSignal } from './metered-handler.js';
import { csvField } from './usage.js';

export const JOBS_PATH = '/api/ai/jobs';

const createJobSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('chat'), items: z.array(z.unknown()).min(1, 'items must hold at least one request').max(MAX_JOB_ITEMS) }).strict(),
  z.object({ type: z.literal('embeddings'), items: z.array(z.unknown()).min(1, 'items must hold at least one request').max(MAX_JOB_ITEMS) }).strict(),
  summarizeRequestSchema.omit({ batch: true }).extend({ type: z.literal('summarize') }).strict(),
], { error: 'type must be "chat", "embeddings" or "summarize"' });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).optional() }).strict();
const resultsQuery = z.object({ format: z.enum(['json', 'csv']).optional() }).strict();
const retryBody = z.object({ items: z.array(z.number().int().min(0)).max(MAX_JOB_ITEMS).optional() }).strict();
const jobId = z.string().uuid('a job id');
/** A client's name for one job it creates: printable ASCII, as a header carries it. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/** The request's `Idempotency-Key`, if it sent one: a job sent again with the same key answers the job it created. */
function idempotencyKeyOf(req: Request): { idempotencyKey: string | undefined } {
  const key = req.get('idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw new GatewayError('invalid_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters.', { param: 'Idempotency-Key' });
  return { idempotencyKey: key };
}

/** A job as the API answers it: status, progress, cost so far, and (with items) each item's result or error. */
export function jobResponse(summary: JobSummary, items?: ItemRow[]) {
  const { job, counts, costUsd } = summary;
  return {
    id: job.id,
    type: job.kind,
    status: job.status,
    statusReason: job.status_reason,
    createdAt: isoTime(job.created_at),
    updatedAt: isoTime(job.updated_at),
    finishedAt: isoTime(job.finished_at),
    progress: { total: job.total, ...counts },
    costUsd,
    worstCaseUsd: job.worst_case_usd,
    ...(items ? { items: items.map(itemResponse) } : {}),
  };
}

/** One item as the API answers it. */
export function itemResponse(item: ItemRow) {
  return {
    index: item.position,
    key: item.key,
    status: item.status,
    result: item.output === null ? null : (JSON.parse(item.output) as unknown),
    error: item.error_code === null ? null : { code: item.error_code, message: item.error },
    attempts: item.attempts,
    model: item.model,
    promptTokens: item.prompt_tokens,
    completionTokens: item.completion_tokens,
    costUsd: item.cost_usd,
    requestId: item.request_id,
    generationId: item.generation_id,
  };
}

/** Whether a caller may see a job: its creator (the same user, or the same client key), or an admin of its project. */
function canSee(identity: Identity, job: JobRow): boolean {
  if (job.project_id !== identity.projectId) return false;
  if (identity.role === 'admin') return true;
  if (job.user_id !== null) return job.user_id === (identity.userId ?? null);
  return job.client_key_id !== null && job.client_key_id === (identity.clientKeyId ?? null);
}

/**
 * Whose jobs a caller lists, as `canSee` lets it: an admin every job of the project (undefined), a user its own, a
 * key of no user the jobs it made without one; a caller with neither sees none (null).
 */
function ownerOfListed(identity: Identity): { userId: string } | { clientKeyId: string } | undefined | null {
  if (identity.role === 'admin') return undefined;
  if (identity.userId !== undefined) return { userId: identity.userId };
  return identity.clientKeyId !== undefined ? { clientKeyId: identity.clientKeyId } : null;
}

const CSV_COLUMNS = ['index', 'id', 'status', 'summary', 'key_points', 'sentiment', 'sentiment_score', 'content', 'model', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'error_code', 'error'];

/** A job's results as CSV (RFC 4180): one row per item, with its summary, answer or error. */
export function jobResultsCsv(items: ItemRow[]): string {
  const line = (fields: readonly unknown[]) => `${fields.map(csvField).join(',')}\r\n`;
  let text = line(CSV_COLUMNS);
  for (const item of items) {
    const result = (item.output === null ? {} : JSON.parse(item.output)) as { id?: string; summary?: string; key_points?: string[]; sentiment?: { label: string; score: number }; content?: unknown };
    const input = JSON.parse(item.input) as { id?: unknown };
    text += line([
      item.position, result.id ?? (typeof input.id === 'string' ? input.id : ''), item.status, result.summary, result.key_points?.join('\n'), result.sentiment?.label, result.sentiment?.score,
      typeof result.content === 'string' ? result.content : undefined, item.model, item.prompt_tokens, item.completion_tokens, item.cost_usd, item.error_code, item.error,
    ]);
  }
  return text;
}

/**
 * Batch jobs and summarization: `POST /api/ai/summarize` (a few articles answered at once, more — or `batch: true` —
 * as a job), `POST /api/ai/jobs`, `GET /api/ai/jobs` (the caller's; an admin's project's), `GET /api/ai/jobs/:id`,
 * `GET /api/ai/jobs/:id/results` (JSON or CSV), `POST …/cancel`, and for admins `POST …/resume` and `POST …/retry`.
 * @example
 * router.use(jobsRouter(context, service));
 */
export function jobsRouter(context: GatewayContext, service: JobService): Router {
  const router = Router();
  const jobOf = async (res: Response, id: unknown): Promise<JobRow> => {
    const parsed = jobId.safeParse(id);
    const job = parsed.success ? await service.store.get(parsed.data) : undefined;
    if (!job || !canSee(identityOf(res), job)) throw new GatewayError('not_found', 'No such job.', { param: 'id' });
    return job;
  };
  const summaryOf = async (job: JobRow) => (await service.store.summary(job.id)) as JobSummary;

  router.post('/api/ai/summarize', async (req, res) => {
    const request = parseRequest(summarizeRequestSchema, req.body);
    const identity = identityOf(res);
    if (request.batch === true || request.articles.length > MAX_INLINE_ARTICLES) {
      const summary = await service.create(identity, 'summarize', request.articles, { summarize: request.options }, idempotencyKeyOf(req));
      res.status(202).location(`${req.baseUrl}${JOBS_PATH}/${summary.job.id}`).json({ job: jobResponse(summary) });
      return;
    }
    const signal = clientGoneSignal(res);
    const refusals: unknown[] = [];
    const summaries = await Promise.all(request.articles.map(async (article) => {
      try {
        const answer = await runItem(context, identity, 'chat', summarizeChatBody(article, request.options), { jobId: undefined, signal, sent: async () => undefined, generation: async () => undefined });
        return { id: article.id, ...parseSummary(String(answer.content), request.options), model: answer.model ?? null, promptTokens: answer.promptTokens, completionTokens: answer.completionTokens, costUsd: answer.costUsd ?? null };
      } catch (error) {
        const refused = error instanceof ItemFailure ? error.error : error;
        refusals.push(refused);
        const failure = refused instanceof GatewayError ? refused : new GatewayError('internal_error', 'The summary failed in the gateway.');
        return { id: article.id, error: { code: failure.code, message: context.redact(failure.message) } };
      }
    }));
    if (signal.aborted) return;
    const [first] = refusals;
    // A single article's refusal is the answer's status, as for one chat request; so is the feature's refusal of every
    // article (`options.feature`, the request's and not an article's). One about a field of the article's request
    // names it as the summarize request does (its `model` is `options.feature`).
    if (request.articles.length === 1 && first !== undefined) throw first instanceof GatewayError && first.options.param !== undefined ? inSummarizeRequest(first, 0) : first;
    if (refusals.length === request.articles.length && refusals.every((refused) => refused instanceof GatewayError && refused.options.param === 'model')) throw inSummarizeRequest(first, 0);
    res.json({ summaries });
  });

  router.post(JOBS_PATH, async (req, res) => {
    const body = parseRequest(createJobSchema, req.body);
    const identity = identityOf(res);
    const summary = body.type === 'summarize'
      ? await service.create(identity, 'summarize', body.articles, { summarize: body.options }, idempotencyKeyOf(req))
      : await service.create(identity, body.type, body.items, {}, idempotencyKeyOf(req));
    res.status(202).location(`${req.baseUrl}${JOBS_PATH}/${summary.job.id}`).json(jobResponse(summary));
  });

  router.get(JOBS_PATH, async (req, res) => {
    const query = parseRequest(listQuery, req.query);
    const identity = identityOf(res);
    const owner = ownerOfListed(identity);
    const rows = owner === null ? [] : await service.store.list({ projectId: identity.projectId, ...(owner ? { owner } : {}), limit: query.limit ?? 50 });
    const visible = rows.filter((job) => canSee(identity, job));
    res.json({ data: await Promise.all(visible.map(async (job) => jobResponse(await summaryOf(job)))) });
  });

  router.get(`${JOBS_PATH}/:id`, async (req, res) => {
    const job = await jobOf(res, req.params['id']);
    res.json(jobResponse(await summaryOf(job), await service.store.items(job.id)));
  });

  router.get(`${JOBS_PATH}/:id/results`, async (req, res) => {
    const query = parseRequest(resultsQuery, req.query);
    const job = await jobOf(res, req.params['id']);
    const items = await service.store.items(job.id);
    if (query.format === 'csv') {
      res.status(200).set({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="job-${job.id}.csv"` }).send(jobResultsCsv(items));
      return;
    }
    res.json({ id: job.id, status: job.status, results: items.map(itemResponse) });
  });

  router.post(`${JOBS_PATH}/:id/cancel`, async (_req, res) => {
    const job = await jobOf(res, _req.params['id']);
    await service.cancel(job);
    res.json(jobResponse(await summaryOf(job)));
  });

  const admin: RequestHandler = requireAdmin;
  router.post(`${JOBS_PATH}/:id/resume`, admin, async (req, res) => {
    const job = await jobOf(res, req.params['id']);
    await service.resume(job);
    res.json(jobResponse(await summaryOf(job)));
  });

  router.post(`${JOBS_PATH}/:id/retry`, admin, async (req, res) => {
    const body = parseRequest(retryBody, req.body ?? {});
    const job = await jobOf(res, req.params['id']);
    const retried = await service.retry(job, body.items);
    res.json({ retried, job: jobResponse(await summaryOf(job)) });
  });

  return router;
}

/** The jobs routes, built once the job service is ready (the database is open). */
export function lazyJobsRouter(context: GatewayContext, service: Promise<JobService>): RequestHandler {
  return lazyRouter(service, (ready) => jobsRouter(context, ready));
}
