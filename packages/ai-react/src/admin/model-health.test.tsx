import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { AiProvider } from '../react/ai-provider.js';
import { ErrorsTable } from './errors-table.js';
import { ModelHealth } from './model-health.js';

const PRIMARY = 'openai/gpt-4o-mini';
const FALLBACK = 'anthropic/claude-sonnet-4';
let harness: Harness;

beforeAll(async () => {
  type HarnessOptions = NonNullable<Parameters<typeof startHarness>[0]>;
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  const options: HarnessOptions = {
    emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } },
    retry: { maxRetries: 0 },
    operations: { circuitBreakers: { failureThreshold: 2, openMs: 60_000 } },
    ledger: { flushIntervalMs: 5 },
  };
  // The gateway's own ledger (model performance reads it), not the harness's in-memory sink.
  Object.assign(options, { usage: undefined });
  harness = await startHarness(options);
  harness.emulator.addRule({ match: { model: PRIMARY }, scenario: 'status=503' });
  for (const content of ['one', 'two', 'three']) {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] }),
    });
    expect(response.status).toBe(200);
  }
  // The ledger writes in the background: the panels read it once, so it must hold the three requests first.
  const answered = async () => {
    const response = await fetch(`${harness.url}/api/ai/models/performance?window=1h`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { data } = (await response.json()) as { data: Array<{ model: string; requests: number }> };
    return data.find((row) => row.model === FALLBACK)?.requests ?? 0;
  };
  for (let tries = 0; tries < 500 && (await answered()) < 3; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
});
afterAll(() => harness.close());
afterEach(cleanup);

async function expectNoAxeViolations() {
  const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false }, region: { enabled: false } } });
  expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)).toEqual([]);
}

const renderAs = (token: string, ui: React.ReactNode) =>
  render(
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${token}` }} fetch={globalThis.fetch}>
      {ui}
    </AiProvider>,
  );

describe('ModelHealth', () => {
  it('shows the open circuit of the failing model and each model\'s requests and error rate from the ledger', async () => {
    renderAs(ADMIN_TOKEN, <ModelHealth refreshMs={0} />);
    const region = await screen.findByRole('region', { name: 'Model health' });
    const circuit = await within(region).findByText(PRIMARY, { selector: 'strong bdi' });
    expect(circuit.closest('li')?.getAttribute('data-state')).toBe('open');
    expect(circuit.closest('li')?.textContent).toMatch(/Open\s+Model openai\/gpt-4o-mini — probe at/);
    const table = await within(region).findByRole('table', { name: 'Latency, errors and cost by model' });
    await waitFor(() => expect(within(table).getByRole('rowheader', { name: FALLBACK })).toBeTruthy());
    const fallbackRow = within(table).getByRole('rowheader', { name: FALLBACK }).closest('tr')!;
    expect(fallbackRow?.getAttribute('data-circuit')).toBe('closed');
    const cells = within(fallbackRow).getAllByRole('cell').map((cell) => cell.textContent);
    // Provider, circuit, requests, error rate: the three answers all came from the fallback.
    expect(cells.slice(0, 4)).toEqual(['Anthropic', 'Closed', '3', '0.0%']);
    expect(region.getAttribute('data-state')).toBe('ready');
    await expectNoAxeViolations();
  });

  it('says why when the caller is not an admin', async () => {
    renderAs(CLIENT_KEY, <ModelHealth refreshMs={0} />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/admin/i);
  });
});

describe('ErrorsTable', () => {
  it('lists the failed attempts with their class, code, model and request id, and filters by class', async () => {
    const user = userEvent.setup();
    renderAs(ADMIN_TOKEN, <ErrorsTable />);
    const region = await screen.findByRole('region', { name: 'Recent errors' });
    const table = await within(region).findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    // Two failed attempts opened the circuit; the third request never called the failing model.
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.getAttribute('data-class')).toBe('upstream');
      expect(row.textContent).toContain('upstream_error');
      expect(row.textContent).toContain(PRIMARY);
      expect(row.textContent).toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
    await user.selectOptions(within(region).getByRole('combobox', { name: 'Class' }), 'timeout');
    expect(await within(region).findByText('No errors recorded.')).toBeTruthy();
    await expectNoAxeViolations();
  });
});
