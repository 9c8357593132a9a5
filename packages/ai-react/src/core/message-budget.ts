import type { EstimateResponse, LimitKind, LimitStatus, LimitsResponse } from '@insforge/ai-protocol';
import type { ConversationMessage, UserMessage } from './chat-messages.js';
import type { ChatCompletionRequest } from './chat-types.js';
import type { AiError } from './errors.js';
import type { MessageFilePart } from './message-parts.js';
import { toRequestMessages } from './request-messages.js';

/**
 * Where a message stands against the caller's limits before it is sent: `idle` (nothing drafted, or off), `checking`
 * (asked, no answer yet), `ok`, `warn` (it may use most of what is left) or `blocked` (the gateway would refuse it).
 */
export type MessageBudgetStatus = 'idle' | 'checking' | 'ok' | 'warn' | 'blocked';

/** What a message would reserve at most, and what is left of the caller's budget and rate. */
export interface MessageBudget {
  status: MessageBudgetStatus;
  /** The most the message may cost (USD) and use (tokens): the gateway's reservation. Undefined until estimated. */
  reserveUsd: number | undefined;
  reserveTokens: number | undefined;
  /** The least left of any spend limit (USD), token limit, and requests this minute that apply to the caller. */
  remainingUsd: number | undefined;
  remainingTokens: number | undefined;
  remainingRequests: number | undefined;
  /** The limit to speak of: the one that blocks or warns, else the tightest spend limit (else token limit). */
  limit: LimitStatus | undefined;
  /** Why the message would be refused, in words ("this feature's daily spend limit"); undefined when it would not. */
  blockedBy: string | undefined;
  /** When `limit` restarts (ISO 8601). */
  resetsAt: string | undefined;
  /** An administrator stopped all AI traffic of the project (then `blockedBy` says so). */
  stopped: boolean;
  stopReason: string | null;
  /** Why the last check failed (the budget is `idle` then: the gateway still checks on send). */
  error: AiError | undefined;
}

const SPEND: readonly LimitKind[] = ['spendPerDayUsd', 'spendPerMonthUsd'];
const TOKENS: readonly LimitKind[] = ['tokensPerDay', 'tokensPerMinute'];

/** What one request needs of a limit, as the gateway counts it: its tokens or cost for caps, one for rates. */
export function needOf(limit: LimitStatus, estimate: EstimateResponse['estimate']): number {
  if (TOKENS.includes(limit.kind)) return estimate.tokens;
  if (SPEND.includes(limit.kind)) return estimate.costUsd;
  return 1;
}

const tightest = (limits: readonly LimitStatus[], kinds: readonly LimitKind[]) =>
  limits.filter((limit) => kinds.includes(limit.kind)).reduce<LimitStatus | undefined>((least, limit) => (least === undefined || limit.remaining < least.remaining ? limit : least), undefined);

const PERIOD: Record<LimitKind, string> = {
  spendPerDayUsd: 'daily spend limit',
  spendPerMonthUsd: 'monthly spend limit',
  tokensPerDay: 'daily token limit',
  tokensPerMinute: 'token limit per minute',
  requestsPerMinute: 'request limit per minute',
  concurrentRequests: 'limit of requests at once',
};

/**
 * A limit in words, whose it is and what it caps.
 *
 * @example
 * limitInWords({ scope: 'feature', target: 'chat', kind: 'spendPerDayUsd', … }); // 'the "chat" feature\'s daily spend limit'
 */
export function limitInWords(limit: Pick<LimitStatus, 'scope' | 'target' | 'kind'>): string {
  const owner = limit.scope === 'user' ? 'your' : limit.scope === 'feature' ? `the "${limit.target ?? ''}" feature's` : "the project's";
  return `${owner} ${PERIOD[limit.kind]}`;
}

/**
 * The budget of a message from the gateway's estimate (or, with nothing drafted, from the limits alone): blocked when
 * the gateway would refuse it, `warn` when it may use `warnAt` (default half) or more of what is left of a token or
 * spend limit.
 *
 * @example
 * const budget = messageBudgetOf({ estimate: await client.chat.estimate(request) });
 * if (budget.status === 'blocked') show(budget.blockedBy);
 */
export function messageBudgetOf(input: { estimate?: EstimateResponse | undefined; limits?: LimitsResponse | undefined; checking?: boolean; warnAt?: number; error?: AiError | undefined }): MessageBudget {
  const { estimate, warnAt = 0.5 } = input;
  const limits = estimate?.limits ?? input.limits?.data ?? [];
  const stopped = estimate?.stopped ?? input.limits?.stopped ?? false;
  const stopReason = estimate?.stopReason ?? input.limits?.stopReason ?? null;
  const budget = tightest(limits, SPEND) ?? tightest(limits, TOKENS);
  const base = {
    reserveUsd: estimate?.estimate.costUsd,
    reserveTokens: estimate?.estimate.tokens,
    remainingUsd: tightest(limits, SPEND)?.remaining,
    remainingTokens: tightest(limits, TOKENS)?.remaining,
    remainingRequests: tightest(limits, ['requestsPerMinute'])?.remaining,
    stopped,
    stopReason,
    error: input.error,
  };
  const shown = (status: MessageBudgetStatus, limit: LimitStatus | undefined, blockedBy?: string): MessageBudget => ({ ...base, status, limit, blockedBy, resetsAt: limit?.resetsAt });
  const paused = `AI is paused for this project by an administrator${stopReason ? `: ${stopReason}` : ''}`;
  // Nothing can be sent while the project is stopped, drafted or not.
  if (!estimate) return stopped ? shown('blocked', undefined, paused) : shown(input.checking ? 'checking' : 'idle', budget);
  const blocking = estimate.blockedBy ?? limits.find((limit) => limit.remaining < needOf(limit, estimate.estimate));
  if (stopped) return shown('blocked', blocking, paused);
  if (!estimate.admitted || blocking) return shown('blocked', blocking, blocking ? limitInWords(blocking) : 'a limit of the gateway');
  // Rates only ever block (one request is one request); budgets warn when the message may take much of what is left.
  const near = limits.filter((limit) => [...SPEND, ...TOKENS].includes(limit.kind)).find((limit) => needOf(limit, estimate.estimate) > 0 && needOf(limit, estimate.estimate) >= warnAt * limit.remaining);
  return near ? shown('warn', near) : shown('ok', budget);
}

/** What a message would be sent with: the conversation so far, the draft's text and its files. */
export interface MessageBudgetInput {
  feature: string;
  messages: readonly ConversationMessage[];
  draft: string;
  attachments: readonly MessageFilePart[];
}

/**
 * The request the chat would send for a draft (history, then the draft with its files), as `useChat` builds it;
 * undefined when there is nothing to send.
 *
 * @example
 * const request = messageBudgetRequest({ feature: 'chat', messages, draft: 'Hello', attachments: [] });
 * const { estimate } = await client.chat.estimate(request);
 */
export function messageBudgetRequest({ feature, messages, draft, attachments }: MessageBudgetInput): ChatCompletionRequest | undefined {
  if (draft.trim() === '' && attachments.length === 0) return undefined;
  const next: UserMessage = { id: 'draft', role: 'user', content: draft, createdAt: 0 };
  if (attachments.length > 0) next.parts = [...(draft.trim() === '' ? [] : [{ type: 'text' as const, text: draft }]), ...attachments];
  return { model: feature, messages: toRequestMessages([...messages, next]) };
}
