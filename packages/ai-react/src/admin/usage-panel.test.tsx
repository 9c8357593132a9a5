import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { createAiClient, type AiClient } from '../core/client.js';
import { AiProvider } from '../react/ai-provider.js';
import { defaultUsagePanelLabels } from './admin-labels.js';
import type { UsageCsvReader } from './usage-csv.js';
import { UsagePanel, type UsagePanelProps } from './usage-panel.js';

type HarnessOptions = NonNullable<Parameters<typeof startHarness>[0]>;

let harness: Harness;
let admin: AiClient;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  const options: HarnessOptions = { emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } };
  // `usage: undefined` replaces the harness's in-memory sink with the gateway's own ledger, which the usage routes read.
  Object.assign(options, { usage: undefined });
  harness = await startHarness(options);
  admin = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

async function expectNoAxeViolations() {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

function renderPanel(props: UsagePanelProps = {}) {
  const user = userEvent.setup();
  const view = render(
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
      <UsagePanel defaultPeriod="day" {...props} />
    </AiProvider>,
  );
  return { user, ...view };
}

/** The gateway's CSV route, read as an app without `client.usage.csv` would pass it in. */
const readCsv: UsageCsvReader = async ({ period }, { signal }) => {
  const response = await fetch(`${harness.url}/api/ai/usage?format=csv&period=${period ?? 'week'}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(signal ? { signal } : {}) });
  expect(response.headers.get('content-type')).toContain('text/csv');
  return response.text();
};

describe('UsagePanel', () => {
  it('shows the requests just made, with their cost, by feature and by model, and downloads them as CSV', async () => {
    const user1 = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    await user1.chat.complete({ model: 'chat', messages: [{ role: 'user', content: 'Count me' }] });
    await user1.chat.complete({ model: 'code', messages: [{ role: 'user', content: 'Count me too' }] });
    const csv = vi.fn(readCsv);
    const { user, container } = renderPanel({ readCsv: csv });
    const panel = screen.getByRole('region', { name: 'Usage' });

    // The ledger writes in batches: refresh until both requests are in.
    await waitFor(async () => {
      await user.click(screen.getByRole('button', { name: 'Refresh' }));
      const byFeature = screen.getByRole('table', { name: 'Cost by feature' });
      expect(within(byFeature).getAllByRole('row')).toHaveLength(3);
    }, { timeout: 10_000, interval: 200 });
    const summary = await admin.usage.summary({ period: 'day', groupBy: 'feature' });
    const costOf = (feature: string) => defaultUsagePanelLabels.formatMoney(Number(summary.groups?.find((group) => group['feature'] === feature)?.costUsd));
    const byFeature = screen.getByRole('table', { name: 'Cost by feature' });
    for (const feature of ['chat', 'code']) {
      const row = within(byFeature).getByRole('row', { name: new RegExp(`^${feature} `) });
      expect(within(row).getAllByRole('cell')[0]!.textContent).toBe('1');
      expect(within(row).getAllByRole('cell')[3]!.textContent).toBe(costOf(feature));
      expect(costOf(feature)).toMatch(/^\$0\.\d+/);
    }
    const byModel = screen.getByRole('table', { name: 'Cost by model' });
    expect(within(byModel).getByRole('rowheader', { name: 'openai/gpt-4o-mini' })).toBeTruthy();
    expect(within(byModel).getByRole('rowheader', { name: 'anthropic/claude-sonnet-4' })).toBeTruthy();
    const totals = screen.getByTestId('usage-totals');
    expect(within(totals).getByText(defaultUsagePanelLabels.formatMoney(Number(summary.totals?.costUsd)))).toBeTruthy();
    expect(within(totals).getByText('2')).toBeTruthy();
    // Each chart is an image named and described in words.
    const charts = screen.getAllByRole('img');
    expect(charts.map((chart) => chart.getAttribute('aria-labelledby')?.split(' ').map((id) => document.getElementById(id)?.textContent)[0])).toEqual(['Cost over time', 'Cost by feature', 'Cost by model']);
    expect(document.getElementById(charts[1]!.getAttribute('aria-labelledby')!.split(' ')[1]!)!.textContent).toMatch(/^2 bars; highest: (chat|code), \$0\.\d+; total \$0\.\d+\.$/);
    await expectNoAxeViolations();

    await user.click(screen.getByRole('radio', { name: 'Requests' }));
    expect(screen.getByRole('table', { name: 'Requests by feature' })).toBeTruthy();
    expect(container.querySelector('[data-state="ready"]')).toBeTruthy();

    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:usage');
    vi.spyOn(URL, 'revokeObjectURL').mockReturnValue(undefined);
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockReturnValue(undefined);
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    await waitFor(() => expect(within(panel).getByText('Downloaded usage-day.csv.')).toBeTruthy());
    expect(csv).toHaveBeenCalledWith({ period: 'day' }, expect.objectContaining({ signal: expect.any(AbortSignal) }));
    expect(click).toHaveBeenCalledTimes(1);
    const text = await csv.mock.results[0]!.value;
    expect(text.split('\r\n')[0]).toContain('feature');
    expect(text).toContain(',chat,');
    expect(text).toContain(',code,');
  });

  it('groups the requests no model answered as "Not served" under Cost by model, never under the feature they named', async () => {
    const user1 = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    // A negative max_tokens is refused before any model runs, and the refusal is recorded.
    await user1.chat.complete({ model: 'chat', messages: [{ role: 'user', content: 'Answered' }] });
    await expect(user1.chat.complete({ model: 'chat', messages: [{ role: 'user', content: 'x' }], max_tokens: -5 } as never)).rejects.toThrow();
    const { user } = renderPanel({ defaultMetric: 'requests' });
    await waitFor(async () => {
      await user.click(screen.getByRole('button', { name: 'Refresh' }));
      expect(within(screen.getByRole('table', { name: 'Requests by model' })).getByRole('rowheader', { name: 'Not served' })).toBeTruthy();
    }, { timeout: 10_000, interval: 200 });
    const byModel = within(screen.getByRole('table', { name: 'Requests by model' }));
    expect(byModel.queryByRole('rowheader', { name: 'chat' })).toBeNull();
    expect(byModel.getByRole('rowheader', { name: 'openai/gpt-4o-mini' })).toBeTruthy();
  });

  it("offers CSV with the client's own reader only when it has one", async () => {
    const client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    renderPanel();
    await waitFor(() => expect(screen.getByRole('region', { name: 'Usage' }).getAttribute('data-state')).toBe('ready'), { timeout: 10_000 });
    expect(screen.queryByRole('button', { name: 'Download CSV' }) !== null).toBe('csv' in client.usage);
  });

  it('says plainly when the caller is not an admin', async () => {
    render(
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={globalThis.fetch}>
        <UsagePanel />
      </AiProvider>,
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('You do not have permission to do this; ask an administrator for access.');
    expect(screen.getByRole('region', { name: 'Usage' }).getAttribute('data-state')).toBe('error');
    await expectNoAxeViolations();
  });
});
