import { cleanup, render, renderHook, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { AiProvider } from '../../react/ai-provider.js';
import { useSummarize } from '../../react/use-summarize.js';
import { BatchSummarizer } from './batch-summarizer.js';

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({
    emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } },
    features: [...DEFAULT_FEATURES, { name: 'summarize', model: 'openai/gpt-4o-mini', systemPrompt: 'You summarize news.', params: { max_tokens: 300 } }],
    jobs: { statusPollMs: 50, pollMs: 50 },
  });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  harness.emulator.clearRules();
});

function Wrapper({ children }: { children: ReactNode }) {
  return (
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={globalThis.fetch}>
      {children}
    </AiProvider>
  );
}

const articles = (count: number, word: string) => Array.from({ length: count }, (_, index) => `${word} story ${index}: the council approved the new park.`).join('\n---\n');

describe('BatchSummarizer', () => {
  it('summarizes pasted articles as a job, with a progress bar to the end, key points, sentiment and an export', async () => {
    const exports = vi.fn();
    const user = userEvent.setup();
    const { container } = render(<BatchSummarizer onExport={exports} />, { wrapper: Wrapper });
    await user.click(screen.getByLabelText('Articles'));
    await user.paste(articles(5, 'Local'));
    expect(screen.getByText('5 articles ready')).toBeTruthy();
    await user.click(screen.getByRole('radio', { name: 'Paragraph' }));
    await user.click(screen.getByRole('button', { name: 'Summarize' }));
    const bar = await screen.findByRole('progressbar', { name: 'Summarizing' });
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('5'), { timeout: 10_000 });
    await waitFor(() => expect(container.querySelector('.ia-batch-summarizer')?.getAttribute('data-state')).toBe('completed'));
    expect(bar.getAttribute('aria-valuetext')).toMatch(/^5 of 5 done · \$0\.\d{4} so far$/);
    const results = within(screen.getByRole('list', { name: 'Summaries' })).getAllByRole('heading', { level: 3 });
    expect(results).toHaveLength(5);
    expect(screen.getAllByRole('heading', { name: 'Key points', level: 4 })).toHaveLength(5);
    expect(container.querySelectorAll('[data-sentiment]')).toHaveLength(5);
    // The options chosen reached the model: a paragraph, asked for in the request's schema.
    const request = harness.emulator.generations().at(-1)?.request as { response_format: { json_schema: { schema: { properties: { summary: { description: string } } } } } };
    expect(request.response_format.json_schema.schema.properties.summary.description).toMatch(/as one paragraph/);

    await user.click(screen.getByRole('button', { name: 'Export JSON' }));
    const file = exports.mock.calls[0]?.[0] as { name: string; text: string };
    expect(file.name).toMatch(/^summaries-.*\.json$/);
    expect((JSON.parse(file.text) as unknown[]).length).toBe(5);
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect((exports.mock.calls[1]?.[0] as { text: string }).text.split('\r\n')[0]).toBe('index,id,status,summary,key_points,sentiment,sentiment_score,model,cost_usd,error');

    const report = await axe.run(container, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
    expect(report.violations.map((violation) => violation.id)).toEqual([]);
  });

  it('cancels a running job from its Cancel button', async () => {
    harness.emulator.addRule({ match: { contains: 'Slow' }, scenario: 'ttft=2000' });
    const user = userEvent.setup();
    const { container } = render(<BatchSummarizer />, { wrapper: Wrapper });
    await user.click(screen.getByLabelText('Articles'));
    await user.paste(articles(8, 'Slow'));
    await user.click(screen.getByRole('button', { name: 'Summarize' }));
    await user.click(await screen.findByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(container.querySelector('.ia-batch-summarizer')?.getAttribute('data-state')).toBe('cancelled'), { timeout: 10_000 });
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Summarize' }).hasAttribute('disabled')).toBe(false);
  });

  it('says when pasted articles cannot be read', async () => {
    const user = userEvent.setup();
    render(<BatchSummarizer />, { wrapper: Wrapper });
    await user.click(screen.getByLabelText('Articles'));
    await user.paste('[{"content": ');
    expect(screen.getByText('These articles could not be read.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Summarize' }).hasAttribute('disabled')).toBe(true);
  });
});

describe('useSummarize', () => {
  it('answers a few articles at once, without a job', async () => {
    const { result } = renderHook(() => useSummarize(), { wrapper: Wrapper });
    await result.current.summarize([{ id: 'x', content: 'The harbour reopened after the storm.' }], { include_sentiment: false });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(result.current.jobId).toBeUndefined();
    expect(result.current.summaries?.[0]).toMatchObject({ id: 'x', model: 'openai/gpt-4o-mini' });
  });
});
