'use client';
import { useCallback, useMemo, useRef, useState } from 'react';
import { toAiError, type AiError } from '../core/errors.js';
import type { ArticleInput, InlineSummary, SummarizeOptions } from '../core/jobs-client.js';
import { useAiContext } from './ai-provider.js';
import { useJob, type UseJobResult } from './use-job.js';

export interface UseSummarizeResult {
  /**
   * Summarizes articles: a few are answered at once (`summaries`), more — or `batch: true` — become a job that
   * `job` follows. Resolves once the request is answered (not when a job finishes); a failure is in `error`.
   */
  summarize(articles: ArticleInput[], options?: SummarizeOptions & { batch?: boolean }): Promise<void>;
  /** The summaries of articles answered at once. */
  summaries: InlineSummary[] | undefined;
  /** The job, for a batch: its progress, cost so far and each article's result. */
  job: UseJobResult['job'];
  jobId: string | undefined;
  /** Cancels the batch job. */
  cancel(): Promise<void>;
  status: 'idle' | 'submitted' | 'ready' | 'error';
  error: AiError | undefined;
  reset(): void;
}

/**
 * Article summarization through the gateway (`POST /api/ai/summarize`) with its batch job followed by `useJob`.
 *
 * @example
 * const { summarize, job, summaries } = useSummarize();
 * void summarize(articles, { summary_style: 'bullet_points', batch: true });
 */
export function useSummarize(): UseSummarizeResult {
  const { client } = useAiContext('useSummarize');
  const [state, setState] = useState<{ status: UseSummarizeResult['status']; summaries?: InlineSummary[]; jobId?: string; error?: AiError }>({ status: 'idle' });
  const latest = useRef(0);
  const followed = useJob(state.jobId);
  const summarize = useCallback(async (articles: ArticleInput[], { batch, ...options }: SummarizeOptions & { batch?: boolean } = {}) => {
    const request = (latest.current += 1);
    setState({ status: 'submitted' });
    try {
      const answer = await client.jobs.summarize({ articles, options, ...(batch ? { batch } : {}) });
      if (request !== latest.current) return;
      setState(answer.job ? { status: 'ready', jobId: answer.job.id } : { status: 'ready', summaries: answer.summaries });
    } catch (thrown) {
      if (request === latest.current) setState({ status: 'error', error: toAiError(thrown) });
    }
  }, [client]);
  const reset = useCallback(() => {
    latest.current += 1;
    setState({ status: 'idle' });
  }, []);
  return useMemo(
    () => ({ summarize, summaries: state.summaries, job: followed.job, jobId: state.jobId, cancel: followed.cancel, status: state.status, error: state.error ?? followed.error, reset }),
    [summarize, state, followed.job, followed.cancel, followed.error, reset],
  );
}
