import { requestJson, type RequestOptions, type Transport } from './http-transport.js';

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

export interface JobsApi {
  summarize(request: { articles: ArticleInput[]; options?: SummarizeOptions; batch?: boolean }, options?: RequestOptions): Promise<SummarizeResponse>;
  create(request: { type: 'chat' | 'embeddings'; items: unknown[] } | { type: 'summarize'; articles: ArticleInput[]; options?: SummarizeOptions }, options?: RequestOptions): Promise<AiJob>;
  list(options?: RequestOptions): Promise<AiJob[]>;
  get(id: string, options?: RequestOptions): Promise<AiJob>;
  cancel(id: string, options?: RequestOptions): Promise<AiJob>;
}

/** Only the statuses a job leaves by itself; a paused job waits for its cap. */
export const isFinishedJob = (job: Pick<AiJob, 'status'>): boolean => job.status === 'completed' || job.status === 'cancelled';

/**
 * The batch jobs and summarization routes (`/api/ai/summarize`, `/api/ai/jobs…`).
 *
 * @example
 * const jobs = createJobsApi(transport);
 * const { job } = await jobs.summarize({ articles, batch: true });
 */
export function createJobsApi(transport: Transport): JobsApi {
  const path = (id: string) => `/api/ai/jobs/${encodeURIComponent(id)}`;
  return {
    summarize: (request, { signal } = {}) => requestJson(transport, '/api/ai/summarize', { body: request, signal }),
    create: (request, { signal } = {}) => requestJson(transport, '/api/ai/jobs', { body: request, signal }),
    list: async ({ signal } = {}) => (await requestJson<{ data: AiJob[] }>(transport, '/api/ai/jobs', { signal })).data,
    get: (id, { signal } = {}) => requestJson(transport, path(id), { signal }),
    cancel: (id, { signal } = {}) => requestJson(transport, `${path(id)}/cancel`, { method: 'POST', body: {}, signal }),
  };
}
