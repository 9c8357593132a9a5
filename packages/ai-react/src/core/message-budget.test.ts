import type { EstimateResponse, LimitStatus } from '@insforge/ai-protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatCompletionRequest } from './chat-types.js';
import { AiError } from './errors.js';
import { limitInWords, messageBudgetOf, messageBudgetRequest } from './message-budget.js';
import { createMessageBudgetStore } from './message-budget-store.js';

const MIDNIGHT = '2026-05-02T00:00:00.000Z';
const limit = (kind: LimitStatus['kind'], limitValue: number, used: number, scope: LimitStatus['scope'] = 'user', target: string | null = 'user-1'): LimitStatus => ({
  scope,
  target,
  kind,
  limit: limitValue,
  used,
  remaining: Math.max(0, limitValue - used),
  resetsAt: MIDNIGHT,
});
const estimateOf = (costUsd: number, tokens: number, limits: LimitStatus[], extra: Partial<EstimateResponse> = {}): EstimateResponse => {
  const blockedBy = limits.find((item) => item.remaining < (item.kind.startsWith('spend') ? costUsd : item.kind.startsWith('tokens') ? tokens : 1)) ?? null;
  return { feature: 'chat', estimate: { tokens, costUsd }, limits, admitted: blockedBy === null, blockedBy, stopped: false, stopReason: null, ...extra };
};

describe('messageBudgetOf', () => {
  const daily = limit('spendPerDayUsd', 1, 0.17);
  const monthly = limit('spendPerMonthUsd', 100, 42, 'project', null);
  const rate = limit('requestsPerMinute', 60, 3, 'project', null);

  it('is ok with what a message reserves and the least left of each kind', () => {
    const budget = messageBudgetOf({ estimate: estimateOf(0.004, 1_200, [monthly, rate, daily]) });
    expect(budget).toMatchObject({ status: 'ok', reserveUsd: 0.004, reserveTokens: 1_200, remainingUsd: 0.83, remainingRequests: 57, limit: daily, resetsAt: MIDNIGHT, blockedBy: undefined });
  });

  it('warns when a message may take half or more of what is left of a budget, naming that budget', () => {
    const tokens = limit('tokensPerDay', 10_000, 8_000, 'feature', 'chat');
    const budget = messageBudgetOf({ estimate: estimateOf(0.004, 1_500, [daily, tokens]) });
    expect(budget).toMatchObject({ status: 'warn', limit: tokens, remainingTokens: 2_000 });
    expect(messageBudgetOf({ estimate: estimateOf(0.004, 1_500, [daily, tokens]), warnAt: 0.9 }).status).toBe('ok');
  });

  it('is blocked by the limit without room, in words, with its reset', () => {
    const almostSpent = limit('spendPerDayUsd', 1, 0.99, 'feature', 'chat');
    const budget = messageBudgetOf({ estimate: estimateOf(0.02, 3_000, [monthly, almostSpent]) });
    expect(budget).toMatchObject({ status: 'blocked', limit: almostSpent, blockedBy: 'the "chat" feature\'s daily spend limit', resetsAt: MIDNIGHT });
    expect(budget.remainingUsd).toBeCloseTo(0.01);
  });

  it('is blocked by a rate without room, and never warns for a rate', () => {
    expect(messageBudgetOf({ estimate: estimateOf(0.001, 10, [limit('requestsPerMinute', 10, 9)]) }).status).toBe('ok');
    const spent = limit('requestsPerMinute', 10, 10);
    expect(messageBudgetOf({ estimate: estimateOf(0.001, 10, [spent]) })).toMatchObject({ status: 'blocked', blockedBy: 'your request limit per minute', remainingRequests: 0 });
  });

  it('is blocked while an administrator has stopped the project', () => {
    const budget = messageBudgetOf({ estimate: estimateOf(0.001, 10, [daily], { admitted: false, stopped: true, stopReason: 'Incident' }) });
    expect(budget).toMatchObject({ status: 'blocked', stopped: true, blockedBy: 'AI is paused for this project by an administrator: Incident' });
    expect(messageBudgetOf({ limits: { data: [], stopped: true, stopReason: null } })).toMatchObject({ status: 'blocked', blockedBy: 'AI is paused for this project by an administrator' });
  });

  it('with nothing drafted is idle (or checking) and still says what is left', () => {
    const limits = { data: [monthly, daily], stopped: false, stopReason: null };
    expect(messageBudgetOf({ limits })).toMatchObject({ status: 'idle', reserveUsd: undefined, remainingUsd: 0.83, limit: daily });
    expect(messageBudgetOf({ limits, checking: true }).status).toBe('checking');
    expect(messageBudgetOf({}).status).toBe('idle');
  });

  it('words each kind of limit by whose it is', () => {
    expect(limitInWords({ scope: 'project', target: null, kind: 'spendPerMonthUsd' })).toBe("the project's monthly spend limit");
    expect(limitInWords({ scope: 'user', target: 'u', kind: 'tokensPerDay' })).toBe('your daily token limit');
  });
});

describe('messageBudgetRequest', () => {
  it('is the history, then the draft with its files, as the chat would send it; nothing when nothing is drafted', () => {
    const image = { type: 'file' as const, kind: 'image' as const, mediaType: 'image/png', size: 4, url: 'data:image/png;base64,AAAA' };
    const request = messageBudgetRequest({ feature: 'chat', messages: [{ id: 'm1', role: 'user', content: 'Earlier', createdAt: 1 }], draft: 'What is this?', attachments: [image] });
    expect(request).toEqual({
      model: 'chat',
      messages: [
        { role: 'user', content: 'Earlier' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: image.url } }] },
      ],
    });
    expect(messageBudgetRequest({ feature: 'chat', messages: [], draft: '  ', attachments: [] })).toBeUndefined();
  });
});

describe('createMessageBudgetStore', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const request = (text: string): ChatCompletionRequest => ({ model: 'chat', messages: [{ role: 'user', content: text }] });

  function fakeClient(answer: (request: ChatCompletionRequest) => Promise<EstimateResponse>) {
    const asked: string[] = [];
    const aborted: string[] = [];
    const limitReads: Array<string | undefined> = [];
    const client = {
      limits: {
        get: (options: { feature?: string | undefined } = {}) => {
          limitReads.push(options.feature);
          return Promise.resolve({ data: [limit('spendPerDayUsd', 1, 0.25)], stopped: false, stopReason: null });
        },
      },
      chat: {
        complete: () => Promise.reject(new Error('not used')),
        stream: () => Promise.reject(new Error('not used')),
        estimate: (body: ChatCompletionRequest, { signal }: { signal?: AbortSignal | undefined } = {}) => {
          const text = String(body.messages[0]?.content);
          asked.push(text);
          signal?.addEventListener('abort', () => aborted.push(text));
          return answer(body);
        },
      },
    };
    return { client, asked, aborted, limitReads };
  }

  it('asks once the draft has been still for the debounce, once per request, and aborts an older one still running', async () => {
    let release: (() => void) | undefined;
    const { client, asked, aborted } = fakeClient(
      (body) =>
        new Promise((resolve) => {
          release = () => resolve(estimateOf(String(body.messages[0]?.content).length / 1000, 10, []));
        }),
    );
    const budget = createMessageBudgetStore({ client, debounceMs: 300 });
    for (const text of ['H', 'He', 'Hel', 'Hello']) {
      budget.check('chat', request(text));
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(asked).toEqual([]);
    expect(budget.store.getState().pending).toBe(true);
    await vi.advanceTimersByTimeAsync(300);
    expect(asked).toEqual(['Hello']);

    budget.check('chat', request('Hello there'));
    await vi.advanceTimersByTimeAsync(300);
    expect(aborted).toEqual(['Hello']);
    release?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(budget.store.getState()).toMatchObject({ pending: false, estimate: { estimate: { costUsd: 0.011 } } });

    // The same request again is not asked again.
    budget.check('chat', request('Hello there'));
    await vi.advanceTimersByTimeAsync(300);
    expect(asked).toEqual(['Hello', 'Hello there']);
    expect(budget.store.getState().pending).toBe(false);
    budget.dispose();
  });

  it('forgets the estimate when nothing is drafted and reads what is left instead; keeps a failure without a verdict', async () => {
    const { client, limitReads } = fakeClient((body) => (String(body.messages[0]?.content) === 'fail' ? Promise.reject(new AiError({ code: 'not_found', message: 'No route.' })) : Promise.resolve(estimateOf(0.001, 10, []))));
    const budget = createMessageBudgetStore({ client, debounceMs: 10 });
    budget.check('chat', request('hi'));
    await vi.advanceTimersByTimeAsync(10);
    expect(budget.store.getState().estimate).toBeDefined();
    budget.check('chat', undefined);
    expect(budget.store.getState()).toMatchObject({ estimate: undefined, pending: false, error: undefined });
    await vi.advanceTimersByTimeAsync(10);
    expect(limitReads).toEqual(['chat']);
    expect(budget.store.getState().limits?.data[0]?.remaining).toBe(0.75);
    budget.check('chat', request('fail'));
    await vi.advanceTimersByTimeAsync(10);
    expect(budget.store.getState()).toMatchObject({ estimate: undefined, pending: false, error: { code: 'not_found' } });
    budget.dispose();
  });
});
