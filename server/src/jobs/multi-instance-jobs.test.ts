import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { startServeProcess, type ServeProcess } from '../../test/serve-process.js';

const ADMIN = 'ik_jobs_multi_admin_0123456';
const CLIENT = 'ik_jobs_multi_client_0123456';
const prefix = `insforge-test:${randomBytes(6).toString('hex')}:`;
const upstreamKey = generateKey();
let emulator: Emulator;
let postgres: TestDatabase;
let directory: string;
let instances: ServeProcess[] = [];

beforeAll(async () => {
  // Every answer takes a while, so items are in flight when an instance dies.
  emulator = await startEmulator({ keys: [upstreamKey], scenario: 'ttft=250;tps=200' });
  postgres = await createTestDatabase('postgres');
  directory = mkdtempSync(path.join(tmpdir(), 'insforge-jobs-'));
  const features = path.join(directory, 'features.json');
  writeFileSync(features, JSON.stringify([{ name: 'summarize', model: 'openai/gpt-4o-mini', params: { max_tokens: 200 } }]));
  const args = ['--upstream', emulator.url, '--database', postgres.url, '--redis', TEST_REDIS_URL, '--redis-prefix', prefix, '--features', features, '--job-lease', '2', '--job-items', '4'];
  const env = { OPENROUTER_API_KEY: upstreamKey, INSFORGE_AI_ADMIN_TOKEN: ADMIN, INSFORGE_AI_CLIENT_KEY: CLIENT };
  instances = await Promise.all([startServeProcess(args, env), startServeProcess(args, env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  await emulator.close();
  await postgres.drop();
  rmSync(directory, { recursive: true, force: true });
  await deleteRedisKeys(prefix);
});

interface JobView {
  status: string;
  progress: { total: number; done: number; failed: number; running: number; pending: number };
  items: Array<{ index: number; status: string; error: { code: string; message: string } | null; generationId: string | null }>;
}

const jobOf = async (instance: ServeProcess, id: string) =>
  (await (await fetch(`${instance.url}/api/ai/jobs/${id}`, { headers: { authorization: `Bearer ${CLIENT}` } })).json()) as JobView;

describe('batch jobs on two gateway processes (BullMQ on Redis, Postgres)', () => {
  it('finishes a job on the other instance when the one working on it is killed, and OpenRouter bills each item once', async () => {
    const articles = Array.from({ length: 30 }, (_, index) => ({ id: `a${index}`, content: `marker-${index}-end: the harbour reopened after the storm and trade resumed.` }));
    const created = await fetch(`${instances[0]?.url}/api/ai/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'summarize', articles, options: { summary_length: 'short' } }),
    });
    expect(created.status).toBe(202);
    const id = ((await created.json()) as { id: string }).id;

    // Mid-job: some items answered, some in flight. The instance holding the job is the one killed.
    let holder: ServeProcess | undefined;
    await expect.poll(async () => {
      const row = await postgres.database.db.selectFrom('batch_jobs').select('locked_by').where('id', '=', id).executeTakeFirst();
      holder = instances.find((instance) => row?.locked_by?.includes(`:${instance.child.pid}:`));
      const view = await jobOf(instances[0] as ServeProcess, id);
      return holder !== undefined && view.progress.done >= 4 && view.progress.running > 0;
    }, { timeout: 20_000, interval: 25 }).toBe(true);
    const survivor = instances.find((instance) => instance !== holder) as ServeProcess;
    await (holder as ServeProcess).stop('SIGKILL');

    await expect.poll(async () => (await jobOf(survivor, id)).status, { timeout: 60_000, interval: 200 }).toBe('completed');
    const job = await jobOf(survivor, id);
    expect(job.progress.done + job.progress.failed).toBe(30);
    expect(job.progress.done).toBeGreaterThan(0);
    // Only items the dead instance had in flight may be in the dead-letter list, and they say why.
    const deadLetters = job.items.filter((item) => item.status === 'failed');
    expect(deadLetters.length).toBeLessThanOrEqual(4);
    for (const item of deadLetters) expect(item.error?.code).toBe('worker_lost');

    // The emulator's generations: no item was billed twice, and every answered item exactly once.
    const generations = emulator.generations();
    for (const item of job.items) {
      const billed = generations.filter((generation) => JSON.stringify(generation.request).includes(`marker-${item.index}-end`) && (generation.billed?.cost ?? 0) > 0);
      if (item.status === 'done') expect(billed, `item ${item.index}`).toHaveLength(1);
      else expect(billed.length, `item ${item.index}`).toBeLessThanOrEqual(1);
    }
  }, 120_000);
});
