import type { MessageBudget } from '../../core/message-budget.js';
import { periodOf, type ComposerBudgetLabels } from './composer-budget-labels.js';

const MONEY = new Set(['spendPerDayUsd', 'spendPerMonthUsd']);

/**
 * What a composer shows of a message's budget: a compact `summary` ("≤ $0.004 · $0.83 left today") and, when the
 * message may take most of a budget or would be refused, a `message` that says so before it is sent.
 *
 * @example
 * const { summary, message } = composerBudgetText(budget, defaultComposerBudgetLabels, new Date());
 */
export function composerBudgetText(budget: MessageBudget, labels: ComposerBudgetLabels, now: Date): { summary: string; message: string } {
  const { limit, status } = budget;
  // Spoken of in money unless the limit in question counts tokens.
  const money = limit ? !limit.kind.startsWith('tokens') : budget.reserveUsd !== undefined || budget.reserveTokens === undefined;
  const period = limit ? periodOf(limit.kind) : undefined;
  const amount = (value: number, round: 'up' | 'down') => (money ? labels.money(value, round) : labels.tokens(value));
  const reserve = money ? budget.reserveUsd : budget.reserveTokens;
  // What is left of a rate is a number of requests: the summary speaks of budgets only.
  const budgetLeft = limit && period && (MONEY.has(limit.kind) || limit.kind.startsWith('tokens')) ? labels.left(amount(limit.remaining, 'down'), period) : '';

  let summary: string;
  if (status === 'checking') summary = labels.checking;
  else if (reserve === undefined) summary = budgetLeft;
  else summary = [labels.reserve(amount(reserve, 'up')), budgetLeft].filter(Boolean).join(labels.separator);

  const resets = limit ? labels.resetTime(new Date(limit.resetsAt), now) : '';
  let message = '';
  if (status === 'blocked') {
    if (budget.stopped) message = labels.stopped(budget.stopReason);
    else if (!limit) message = labels.refused;
    else if (limit.kind === 'concurrentRequests') message = labels.tooManyAtOnce;
    else if (limit.kind === 'requestsPerMinute') message = labels.noRequestsLeft('minute', resets);
    else message = labels.blocked(amount(limit.remaining, 'down'), period ?? 'day', resets, money ? 'money' : 'tokens');
  } else if (status === 'warn' && limit && period) message = labels.warn(amount(limit.remaining, 'down'), period);
  return { summary, message };
}
