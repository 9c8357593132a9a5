import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayErrorEntry, ModelHealthReport } from '@insforge/ai-protocol';
import { AiProvider } from '../react/ai-provider.js';
import { DEFAULT_USAGE_PANEL_LABELS } from './admin-labels.js';
import { ErrorsTable } from './errors-table.js';
import { FeatureHistory } from './feature-history.js';
import { ModelHealth } from './model-health.js';
import { UsageTable } from './usage-table.js';

afterEach(cleanup);

// A right-to-left override makes "gpt-4o\u202Cmini" read backwards, and a zero-width space hides inside a name.
const DISGUISED = 'openai/\u202Einim-o4-tpg';
const HIDDEN = 'chat\u200Bbot';

/** A gateway answering each admin read from `routes` by path. */
function renderWith(routes: Record<string, unknown>, ui: React.ReactNode) {
  const fetch = async (input: RequestInfo | URL) => {
    const { pathname } = new URL(input instanceof Request ? input.url : String(input));
    return pathname in routes ? Response.json(routes[pathname]) : Response.json({ error: { message: 'Not found', type: 'invalid_request_error', code: 'not_found' } }, { status: 404 });
  };
  return render(
    <AiProvider baseUrl="http://gateway.test" fetch={fetch}>
      {ui}
    </AiProvider>,
  );
}

/** Every text node in `element` is isolated from its neighbours (a `<bdi>` around it) and shows no bidi control raw. */
function expectShownPlainly(element: HTMLElement, raw: string, shown: string) {
  expect(element.textContent).not.toContain(raw);
  expect(element.textContent).toContain(shown);
  expect(element.querySelector('bdi')?.textContent).toBe(shown);
}

describe('names from the gateway in the admin panels', () => {
  it('ErrorsTable writes out bidi controls and invisible characters in models, features and codes, isolated', async () => {
    const entry: GatewayErrorEntry = { at: '2026-01-01T00:00:00Z', requestId: 'req\u2066_1', kind: 'request', class: 'upstream', code: 'upstream_error', endpoint: '/v1/chat/completions', feature: HIDDEN, model: DISGUISED };
    renderWith({ '/api/ai/errors': { data: [entry] } }, <ErrorsTable />);
    const row = (await screen.findAllByRole('row'))[1]!;
    const cells = within(row).getAllByRole('cell');
    expectShownPlainly(cells[3]!, DISGUISED, 'openai/\\u202einim-o4-tpg');
    expectShownPlainly(cells[4]!, HIDDEN, 'chat\\u200bbot');
    expectShownPlainly(cells[5]!, 'req\u2066_1', 'req\\u2066_1');
  });

  it('ModelHealth writes them out in the circuits and the table, so the text after a name keeps its order', async () => {
    const report: ModelHealthReport = {
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-01T01:00:00Z',
      circuitBreakers: { enabled: true },
      circuits: [{ scope: 'model', name: DISGUISED, state: 'open', failures: 3, openedAt: '2026-01-01T00:59:00Z', retryAt: '2026-01-01T01:01:00Z' }],
      models: [{ model: DISGUISED, provider: HIDDEN, circuit: 'open', requests: 3, errors: 3, cancelled: 0, errorRate: 1, latencyP50Ms: null, latencyP95Ms: null, timeToFirstTokenP50Ms: null, timeToFirstTokenP95Ms: null, tokensPerSecond: null, costUsd: 0, costPerRequestUsd: null }],
    };
    renderWith({ '/api/ai/models/health': report }, <ModelHealth refreshMs={0} />);
    const circuit = (await screen.findAllByRole('listitem'))[0]!;
    expectShownPlainly(circuit, DISGUISED, 'openai/\\u202einim-o4-tpg');
    const row = screen.getAllByRole('row')[1]!;
    expectShownPlainly(within(row).getByRole('rowheader'), DISGUISED, 'openai/\\u202einim-o4-tpg');
    expectShownPlainly(within(row).getAllByRole('cell')[0]!, HIDDEN, 'chat\\u200bbot');
  });

  it('UsageTable writes them out in its group names (a user id, a feature)', () => {
    const row = { key: 'user-\u202Egnp.exe', requests: 1, promptTokens: 1, completionTokens: 1, costUsd: 0, errors: 0, totalTokens: 2, latencyP50Ms: null };
    render(<UsageTable caption="By user" keyHeader="User" rows={[row]} labels={DEFAULT_USAGE_PANEL_LABELS} />);
    expectShownPlainly(screen.getByRole('rowheader'), 'user-\u202Egnp.exe', 'user-\\u202egnp.exe');
  });
});

describe('who changed a feature, as FeatureHistory shows it', () => {
  /** FeatureHistory of a feature whose one version `changedBy` saved; resolves to its "Created by …" line. */
  async function historyLineBy(changedBy: string): Promise<string> {
    const configuration = { model: 'openai/gpt-4o-mini', systemPrompt: 'Answer briefly.', params: {} };
    const config = { ...configuration, id: 'faq', name: 'faq', provider: 'openrouter', modelId: 'openai/gpt-4o-mini', version: 1, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', updatedBy: 'admin' };
    const entry = { version: 1, action: 'create', changedBy, changedAt: '2026-01-01T00:00:00Z', configuration };
    renderWith({ '/api/ai/configurations/faq': config, '/api/ai/configurations/faq/history': { data: [entry] } }, <FeatureHistory feature="faq" />);
    await screen.findByRole('heading', { name: 'Version 1' });
    return document.querySelector('.ia-history__meta')!.textContent ?? '';
  }

  it('writes out bidi controls in the actor, so the name cannot reorder the time after it', async () => {
    const line = await historyLineBy('admin:\u202Enimda-eurt');
    expect(line).not.toContain('\u202E');
    expect(line).toContain('by admin:\\u202enimda-eurt, ');
  });

  it('isolates an actor in a right-to-left script, so the time after it keeps its place', async () => {
    expect(await historyLineBy('admin:דנה')).toContain('by \u2068admin:דנה\u2069, ');
  });
});

describe('figures from the gateway in the admin panels', () => {
  it('ModelHealth shows a dash for a figure that is no number (a string, missing) instead of failing the page', async () => {
    const row = { model: 'openai/gpt-4o-mini', provider: null, circuit: 'closed', requests: '12', errors: 0, cancelled: 0, errorRate: '0.5', latencyP50Ms: null, latencyP95Ms: 'slow', timeToFirstTokenP50Ms: null, timeToFirstTokenP95Ms: null, costUsd: 0 };
    const report = { from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z', circuitBreakers: { enabled: false }, circuits: [], models: [row] };
    renderWith({ '/api/ai/models/health': report }, <ModelHealth refreshMs={0} />);
    const table = await screen.findByRole('table');
    const cells = within(within(table).getAllByRole('row')[1]!).getAllByRole('cell');
    // Provider, circuit, requests, error rate, p50, p95, first token, tokens/s, cost/request.
    expect(cells.map((cell) => cell.textContent)).toEqual(['—', 'Closed', '—', '—', '—', '—', '—', '—', '—']);
  });
});

describe('words from a gateway of another version in the admin panels', () => {
  it('ErrorsTable shows a class, a kind or a time it has no words for as the gateway sent it, not a blank or "Invalid Date"', async () => {
    const entry = { at: 'yesterday', requestId: 'req_1', kind: 'retry', class: 'moderation', code: 'flagged', endpoint: '/v1/chat/completions', feature: null, model: 'openai/gpt-4o-mini' };
    renderWith({ '/api/ai/errors': { data: [entry] } }, <ErrorsTable />);
    const row = (await screen.findAllByRole('row'))[1]!;
    expect(within(row).getByRole('rowheader').textContent).toBe('yesterday');
    expect(within(row).getAllByRole('cell').map((cell) => cell.textContent)).toEqual(['moderation', 'flagged', 'retry', 'openai/gpt-4o-mini', '—', 'req_1']);
  });
});
