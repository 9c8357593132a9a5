import { JobStore, type JobRow } from '../jobs/job-store.js';
import { itemResponse, jobResultsCsv } from '../routes/jobs.js';
import { CliError, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { STORE_OPTIONS, STORE_OPTIONS_HELP, storeTarget, withGatewayStores, type StoreTarget } from './cli-stores.js';
import type { CliEnvironment } from './serve.js';
import { expectPositionals, parseCommandArgs, runSubcommand } from './subcommand.js';
import { formatTable, formatTime, printable } from './text-table.js';

export const JOBS_USAGE = `Usage: insforge-ai jobs <list|show|cancel|results> [options]

Batch jobs (summaries, chat or embeddings requests) the gateway runs in the background.

  insforge-ai jobs list              the project's latest jobs: id, type, status, progress, cost, created
  insforge-ai jobs show ID           one job: status and why, progress, cost so far, and its failed items
                                     (the dead-letter list) with their errors
  insforge-ai jobs cancel ID         cancels a job: items not started never run, and the gateway working on it
                                     aborts those in flight within a second
  insforge-ai jobs results ID [--format json|csv]
                                     every item's result or error, on stdout (default json)

Options:
  --limit N        jobs listed (default 20)
${STORE_OPTIONS_HELP}
  -h, --help       show this help`;

const usd = (value: number) => `$${value.toFixed(6)}`;

/**
 * `insforge-ai jobs list|show|cancel|results`.
 * @example
 * await jobsCommand(['show', jobId], process.env, processIo);
 */
export function jobsCommand(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  return runSubcommand('jobs', argv, env, io, { list, show, cancel, results });
}

async function list(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...STORE_OPTIONS, limit: { type: 'string' } });
  expectPositionals(positionals, [], 'jobs list');
  const limit = values.limit === undefined ? 20 : /^\d{1,4}$/.test(values.limit) ? Number(values.limit) : Number.NaN;
  if (!(limit >= 1 && limit <= 1_000)) throw usageError(`--limit must be a whole number from 1 to 1000, got "${values.limit}"`);
  const target = storeTarget(values, env);
  const rows = await withJobs(target, async (store) => Promise.all((await store.list({ projectId: target.projectId, limit })).map((job) => store.summary(job.id))));
  const summaries = rows.filter((row) => row !== undefined);
  if (summaries.length === 0) {
    io.err(`No batch jobs in project "${target.projectId}".`);
    return 0;
  }
  const table = summaries.map(({ job, counts, costUsd }) => [job.id, job.kind, job.status, `${counts.done}/${job.total}`, String(counts.failed), usd(costUsd), formatTime(job.created_at)]);
  for (const line of formatTable(['ID', 'TYPE', 'STATUS', 'DONE', 'FAILED', 'COST (USD)', 'CREATED'], table)) io.out(line);
  return 0;
}

async function show(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  const [id] = expectPositionals(positionals, ['ID'], 'jobs show');
  const target = storeTarget(values, env);
  const { summary, failed } = await withJobs(target, async (store) => {
    const job = await jobIn(store, target, id as string);
    return { summary: await store.summary(job.id), failed: (await store.items(job.id)).filter((item) => item.status === 'failed') };
  });
  if (!summary) throw new CliError(`No job ${id} in project "${target.projectId}".`, 1);
  const { job, counts, costUsd } = summary;
  io.out(printable(`Job ${job.id} (${job.kind}): ${job.status}${job.status_reason ? ` — ${job.status_reason}` : ''}`));
  io.out(`Items: ${job.total} — ${counts.done} done, ${counts.failed} failed, ${counts.running} running, ${counts.pending} waiting, ${counts.cancelled} cancelled`);
  io.out(`Cost so far: ${usd(costUsd)} (worst case ${usd(job.worst_case_usd)})`);
  io.out(`Created ${formatTime(job.created_at)}, updated ${formatTime(job.updated_at)}${job.finished_at ? `, finished ${formatTime(job.finished_at)}` : ''}`);
  if (failed.length > 0) {
    io.out('Failed items (not retried; an admin can retry them with POST /api/ai/jobs/ID/retry):');
    for (const line of formatTable(['ITEM', 'ERROR', 'MESSAGE'], failed.map((item) => [String(item.position), item.error_code ?? '-', item.error ?? '']))) io.out(line);
  }
  return 0;
}

async function cancel(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  const [id] = expectPositionals(positionals, ['ID'], 'jobs cancel');
  const target = storeTarget(values, env);
  const skipped = await withJobs(target, async (store) => {
    const job = await jobIn(store, target, id as string);
    if (!(await store.transition(job.id, ['queued', 'running', 'paused'], 'cancelled', 'Cancelled from the command line.'))) throw new CliError(`Job ${job.id} is ${job.status} and cannot be cancelled.`, 1);
    return store.cancelUnfinished(job.id);
  });
  io.err(`Cancelled job ${id}: ${skipped} unfinished items cancelled; those in flight are aborted by the gateway working on it.`);
  return 0;
}

async function results(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...STORE_OPTIONS, format: { type: 'string' } });
  const [id] = expectPositionals(positionals, ['ID'], 'jobs results');
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw usageError(`--format must be json or csv, got "${format}"`);
  const target = storeTarget(values, env);
  const items = await withJobs(target, async (store) => store.items((await jobIn(store, target, id as string)).id));
  if (format === 'csv') io.out(jobResultsCsv(items).trimEnd());
  else io.out(JSON.stringify(items.map(itemResponse), null, 2));
  return 0;
}

function withJobs<T>(target: StoreTarget, work: (store: JobStore) => Promise<T>): Promise<T> {
  return withGatewayStores(target, (stores) => work(new JobStore(stores.database.db, stores.clock.now)));
}

async function jobIn(store: JobStore, target: StoreTarget, id: string): Promise<JobRow> {
  const job = /^[0-9a-f-]{36}$/i.test(id) ? await store.get(id) : undefined;
  if (!job || job.project_id !== target.projectId) throw new CliError(`No job ${id} in project "${target.projectId}".`, 1);
  return job;
}
