import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { startServeProcess, type ServeProcess } from '../../test/serve-process.js';

const ADMIN = 'ik_jobs_crash_admin_0123456';
const CLIENT = 'ik_jobs_crash_client_0123456';
const upstreamKey = generateKey();
let emulator: Emulator;
let directory: string;
let features: string;
const running: ServeProcess[] = [];
let postgres: TestDatabase | undefined;
/** The emulator's line per request: `POST /api/v1/chat/completions 502 3ms`. */
const requestLines: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ keys: [upstreamKey], log: (line) => requestLines.push(line) });
  directory = mkdtempSync(path.join(tmpdir(), 'insforge-jobs-crash-'));
  features = path.join(directory, 'features.json');
  writeFileSync(features, JSON.stringify([{ name: 'summarize', model: 'openai/gpt-4o-mini', params: { max_tokens: 200 } }]));
});
afterAll(async () => {
  for (const process of running) process.child.kill('SIGCONT');
  await Promise.all(running.map((process) => process.stop('SIGKILL')));
  await emulator.close();
  await postgres?.drop();
  rmSync(directory, { recursive: true, force: true });
});

const serve = async (database: string, args: string[]) => {
  const env = { OPENROUTER_API_KEY: upstreamKey, INSFORGE_AI_ADMIN_TOKEN: ADMIN, INSFORGE_AI_CLIENT_KEY: CLIENT };
  const process = await startServeProcess(['--upstream', emulator.url, '--database', database, '--features', features, ...args], env);
  running.push(process);
  return process;
};

interface JobView {
  status: string;
  progress: { total: number; done: number; failed: number; running: number; pending: number };
}

const jobOf = async (instance: ServeProcess, id: string) =>
  (await (await fetch(`${instance.url}/api/ai/jobs/${id}`, { headers: { authorization: `Bearer ${CLIENT}` } })).json()) as JobView;

/** A summarize job of `count` articles whose text carries `tag`, each answered slowly (about a second). */
async function slowJob(instance: ServeProcess, tag: string, count: number): Promise<string> {
  emulator.addRule({ match: { contains: tag }, scenario: 'ttft=300;tps=100;tokens=60' });
  const articles = Array.from({ length: count }, (_, index) => ({ id: `a${index}`, content: `${tag} article ${index}: the harbour reopened after the storm.` }));
  const created = await fetch(`${instance.url}/api/ai/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'summarize', articles, options: { summary_length: 'short' } }),
  });
  expect(created.status).toBe(202);
  return ((await created.json()) as { id: string }).id;
}

/** Items of `tag` OpenRouter is generating at this moment. */
const inFlight = (tag: string) => emulator.generations().filter((probe) => probe.status === 'running' && JSON.stringify(probe.request).includes(tag)).length;

describe('batch jobs of insforge-ai serve after a crash or a pause', () => {
  it('on SQLite: resumes at once, not after the job lease, a job whose process was killed on this machine', async () => {
    const tag = `killed-${randomBytes(4).toString('hex')}`;
    const database = path.join(directory, 'killed.db');
    // A lease far longer than the test waits: only knowing the process is gone lets the next start go on.
    const args = ['--job-lease', '60', '--job-items', '2'];
    const first = await serve(database, args);
    const id = await slowJob(first, tag, 8);
    await expect.poll(async () => (await jobOf(first, id)).progress.done, { timeout: 20_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    await first.stop('SIGKILL');

    const restarted = Date.now();
    const second = await serve(database, args);
    const doneAtStart = (await jobOf(second, id)).progress.done;
    await expect.poll(async () => (await jobOf(second, id)).progress.done, { timeout: 15_000, interval: 100 }).toBeGreaterThan(doneAtStart);
    expect(Date.now() - restarted).toBeLessThan(15_000);
    await expect.poll(async () => (await jobOf(second, id)).status, { timeout: 30_000, interval: 200 }).toBe('completed');
    const job = await jobOf(second, id);
    expect(job.progress.done + job.progress.failed).toBe(8);
    await second.stop();
  }, 90_000);

  it('on SQLite: runs again an item whose process was killed while it waited to try it again, instead of failing it as maybe billed', async () => {
    const tag = `backoff-${randomBytes(4).toString('hex')}`;
    const database = path.join(directory, 'backoff.db');
    const args = ['--job-lease', '60'];
    const first = await serve(database, args);
    // Every call fails with a 502 (the gateway tries three times), and the item waits a second before its next attempt.
    const failing = emulator.addRule({ match: { contains: tag }, scenario: { failStatus: 502 } });
    const failed = () => requestLines.filter((line) => line.startsWith('POST /api/v1/chat/completions 502')).length;
    const before = failed();
    const created = await fetch(`${first.url}/api/ai/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'summarize', articles: [{ id: 'a0', content: `${tag}: the ferry timetable changes next week.` }], options: { summary_length: 'short' } }),
    });
    const id = ((await created.json()) as { id: string }).id;
    await expect.poll(() => failed() - before, { timeout: 10_000, interval: 5 }).toBe(3);
    // Well into its wait: the attempt has failed in the worker too.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await first.stop('SIGKILL');
    failing.remove();

    const second = await serve(database, args);
    await expect.poll(async () => (await jobOf(second, id)).status, { timeout: 20_000, interval: 100 }).toBe('completed');
    expect((await jobOf(second, id)).progress).toMatchObject({ done: 1, failed: 0 });
    await second.stop();
  }, 60_000);

  // On Postgres a lease's renewal is a round trip: a process resumed after a pause reads the answers of its items
  // before the database says its lease is gone, and would start the next ones on a job another instance now runs.
  it('on Postgres: starts no item on a job it lost while paused past its lease, once resumed', async () => {
    const tag = `paused-${randomBytes(4).toString('hex')}`;
    postgres = await createTestDatabase('postgres');
    const args = ['--job-lease', '1', '--job-items', '2'];
    const [first, second] = [await serve(postgres.url, args), await serve(postgres.url, args)];
    const id = await slowJob(first, tag, 24);
    // Whichever instance took the job is paused mid-item (SIGSTOP) for longer than its lease; the other takes it over.
    await expect.poll(() => inFlight(tag), { timeout: 20_000, interval: 20 }).toBe(2);
    const row = await postgres.database.db.selectFrom('batch_jobs').select('locked_by').where('id', '=', id).executeTakeFirstOrThrow();
    const holderPid = row.locked_by?.split(':').at(-2);
    const holder = [first, second].find((instance) => String(instance.child.pid) === holderPid) as ServeProcess;
    const other = holder === first ? second : first;
    holder.child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await expect.poll(() => inFlight(tag), { timeout: 10_000, interval: 20 }).toBeGreaterThan(0);
    // Resumed, the paused instance finishes the items it had sent, and starts none: the job has two items in flight
    // at a time, the other instance's, as `--job-items 2` says.
    const resumedAt = Date.now();
    holder.child.kill('SIGCONT');
    await expect.poll(async () => (await jobOf(other, id)).status, { timeout: 60_000, interval: 200 }).toBe('completed');
    // Each item's generation, from its start to its end (or the gateway's hanging up): never more than two at once
    // among those started since the resume.
    const spans = emulator
      .generations()
      .filter((probe) => JSON.stringify(probe.request).includes(tag))
      .map((probe) => ({ start: probe.startedAt, end: probe.endedAt ?? probe.clientClosedAt ?? Number.POSITIVE_INFINITY }));
    if (process.env['SHOW_SPANS']) console.log(resumedAt, spans.map((span) => [span.start - resumedAt, span.end - resumedAt]));
    const most = Math.max(...spans.filter((span) => span.start >= resumedAt).map((span) => spans.filter((other_) => other_.start <= span.start && span.start < other_.end).length));
    expect(most).toBeLessThanOrEqual(2);
  }, 120_000);
});
