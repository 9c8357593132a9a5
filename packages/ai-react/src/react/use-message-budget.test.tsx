import { cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderPdf } from '@insforge/openrouter-emulator';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import type { ConversationMessage } from '../core/chat-messages.js';
import type { MessageFilePart } from '../core/message-parts.js';
import { AiProvider } from './ai-provider.js';
import { useMessageBudget, type UseMessageBudgetOptions } from './use-message-budget.js';

// A user's daily spend cap of a tenth of a cent: a short question fits, a long one or a PDF does not. The chat
// feature answers in at most 256 tokens of openai/gpt-4o-mini ($0.15 / $0.60 per million).
const CAP_USD = 0.001;

let harness: Harness;
/** Every gateway path the hook asked, in order. */
let asked: string[] = [];
const countingFetch: typeof fetch = (input, init) => {
  asked.push(new URL(String(input)).pathname.replace(/^\/ai/, ''));
  return globalThis.fetch(input, init);
};

async function admin(path: string, method = 'GET', body?: unknown): Promise<{ version: number }> {
  const response = await fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.ok, await response.clone().text()).toBe(true);
  return (await response.json()) as { version: number };
}

beforeAll(async () => {
  harness = await startHarness({
    features: [{ name: 'chat', model: 'openai/gpt-4o-mini', params: { max_tokens: 256 } }],
    emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } },
  });
  const { version } = await admin('/api/ai/limits/policy');
  await admin('/api/ai/limits/policy', 'PUT', { version, policy: { project: {}, features: {}, users: { default: { spendPerDayUsd: CAP_USD }, overrides: {} } } });
});
afterAll(() => harness.close());
beforeEach(() => {
  asked = [];
});
afterEach(() => cleanup());

function Wrapper({ children }: { children: ReactNode }) {
  return (
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={countingFetch}>
      {children}
    </AiProvider>
  );
}

const renderBudget = (initialProps: UseMessageBudgetOptions) => renderHook((props: UseMessageBudgetOptions) => useMessageBudget({ feature: 'chat', debounceMs: 50, ...props }), { initialProps, wrapper: Wrapper });
const pdf = (pages: number): MessageFilePart => {
  const bytes = renderPdf(pages);
  return { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'timetable.pdf', size: bytes.length, url: `data:application/pdf;base64,${bytes.toString('base64')}` };
};

describe('useMessageBudget against the gateway', () => {
  it('with nothing drafted says what is left of the daily budget, and asks nothing to estimate', async () => {
    const { result } = renderBudget({ draft: '' });
    await waitFor(() => expect(result.current.remainingUsd).toBe(CAP_USD));
    expect(result.current).toMatchObject({ status: 'idle', reserveUsd: undefined, limit: { scope: 'user', kind: 'spendPerDayUsd' } });
    expect(asked).toEqual(['/api/ai/limits']);
  });

  it('is ok for a short question, warns for a long one and is blocked past the cap, before anything is sent', async () => {
    const generations = harness.emulator.generations().length;
    const { result, rerender } = renderBudget({ draft: 'When does the last tram leave?' });
    expect(result.current.status).toBe('checking');
    await waitFor(() => expect(result.current.status).toBe('ok'));
    expect(result.current.reserveUsd).toBeGreaterThan(0);
    expect(result.current.reserveUsd).toBeLessThan(CAP_USD / 2);
    expect(result.current.remainingUsd).toBe(CAP_USD);

    // About 4,000 prompt tokens (the gateway counts a token per byte of the prompt, a bound dense text cannot pass):
    // $0.0006 plus the answer, more than half of what is left.
    rerender({ draft: 'Tell me about the tram network. '.repeat(125) });
    await waitFor(() => expect(result.current.status).toBe('warn'));
    expect(result.current.pending).toBe(false);
    expect(result.current.limit).toMatchObject({ kind: 'spendPerDayUsd' });

    rerender({ draft: 'Tell me about the tram network. '.repeat(1_200) });
    await waitFor(() => expect(result.current.status).toBe('blocked'));
    expect(result.current.reserveUsd).toBeGreaterThan(CAP_USD);
    expect(result.current).toMatchObject({ blockedBy: 'your daily spend limit', resetsAt: expect.stringMatching(/T00:00:00/) as string });
    expect(harness.emulator.generations()).toHaveLength(generations);
    // The gateway agrees: sent anyway, the message is refused with the 402 the composer warned of.
    const sent = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Tell me about the tram network. '.repeat(1_200) }] }),
    });
    expect(sent.status).toBe(402);
    expect(harness.emulator.generations()).toHaveLength(generations);
  });

  it('is blocked by an attachment: a PDF counts by its pages', async () => {
    const { result, rerender } = renderBudget({ draft: 'What does this say?' });
    await waitFor(() => expect(result.current.status).toBe('ok'));
    rerender({ draft: 'What does this say?', attachments: [pdf(20)] });
    await waitFor(() => expect(result.current.status).toBe('blocked'));
    expect(result.current.reserveTokens).toBeGreaterThan(20 * 1_000);
  });

  it('asks once while the user types, and counts the conversation so far', async () => {
    const { result, rerender } = renderBudget({ draft: 'W' });
    for (const draft of ['Wh', 'Whe', 'When', 'When is', 'When is the', 'When is the tram?']) rerender({ draft });
    await waitFor(() => expect(result.current.status).toBe('ok'));
    expect(asked.filter((path) => path === '/api/ai/estimate')).toHaveLength(1);
    const alone = result.current.reserveTokens ?? 0;

    const history: ConversationMessage[] = [{ id: 'u1', role: 'user', content: 'A long earlier question. '.repeat(200), createdAt: 1 }];
    rerender({ draft: 'When is the tram?', messages: history });
    await waitFor(() => expect(result.current.reserveTokens).toBeGreaterThan(alone + 1_000));
  });

  it('is idle and asks nothing when turned off', async () => {
    const { result } = renderBudget({ draft: 'Hello', enabled: false });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(result.current.status).toBe('idle');
    expect(asked).toEqual([]);
  });
});
