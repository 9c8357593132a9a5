'use client';
import { useEffect, useMemo } from 'react';
import type { ConversationMessage } from '../core/chat-messages.js';
import type { ChatCompletionRequest } from '../core/chat-types.js';
import { messageBudgetOf, messageBudgetRequest, type MessageBudget, type MessageBudgetInput } from '../core/message-budget.js';
import { createMessageBudgetStore } from '../core/message-budget-store.js';
import type { MessageFilePart } from '../core/message-parts.js';
import { useShallowStable } from '../primitives/use-shallow-stable.js';
import { useAiContext } from './ai-provider.js';
import { useInstance } from './use-instance.js';
import { useLatest } from './use-latest.js';
import { useStoreState } from './use-store-state.js';

export interface UseMessageBudgetOptions {
  /** The feature the message goes to; default the provider's (else `chat`). */
  feature?: string | undefined;
  /** The conversation so far (sent with the draft, so it counts). */
  messages?: readonly ConversationMessage[] | undefined;
  /** The composer's text. */
  draft?: string | undefined;
  /** The files attached to the draft. */
  attachments?: readonly MessageFilePart[] | undefined;
  /** False: nothing is asked and the budget is `idle`. Default true. */
  enabled?: boolean | undefined;
  /** The request a send would make (default `messageBudgetRequest`: history, then the draft); undefined for none. */
  buildRequest?: ((input: MessageBudgetInput) => ChatCompletionRequest | undefined) | undefined;
  /** How long the draft must be still before it is estimated, in ms; default 400. */
  debounceMs?: number | undefined;
  /** The share of what is left of a budget from which a message warns; default 0.5. */
  warnAt?: number | undefined;
}

export interface UseMessageBudgetResult extends MessageBudget {
  /** A newer draft waits for its estimate (the verdict shown is of an earlier one). */
  pending: boolean;
  /** Asks again now (e.g. after an answer spent some of the budget). */
  refresh(): void;
}

const NONE: readonly never[] = [];

/**
 * What the message being drafted would reserve at most, and what is left of the caller's daily budget and rate,
 * asked of the gateway (`POST /api/ai/estimate`) while the user types, debounced; with nothing drafted, what is
 * left (`GET /api/ai/limits`). `blocked` means the gateway would refuse the message: say so before sending.
 *
 * @example
 * const budget = useMessageBudget({ feature: 'chat', messages, draft: text, attachments });
 * if (budget.status === 'blocked') return <p>{budget.blockedBy} is reached; it resets at {budget.resetsAt}.</p>;
 */
export function useMessageBudget(options: UseMessageBudgetOptions = {}): UseMessageBudgetResult {
  const { client, defaults } = useAiContext('useMessageBudget');
  const feature = options.feature ?? defaults.feature ?? 'chat';
  const enabled = options.enabled ?? true;
  const messages = options.messages ?? NONE;
  const draft = options.draft ?? '';
  // An inline `attachments={drafts.map(…)}` is the same list while its files are.
  const attachments = useShallowStable(options.attachments) ?? NONE;
  const latest = useLatest({ buildRequest: options.buildRequest });
  const budget = useInstance([client, options.debounceMs], () => createMessageBudgetStore({ client, ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }) }), (created) => created.dispose());

  useEffect(() => {
    if (!enabled) return;
    const build = latest.current.buildRequest ?? messageBudgetRequest;
    budget.check(feature, build({ feature, messages, draft, attachments }));
  }, [budget, latest, enabled, feature, messages, draft, attachments]);

  const state = useStoreState(budget.store);
  const { warnAt } = options;
  return useMemo(() => {
    const shown = enabled ? messageBudgetOf({ estimate: state.estimate, limits: state.limits, checking: state.pending, error: state.error, ...(warnAt === undefined ? {} : { warnAt }) }) : messageBudgetOf({});
    return { ...shown, pending: enabled && state.pending, refresh: () => budget.refresh() };
  }, [budget, enabled, state, warnAt]);
}
