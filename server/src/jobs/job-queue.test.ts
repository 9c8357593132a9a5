import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { startRedisProxy, type RedisProxy } from '../../test/redis-proxy.js';
import type { GatewayLogger } from '../logger.js';
import { BullJobQueue, type BullJobQueueOptions } from './bull-job-queue.js';
import { DatabaseJobQueue } from './database-job-queue.js';
import { JobQueueUnavailableError, type JobQueue } from './job-queue.js';
import { JobStore } from './job-store.js';

const logger: GatewayLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const PREFIX = `insforge-test-jobs-${randomBytes(4).toString('hex')}`;

interface Implementation {
  name: string;
  database: 'sqlite' | 'postgres';
  make(store: JobStore): JobQueue;
}

const IMPLEMENTATIONS: Implementation[] = [
  { name: 'database queue on SQLite', database: 'sqlite', make: (store) => new DatabaseJobQueue({ store, logger, leaseMs: 300, pollMs: 20 }) },
  { name: 'database queue on Postgres', database: 'postgres', make: (store) => new DatabaseJobQueue({ store, logger, leaseMs: 300, pollMs: 20 }) },
  { name: 'BullMQ on Redis with Postgres', database: 'postgres', make: (store) => new BullJobQueue({ store, logger, redisUrl: TEST_REDIS_URL, prefix: PREFIX, leaseMs: 300, lockMs: 1_000, retryDelayMs: 50 }) },
];

afterAll(() => deleteRedisKeys(PREFIX));

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe.each(IMPLEMENTATIONS)('job queue contract: $name', ({ database, make }) => {
  let test: TestDatabase;
  let store: JobStore;
  const queues: JobQueue[] = [];
  const queue = () => {
    const made = make(store);
    queues.push(made);
    return made;
  };
  const newJob = async () => (await store.create({ identity: { projectId: 'p', role: 'user', userId: 'u' }, kind: 'chat', options: {}, items: [{}], worstCaseUsd: 0 })).id;

  beforeAll(async () => {
    test = await createTestDatabase(database);
    store = new JobStore(test.database.db);
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((made) => made.close()));
  });
  afterAll(() => test.drop());

  it('works each job once, across two instances, with no job on two workers at a time', async () => {
    const worked: string[] = [];
    let inFlight = new Set<string>();
    let overlapped = false;
    const work = async (jobId: string) => {
      if (inFlight.has(jobId)) overlapped = true;
      inFlight.add(jobId);
      await new Promise((resolve) => setTimeout(resolve, 30));
      worked.push(jobId);
      inFlight.delete(jobId);
      await store.transition(jobId, ['queued', 'running'], 'completed');
    };
    const [first, second] = [queue(), queue()];
    first.start(work);
    second.start(work);
    const ids = await Promise.all(Array.from({ length: 6 }, () => newJob()));
    for (const id of ids) await (id.charCodeAt(0) % 2 ? first : second).enqueue(id);
    await until(() => worked.length >= 6);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([...worked].sort()).toEqual([...ids].sort());
    expect(overlapped).toBe(false);
    inFlight = new Set();
  });

  it('gives a job cut short with work left to a worker again', async () => {
    let runs = 0;
    const id = await newJob();
    const only = queue();
    only.start(async (jobId) => {
      runs += 1;
      // The first run stops early (a shutdown, say) leaving the job running; the next one finishes it.
      if (runs === 1) return void (await store.transition(jobId, ['queued'], 'running'));
      await store.transition(jobId, ['running'], 'completed');
    });
    await only.enqueue(id);
    await until(async () => (await store.get(id))?.status === 'completed');
    expect(runs).toBe(2);
  });

  it('lets the work in progress finish after stopTaking, and takes no new job', async () => {
    const first = await newJob();
    const draining = queue();
    let release: () => void = () => undefined;
    const started: string[] = [];
    draining.start(async (jobId, { signal }) => {
      started.push(jobId);
      await new Promise<void>((resolve) => (release = resolve));
      expect(signal.aborted).toBe(false);
      await store.transition(jobId, ['queued', 'running'], 'completed');
    });
    await draining.enqueue(first);
    await until(() => started.length === 1);
    draining.stopTaking();
    const second = await newJob();
    await draining.enqueue(second);
    release();
    await until(async () => (await store.get(first))?.status === 'completed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(started).toEqual([first]);
    // Another instance takes what this one left.
    const other = queue();
    other.start(async (jobId) => void (await store.transition(jobId, ['queued', 'running'], 'completed')));
    await other.enqueue(second);
    await until(async () => (await store.get(second))?.status === 'completed');
  });

  it('says a lease left unrenewed past its length is lost before any renewal answers (a process paused and resumed)', async () => {
    const id = await newJob();
    const only = queue();
    const seen: boolean[] = [];
    only.start(async (jobId, lease) => {
      seen.push(lease.held());
      // The event loop stands still, as in a process stopped (SIGSTOP) past its lease of 300 ms and then resumed.
      const resumeAt = performance.now() + 450;
      while (performance.now() < resumeAt);
      seen.push(lease.held(), lease.signal.aborted);
      await store.transition(jobId, ['queued', 'running'], 'completed');
    });
    await only.enqueue(id);
    await until(() => seen.length === 3);
    expect(seen).toEqual([true, false, true]);
  });

  it('aborts the work in progress when it closes, and takes no job after', async () => {
    let aborted = false;
    const id = await newJob();
    const closing = queue();
    let started = false;
    closing.start(async (_jobId, { signal }) => {
      started = true;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      aborted = true;
    });
    await closing.enqueue(id);
    await until(() => started);
    await closing.close();
    expect(aborted).toBe(true);
  });
});

describe('BullMQ job queue after Redis lost its entries', () => {
  let test: TestDatabase;
  let store: JobStore;
  let queue: BullJobQueue | undefined;

  beforeAll(async () => {
    test = await createTestDatabase('sqlite');
    store = new JobStore(test.database.db);
  });
  afterAll(async () => {
    await queue?.close();
    await test.drop();
  });

  it('offers again a job whose worker held it when Redis lost its entry, once that worker dies', async () => {
    const id = (await store.create({ identity: { projectId: 'p', role: 'user', userId: 'u' }, kind: 'chat', options: {}, items: [{}], worstCaseUsd: 0 })).id;
    // A worker holds the job, and Redis (no persistence) restarted meanwhile: the queue has no entry of it. When Redis
    // came back, the job was not offered again, since its worker was alive; then that worker dies, its lease runs out.
    await store.claimById(id, 'dying-worker', 1_500);
    await store.transition(id, ['queued'], 'running');
    const worked: string[] = [];
    queue = new BullJobQueue({ store, logger, redisUrl: TEST_REDIS_URL, prefix: `${PREFIX}-lost`, leaseMs: 300, lockMs: 1_000, retryDelayMs: 50 });
    queue.start(async (jobId) => {
      worked.push(jobId);
      await store.transition(jobId, ['running'], 'completed');
    });
    await until(async () => (await store.get(id))?.status === 'completed');
    expect(worked).toEqual([id]);
  });
});

describe('BullMQ job queue whose lock on a job lapsed', () => {
  let test: TestDatabase;
  let queue: BullJobQueue | undefined;
  beforeAll(async () => {
    test = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await queue?.close();
    await test.drop();
  });

  it('says its lock lapsed, not that Redis is unreachable, when it cannot renew it (a paused instance)', async () => {
    const store = new JobStore(test.database.db);
    const seen: Array<{ level: 'warn' | 'error'; message: string }> = [];
    const watching: GatewayLogger = { info: () => undefined, warn: (message) => void seen.push({ level: 'warn', message }), error: (message) => void seen.push({ level: 'error', message }) };
    const prefix = `${PREFIX}-lapsed`;
    const id = (await store.create({ identity: { projectId: 'p', role: 'user', userId: 'u' }, kind: 'chat', options: {}, items: [{}], worstCaseUsd: 0 })).id;
    const redis = new Redis(TEST_REDIS_URL);
    queue = new BullJobQueue({ store, logger: watching, redisUrl: TEST_REDIS_URL, prefix, leaseMs: 300, lockMs: 500, retryDelayMs: 50 });
    try {
      queue.start(async (jobId) => {
        // What the stalled-job check does to the lock of a worker that stopped renewing it (SIGSTOP past its lock).
        await redis.del(`${prefix}:insforge-ai-jobs:${jobId}:lock`);
        await until(() => seen.length > 0);
        await store.transition(jobId, ['queued', 'running'], 'completed');
      });
      await queue.enqueue(id);
      await until(async () => (await store.get(id))?.status === 'completed');
      expect(seen[0]).toEqual({ level: 'warn', message: expect.stringContaining('lapsed') as string });
      expect(seen.filter((entry) => entry.message.includes('unreachable'))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

describe('BullMQ job queue while Redis is down', () => {
  let test: TestDatabase;
  let store: JobStore;
  let proxy: RedisProxy;
  const queues: BullJobQueue[] = [];
  const queue = (options: Partial<BullJobQueueOptions> = {}) => {
    const made = new BullJobQueue({ store, logger, redisUrl: proxy.url, prefix: `${PREFIX}-outage`, leaseMs: 300, lockMs: 1_000, retryDelayMs: 50, ...options });
    queues.push(made);
    return made;
  };
  const newJob = async () => (await store.create({ identity: { projectId: 'p', role: 'user', userId: 'u' }, kind: 'chat', options: {}, items: [{}], worstCaseUsd: 0 })).id;

  beforeAll(async () => {
    test = await createTestDatabase('sqlite');
    store = new JobStore(test.database.db);
  });
  afterEach(async () => {
    await proxy.close();
    await Promise.all(queues.splice(0).map((made) => made.close()));
  });
  afterAll(() => test.drop());

  it('refuses a job at once with JobQueueUnavailableError, instead of waiting for Redis to come back', async () => {
    proxy = await startRedisProxy();
    const only = queue({ enqueueTimeoutMs: 60_000 });
    await only.enqueue(await newJob());
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await expect(only.enqueue(await newJob())).rejects.toBeInstanceOf(JobQueueUnavailableError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('gives up after enqueueTimeoutMs when Redis was never reached', async () => {
    proxy = await startRedisProxy();
    await proxy.cut();
    const only = queue({ enqueueTimeoutMs: 300 });
    const started = Date.now();
    await expect(only.enqueue(await newJob())).rejects.toBeInstanceOf(JobQueueUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('offers again, once Redis is back, the jobs the database holds as waiting (an offer lost in the outage)', async () => {
    proxy = await startRedisProxy();
    const worked: string[] = [];
    const only = queue();
    only.start(async (jobId) => {
      worked.push(jobId);
      await store.transition(jobId, ['queued', 'running'], 'completed');
    });
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const resumed = await newJob();
    await expect(only.enqueue(resumed)).rejects.toBeInstanceOf(JobQueueUnavailableError);
    await proxy.restore();
    await until(() => worked.includes(resumed));
  });
});
