import { beforeAll, describe, expect, it } from 'vitest';
import { runCapturedCli } from '../../test/captured-cli.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';
import { usageRow } from '../../test/usage-rows.js';
import { openGatewayStores } from '../store/gateway-stores.js';

const DAY = 86_400_000;
let database: string;

const inDirectory = useTemporaryDirectory('insforge-ai-usage-');
beforeAll(async () => {
  database = inDirectory('ai.db');
  const stores = await openGatewayStores({ database, defaultProjectId: 'default' });
  const now = Date.now();
  await stores.database.db
    .insertInto('usage_records')
    .values([
      usageRow({ project_id: 'default', feature: 'chat', cost_usd: 0.0012, prompt_tokens: 1_000, completion_tokens: 500, created_at: now - DAY / 2 }),
      usageRow({ project_id: 'default', feature: 'chat', status: 'error', cost_usd: 0, prompt_tokens: 0, completion_tokens: 0, created_at: now - DAY / 2 }),
      usageRow({ project_id: 'default', feature: 'code', served_model: 'anthropic/claude-sonnet-4', cost_usd: 0.25, prompt_tokens: 12_000, completion_tokens: 3_000, created_at: now - 3 * DAY }),
      usageRow({ project_id: 'default', feature: null, requested_model: 'openai/gpt-4o', served_model: 'openai/gpt-4o', status: 'cancelled', cost_source: 'estimated', cost_usd: 0.0001, created_at: now - 3 * DAY }),
      usageRow({ project_id: 'default', feature: 'chat', cost_usd: 9, created_at: now - 60 * DAY }),
      usageRow({ project_id: 'acme', feature: 'chat', cost_usd: 1, created_at: now - DAY / 2 }),
      // Requests refused before they named a feature (a body that is not a request, an unknown model) and one served.
      usageRow({ project_id: 'refusals', feature: null, requested_model: '', served_model: null, status: 'rejected', error_code: 'invalid_request', cost_usd: 0, prompt_tokens: 0, completion_tokens: 0, created_at: now - DAY / 2 }),
      usageRow({ project_id: 'refusals', feature: null, requested_model: 'poetry', served_model: null, status: 'rejected', error_code: 'model_not_found', cost_usd: 0, prompt_tokens: 0, completion_tokens: 0, created_at: now - DAY / 2 }),
      usageRow({ project_id: 'refusals', feature: 'chat', cost_usd: 0.0012, prompt_tokens: 1_000, completion_tokens: 500, created_at: now - DAY / 2 }),
    ])
    .execute();
  await stores.close();
});

async function cli(argv: string[]) {
  const { exitCode, out, err } = await runCapturedCli(['usage', ...argv, '--database', database]);
  return { exitCode, out, err: err.join('\n') };
}

describe('insforge-ai usage', () => {
  it('prints a table by feature and model for the period, most expensive first, with a total', async () => {
    const { exitCode, out, err } = await cli(['--period', 'week']);
    expect(exitCode).toBe(0);
    expect(out).toEqual([
      'FEATURE      MODEL                      REQUESTS  PROMPT TOKENS  COMPLETION TOKENS  COST (USD)  ERRORS  REFUSED',
      'code         anthropic/claude-sonnet-4  1         12,000         3,000              $0.250000   0       0',
      'chat         openai/gpt-4o-mini         2         1,000          500                $0.001200   1       0',
      '(raw model)  openai/gpt-4o              1         10             20                 $0.000100   0       0',
      'TOTAL                                   4         13,010         3,520              $0.251300   1       0',
    ]);
    expect(err).toContain('Usage of project "default" from ');
    expect(err).toContain('1 of these requests have an estimated cost');
  });

  it('counts refused requests apart, and does not take those that named no feature for raw model ids', async () => {
    const { out } = await cli(['--project', 'refusals', '--period', 'week']);
    expect(out.map((line) => line.split(/\s{2,}/))).toEqual([
      ['FEATURE', 'MODEL', 'REQUESTS', 'PROMPT TOKENS', 'COMPLETION TOKENS', 'COST (USD)', 'ERRORS', 'REFUSED'],
      ['chat', 'openai/gpt-4o-mini', '1', '1,000', '500', '$0.001200', '0', '0'],
      ['(no feature)', '-', '2', '0', '0', '$0.000000', '0', '2'],
      ['TOTAL', '3', '1,000', '500', '$0.001200', '0', '2'],
    ]);
  });

  it('takes a shorter period, a date range, and another project', async () => {
    const day = await cli(['--period', 'day']);
    expect(day.out.map((line) => line.split(/\s{2,}/)[0])).toEqual(['FEATURE', 'chat', 'TOTAL']);
    const range = await cli(['--period', `${new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10)}..`]);
    expect(range.out.at(-1)).toMatch(/^TOTAL\s+5\s/);
    const acme = await cli(['--project', 'acme', '--period', 'week']);
    expect(acme.out.at(-1)).toMatch(/^TOTAL\s+1\s.*\$1\.000000/);
  });

  it('says so when the period has no requests', async () => {
    const { exitCode, out, err } = await cli(['--period', '2020-01-01..2020-01-31']);
    expect(exitCode).toBe(0);
    expect(out).toEqual([]);
    expect(err).toContain('No requests in this period.');
  });

  it('exits 2 for a period it cannot read, and shows its help', async () => {
    const bad = await cli(['--period', 'fortnight']);
    expect(bad.exitCode).toBe(2);
    expect(bad.err).toContain('--period must be day, week, month or FROM..TO');
    const reversed = await cli(['--period', '2027-01-01..2026-01-01']);
    expect(reversed.exitCode).toBe(2);
    expect(reversed.err).toContain('--period 2027-01-01..2026-01-01 runs backwards: its end is before its start (2026-01-01..2027-01-01 is the other way round)');
    expect(reversed.err).not.toContain('must be day, week, month');
    const help = await cli(['--help']);
    expect(help.out.join('\n')).toContain('Usage: insforge-ai usage');
  });
});
