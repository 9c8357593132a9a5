import type { Response } from 'express';
import { toTransportError, type UpstreamResponse } from '../upstream/openrouter-client.js';
import { classifyUpstreamError, readUpstreamError, statusOfErrorCode } from '../upstream/upstream-errors.js';
import type { GatewayContext } from './context.js';
import { withFallbacks } from './with-fallbacks.js';

export interface JsonPost<T> {
  path: '/chat/completions' | '/embeddings' | '/images';
  /** Tried in order; the body gets each one as `model`. */
  models: readonly string[];
  body: Record<string, unknown>;
  apiKey: string;
  signal: AbortSignal;
  onAttempt?: () => void;
  /** Extra checks of a parsed answer; throw an `UpstreamFailure` to retry or fall back. */
  check?: (parsed: T) => void;
}

/**
 * Posts a JSON request to OpenRouter through retries and fallbacks. A non-200 status, an error inside a 200 and a
 * body that cannot be read all count as failures of that attempt.
 */
export async function postWithFallbacks<T extends { error?: { code?: unknown } | undefined }>(
  context: GatewayContext,
  post: JsonPost<T>,
): Promise<{ result: T; model: string; headers: UpstreamResponse['headers'] }> {
  return withFallbacks(post.models, context.retry, post.signal, async ({ model }) => {
    post.onAttempt?.();
    const response = await context.upstream.send(post.path, { body: { ...post.body, model }, signal: post.signal, apiKey: post.apiKey });
    if (response.status !== 200) throw classifyUpstreamError(response.status, await readUpstreamError(response), response.headers);
    let result: T;
    try {
      result = (await response.body.json()) as T;
    } catch (error) {
      throw toTransportError(error, post.signal);
    }
    if (result.error) throw classifyUpstreamError(statusOfErrorCode(result.error.code), result.error as Record<string, unknown>);
    post.check?.(result);
    return { result, model, headers: response.headers };
  });
}

/** An abort signal that fires when the client hangs up before the response ended; `release()` stops watching. */
export function abortOnDisconnect(res: Response): { signal: AbortSignal; release(): void } {
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableEnded) abort.abort();
  };
  res.on('close', onClose);
  return { signal: abort.signal, release: () => res.off('close', onClose) };
}
