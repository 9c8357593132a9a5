import { createId } from './chat-messages.js';
import { AiError, toAiError } from './errors.js';
import { requestJson, type RequestOptions, type Transport } from './http-transport.js';
import { isRecord } from './json-records.js';

/** An article to summarize. */
export interface ArticleInput {
  id: string;
  title?: string;
  content: string;
  url?: string;
  source?: string;
}

export type SummaryLength = 'short' | 'medium' | 'long';
export type SummaryStyle = 'bullet_points' | 'paragraph' | 'structured';

/** How articles are summarized; the server's defaults fill what is left out. */
export interface SummarizeOptions {
  /** The feature summaries go through (its model, system prompt and policy); default `summarize`. */
  feature?: string;
  summary_length?: SummaryLength;
  summary_style?: SummaryStyle;
  language?: string;
  include_key_points?: boolean;
  include_sentiment?: boolean;
}

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

/** One article's structured summary. */
export interface ArticleSummary {
  id: string;
  summary: string;
  key_points?: string[];
  sentiment?: { label: SentimentLabel; score: number };
}

/** An article summarized at once, with the figures of its request, or its error. */
export type InlineSummary =
  | (ArticleSummary & { model: string | null; promptTokens: number; completionTokens: number; costUsd: number | null; error?: undefined })
  | { id: string; error: { code: string; message: string } };

export type JobStatus = 'queued' | 'running' | 'paused' | 'completed' | 'cancelled';
export type JobItemStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobItem {
  index: number;
  key: string;
  status: JobItemStatus;
  /** An `ArticleSummary` for summaries; `{ content }` for chat items; `{ data }` for embeddings. */
  result: unknown;
  error: { code: string; message: string | null } | null;
  attempts: number;
  model: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  costUsd: number | null;
  requestId: string | null;
}

/** A batch job as the gateway reports it. */
export interface AiJob {
  id: string;
  type: 'summarize' | 'chat' | 'embeddings';
  status: JobStatus;
  /** Why it is paused or cancelled. */
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  progress: { total: number } & Record<JobItemStatus, number>;
  costUsd: number;
  worstCaseUsd: number;
  /** Present when the job was read alone. */
  items?: JobItem[];
}

/** `POST /api/ai/summarize`: the summaries of a few articles, or the job made for many. */
export type SummarizeResponse = { summaries: InlineSummary[]; job?: undefined } | { job: AiJob; summaries?: undefined };

/** Options of a call that may create a job: `create`, and `summarize`. */
export interface CreateJobOptions extends RequestOptions {
  /**
   * The `Idempotency-Key` the creation is sent with (1 to 255 printable ASCII characters): the gateway answers a key
   * that already created a job with that job instead of creating another. Default: a new key for each call, reused by
   * the client's own retries of it. Pass your own to send one creation again across calls (after a reload, say); a
   * new job needs a new key.
   */
  idempotencyKey?: string | undefined;
}

export interface JobsApi {
  /**
   * Summarizes articles: a few at once, more (or `batch: true`) as a job. A batch is sent again, with its key, after a
   * failure that retrying may cure; articles answered at once never are (each may be billed).
   */
  summarize(request: { articles: ArticleInput[]; options?: SummarizeOptions; batch?: boolean }, options?: CreateJobOptions): Promise<SummarizeResponse>;
  /** Creates a job; sent again, with its key, after a failure that retrying may cure (see `CreateJobOptions`). */
  create(request: { type: 'chat' | 'embeddings'; items: unknown[] } | { type: 'summarize'; articles: ArticleInput[]; options?: SummarizeOptions }, options?: CreateJobOptions): Promise<AiJob>;
  list(options?: RequestOptions): Promise<AiJob[]>;
  get(id: string, options?: RequestOptions): Promise<AiJob>;
  cancel(id: string, options?: RequestOptions): Promise<AiJob>;
}

/** Only the statuses a job leaves by itself; a paused job waits for its cap. */
export const isFinishedJob = (job: Pick<AiJob, 'status'>): boolean => job.status === 'completed' || job.status === 'cancelled';

/** Sends of one creation: the first, and two more after failures that retrying may cure. */
const CREATE_SENDS = 3;
/** The wait before the first send again when the server named none; doubled before the next. */
const RESEND_FIRST_WAIT_MS = 250;
/** The longest wait before sending again: a server that asks for longer gets its error answered instead. */
const RESEND_MAX_WAIT_MS = 10_000;

/**
 * Sends a creation with its `Idempotency-Key`, and sends it again with the same key after a failure that retrying may
 * cure (no answer came, a 5xx, a 429, as `AiError.retryable` says), after the wait the server asked for: a creation
 * that reached the gateway before its answer was lost answers the job it made, never a second one.
 */
async function sendCreation<T>(transport: Transport, path: string, body: unknown, options: CreateJobOptions, sendAgain: boolean): Promise<T> {
  const { signal, idempotencyKey = createId() } = options;
  const headers = { 'Idempotency-Key': idempotencyKey };
  for (let send = 1; ; send += 1) {
    try {
      return await requestJson<T>(transport, path, { body, signal, headers });
    } catch (thrown) {
      const error = toAiError(thrown);
      const waitMs = error.retryAfter === undefined ? RESEND_FIRST_WAIT_MS * 2 ** (send - 1) : error.retryAfter * 1_000;
      if (!sendAgain || send >= CREATE_SENDS || !error.retryable || waitMs > RESEND_MAX_WAIT_MS || signal?.aborted) throw error;
      await waitUnlessAborted(waitMs, signal);
    }
  }
}

/** Resolves after `ms`, or rejects with an `aborted` AiError as soon as `signal` aborts. */
function waitUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => {
      clearTimeout(timer);
      reject(new AiError({ code: 'aborted', message: 'The request was aborted.' }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * A job as a server answered it, checked before a UI reads it: a JSON error sent with a 200 is that error, and an
 * answer without a job's status and progress is no job.
 */
function readJob(answer: unknown, id: string): AiJob {
  if (isRecord(answer) && answer['error']) throw toAiError(answer);
  if (!isRecord(answer) || typeof answer['status'] !== 'string' || !isRecord(answer['progress'])) throw new AiError({ code: 'unknown', message: `The server answered job "${id}" with something that is not a job.` });
  return answer as unknown as AiJob;
}

/**
 * The batch jobs and summarization routes (`/api/ai/summarize`, `/api/ai/jobs…`). Each creation carries an
 * `Idempotency-Key` (`CreateJobOptions`), so the client's own retries never make a second job.
 *
 * @example
 * const jobs = createJobsApi(transport);
 * const { job } = await jobs.summarize({ articles, batch: true });
 * const again = await jobs.create({ type: 'chat', items }, { idempotencyKey: savedKey });
 */
export function createJobsApi(transport: Transport): JobsApi {
  const path = (id: string) => `/api/ai/jobs/${encodeURIComponent(id)}`;
  return {
    summarize: (request, options = {}) => sendCreation(transport, '/api/ai/summarize', request, options, request.batch === true),
    create: (request, options = {}) => sendCreation(transport, '/api/ai/jobs', request, options, true),
    list: async ({ signal } = {}) => (await requestJson<{ data: AiJob[] }>(transport, '/api/ai/jobs', { signal })).data,
    get: async (id, { signal } = {}) => readJob(await requestJson(transport, path(id), { signal }), id),
    cancel: async (id, { signal } = {}) => readJob(await requestJson(transport, `${path(id)}/cancel`, { method: 'POST', body: {}, signal }), id),
  };
}
