import { parsePeriod, reversedPeriodProblem, UsageQuery, type UsageTotals } from '../usage/usage-query.js';
import { usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { STORE_OPTIONS, STORE_OPTIONS_HELP, storeTarget, withGatewayStores } from './cli-stores.js';
import type { CliEnvironment } from './serve.js';
import { expectPositionals, parseCommandArgs } from './subcommand.js';
import { formatTable, formatTime } from './text-table.js';

export const USAGE_COMMAND_USAGE = `Usage: insforge-ai usage [--period day|week|month|FROM..TO] [options]

Prints the project's AI usage by feature and model: requests, tokens, cost in USD, errors and requests refused
(invalid, over a limit, blocked), from the usage ledger the gateway writes.

Options:
  --period P       day, week or month: the last 24 hours, 7 days or 30 days (default: month); or FROM..TO with
                   ISO dates or date-times, either end open (2026-01-01..2026-01-31 includes the 31st)
${STORE_OPTIONS_HELP}
  -h, --help       show this help`;

const count = (value: number) => value.toLocaleString('en-US');
const usd = (value: number) => `$${value.toFixed(6)}`;

/**
 * `insforge-ai usage`: a table by feature and model for a period, with a total line.
 * @example
 * await usageCommand(['--period', 'week'], process.env, processIo);
 */
export async function usageCommand(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...STORE_OPTIONS, period: { type: 'string' } });
  expectPositionals(positionals, [], 'usage');
  const now = Date.now();
  const periodText = values.period ?? 'month';
  const period = parsePeriod(periodText, now);
  if (!period) {
    const reversed = reversedPeriodProblem(periodText);
    throw usageError(reversed ? `--period ${periodText} ${reversed}` : `--period must be day, week, month or FROM..TO with ISO dates, got "${periodText}"`);
  }
  const target = storeTarget(values, env);
  const filter = { projectId: target.projectId, from: period.from, to: period.to };
  const summary = await withGatewayStores(target, (stores) => new UsageQuery(stores.database.db).summarize(filter, ['feature', 'model']));
  io.err(`Usage of project "${target.projectId}" from ${formatTime(period.from ?? null)} to ${formatTime(period.to ?? now)}:`);
  if (summary.totals.requests === 0) {
    io.err('No requests in this period.');
    return 0;
  }
  const cells = (totals: UsageTotals) => [count(totals.requests), count(totals.promptTokens), count(totals.completionTokens), usd(totals.costUsd), count(totals.errors), count(totals.rejected)];
  // Without a feature, a served model was asked for by its id; nothing served, the request never named a feature
  // (refused before: a body that is no request, an unknown model).
  const featureOf = (group: { feature?: string | null; model?: string | null }) => group.feature ?? (group.model ? '(raw model)' : '(no feature)');
  const rows = summary.groups.map((group) => [featureOf(group), group.model ?? '-', ...cells(group)]);
  rows.push(['TOTAL', '', ...cells(summary.totals)]);
  for (const line of formatTable(['FEATURE', 'MODEL', 'REQUESTS', 'PROMPT TOKENS', 'COMPLETION TOKENS', 'COST (USD)', 'ERRORS', 'REFUSED'], rows)) io.out(line);
  if (summary.totals.estimatedCosts > 0) io.err(`${count(summary.totals.estimatedCosts)} of these requests have an estimated cost (OpenRouter's figure not yet, or never, known).`);
  return 0;
}
