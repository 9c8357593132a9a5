import type { EstimateResponse, LimitsResponse } from '@insforge/ai-protocol';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ChatCompletionRequest } from './chat-types.js';
import type { AiClient } from './client.js';
import { isAiError, toAiError, type AiError } from './errors.js';

export interface MessageBudgetState {
  /** The last estimate of the request being drafted; cleared when nothing is drafted. */
  estimate: EstimateResponse | undefined;
  /** The caller's limits as last read (with nothing drafted) or estimated. */
  limits: LimitsResponse | undefined;
  /** A newer draft waits for its estimate (the one held is of an earlier draft, or there is none yet). */
  pending: boolean;
  error: AiError | undefined;
}

export interface MessageBudgetStore {
  store: StoreApi<MessageBudgetState>;
  /**
   * The request a send would make now, or undefined when nothing is drafted (then the feature's limits are read).
   * Either is asked once it has not changed for `debounceMs`.
   */
  check(feature: string, request: ChatCompletionRequest | undefined): void;
  /** Asks again now, even if nothing changed (after the caller spent some of its budget). */
  refresh(): void;
  dispose(): void;
}

/**
 * Asks the gateway what a draft would reserve while the user types: once the draft has been still for `debounceMs`
 * (default 400), one request at a time (a newer draft aborts an older one's), never twice for the same request.
 * With nothing drafted it reads the caller's limits instead, so what is left can still be shown. Framework-free;
 * `useMessageBudget` reads its store.
 *
 * @example
 * const budget = createMessageBudgetStore({ client });
 * budget.check('chat', { model: 'chat', messages: [{ role: 'user', content: draft }] });
 * budget.store.subscribe(({ estimate }) => console.log(estimate?.estimate.costUsd));
 */
export function createMessageBudgetStore(options: { client: Pick<AiClient, 'chat' | 'limits'>; debounceMs?: number }): MessageBudgetStore {
  const { client, debounceMs = 400 } = options;
  const store = createStore<MessageBudgetState>()(() => ({ estimate: undefined, limits: undefined, pending: false, error: undefined }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: AbortController | undefined;
  let latest: { feature: string; request: ChatCompletionRequest | undefined } | undefined;
  /** The body of the estimate held, so the same request is not asked twice. */
  let estimated: string | undefined;
  let disposed = false;

  const ask = async <T>(read: (signal: AbortSignal) => Promise<T>): Promise<{ value: T } | { error: AiError } | undefined> => {
    running?.abort();
    const abort = new AbortController();
    running = abort;
    try {
      const value = await read(abort.signal);
      return running === abort ? { value } : undefined;
    } catch (thrown) {
      if (running !== abort || (isAiError(thrown) && thrown.code === 'aborted')) return undefined;
      return { error: toAiError(thrown) };
    } finally {
      if (running === abort) running = undefined;
    }
  };

  const run = async (force: boolean) => {
    timer = undefined;
    if (!latest || disposed) return;
    const { feature, request } = latest;
    if (!request) {
      const answer = await ask((signal) => client.limits.get({ signal, feature }));
      // Limits are a courtesy here: a caller who may not read them still gets estimates.
      if (answer && 'value' in answer) store.setState({ limits: answer.value });
      return;
    }
    const body = JSON.stringify(request);
    if (!force && body === estimated && store.getState().estimate) {
      store.setState({ pending: false });
      return;
    }
    const answer = await ask((signal) => client.chat.estimate(request, { signal }));
    if (!answer) return;
    if ('value' in answer) {
      estimated = body;
      const { limits: data, stopped, stopReason } = answer.value;
      store.setState({ estimate: answer.value, limits: { data, stopped, stopReason }, pending: false, error: undefined });
    } else {
      // No verdict: the composer says nothing rather than something stale; the gateway still checks on send.
      estimated = undefined;
      store.setState({ estimate: undefined, pending: false, error: answer.error });
    }
  };

  return {
    store,
    check(feature, request) {
      if (disposed) return;
      latest = { feature, request };
      clearTimeout(timer);
      if (!request) {
        running?.abort();
        estimated = undefined;
        const { estimate, pending, error } = store.getState();
        if (estimate || pending || error) store.setState({ estimate: undefined, pending: false, error: undefined });
      } else if (!store.getState().pending) store.setState({ pending: true });
      timer = setTimeout(() => void run(false), debounceMs);
    },
    refresh() {
      if (disposed || !latest) return;
      clearTimeout(timer);
      if (latest.request) store.setState({ pending: true });
      void run(true);
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
      running?.abort();
    },
  };
}
