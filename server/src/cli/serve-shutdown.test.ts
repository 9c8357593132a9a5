import { writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import pg from 'pg';
import { createTestDatabase } from '../../test/databases.js';
import { startServeProcess } from '../../test/serve-process.js';
import { parseSseBody } from '../../test/sse.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

const UPSTREAM_KEY = generateKey();
const CLIENT_KEY = 'ik_shutdown_client_key_0123456789';

let emulator: Emulator;

const inDirectory = useTemporaryDirectory('insforge-ai-shutdown-');
beforeAll(async () => {
  emulator = await startEmulator({ keys: [UPSTREAM_KEY] });
});
afterAll(async () => {
  await emulator?.close();
});

describe('insforge-ai serve on SIGTERM', () => {
  it('lets a stream run through the grace period, then ends it with an error event (no reset), records it and exits 0', async () => {
    const featuresFile = inDirectory('features.json');
    await writeFile(featuresFile, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini' }]));
    const databaseFile = inDirectory('ai.db');
    const serve = await startServeProcess(['--upstream', emulator.url, '--features', featuresFile, '--database', databaseFile, '--shutdown-grace', '0.5'], { OPENROUTER_API_KEY: UPSTREAM_KEY, INSFORGE_AI_CLIENT_KEY: CLIENT_KEY });
    const { url } = serve;
    try {
      emulator.addRule({ match: { contains: 'long' }, scenario: 'tps=10;tokens=500' });
      const stream = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'a long answer please' }] }),
      });
      expect(stream.status).toBe(200);
      // A quick request finishes inside the grace period and is recorded as ok.
      const quick = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'quick' }] }),
      });
      expect(quick.status).toBe(200);
      const body = stream.text();
      const exited = serve.stop('SIGTERM');
      // The body ends normally (a reset would reject here) with the gateway's error event last.
      const { events } = parseSseBody(await body);
      expect(events.length).toBeGreaterThan(1);
      expect(events.at(-1)).toMatchObject({ error: { code: 'service_unavailable' } });
      expect(await exited).toBe(0);
      expect(serve.output()).toContain('SIGTERM: shutting down (in-flight requests get up to 0.5 s; press Ctrl-C again to force)');
      expect(serve.output()).not.toContain('dropped');
      const database = new Database(databaseFile, { readonly: true });
      try {
        const rows = database.prepare('select status, streamed, error_code from usage_records order by created_at').all() as Array<{ status: string; streamed: number; error_code: string | null }>;
        expect(rows).toHaveLength(2);
        expect(rows).toContainEqual({ status: 'ok', streamed: 0, error_code: null });
        expect(rows).toContainEqual({ status: 'error', streamed: 1, error_code: 'service_unavailable' });
      } finally {
        database.close();
      }
    } finally {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    }
  }, 30_000);

  // A closed terminal sends SIGHUP and takes stdout and stderr with it: the shutdown then must neither be skipped (the
  // default action of SIGHUP ends the process at once, leaving no records) nor crash on its first write (EPIPE, EIO).
  it('on SIGHUP with its terminal gone shuts down as on SIGTERM: streams end with an error event, every request is recorded, exit 0', async () => {
    const featuresFile = inDirectory('features-hangup.json');
    await writeFile(featuresFile, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini' }]));
    const databaseFile = inDirectory('ai-hangup.db');
    const serve = await startServeProcess(['--upstream', emulator.url, '--features', featuresFile, '--database', databaseFile, '--shutdown-grace', '0.5', '--verbose'], { OPENROUTER_API_KEY: UPSTREAM_KEY, INSFORGE_AI_CLIENT_KEY: CLIENT_KEY });
    try {
      emulator.addRule({ match: { contains: 'hung up' }, scenario: 'tps=10;tokens=500' });
      const stream = await fetch(`${serve.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'a long answer, then the terminal hung up' }] }),
      });
      expect(stream.status).toBe(200);
      const body = stream.text();
      serve.child.stdout?.destroy();
      serve.child.stderr?.destroy();
      const exited = serve.stop('SIGHUP');
      expect(parseSseBody(await body).events.at(-1)).toMatchObject({ error: { code: 'service_unavailable' } });
      expect(await exited).toBe(0);
      const database = new Database(databaseFile, { readonly: true });
      try {
        expect(database.prepare('select status, streamed, error_code from usage_records').all()).toEqual([{ status: 'error', streamed: 1, error_code: 'service_unavailable' }]);
      } finally {
        database.close();
      }
    } finally {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    }
  }, 30_000);

  it('on a second signal ends every request in flight at once, still with an error event and a record, and exits 143', async () => {
    const featuresFile = inDirectory('features-twice.json');
    await writeFile(featuresFile, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini' }]));
    const databaseFile = inDirectory('ai-twice.db');
    // A grace period far longer than the test: only the second signal can end these requests in time.
    const serve = await startServeProcess(['--upstream', emulator.url, '--features', featuresFile, '--database', databaseFile, '--shutdown-grace', '600'], { OPENROUTER_API_KEY: UPSTREAM_KEY, INSFORGE_AI_CLIENT_KEY: CLIENT_KEY });
    const { url } = serve;
    const ask = (content: string, stream: boolean) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', stream, messages: [{ role: 'user', content }] }),
      });
    emulator.reset();
    emulator.addRule({ match: { contains: 'endless stream' }, scenario: 'tps=5;tokens=1000' });
    emulator.addRule({ match: { contains: 'slow JSON' }, scenario: 'ttft=60000' });
    try {
      const streams = await Promise.all([1, 2, 3, 4].map(async (n) => ask(`endless stream ${n}`, true)));
      for (const stream of streams) expect(stream.status).toBe(200);
      const bodies = streams.map(async (stream) => stream.text());
      const slowJson = ask('a slow JSON answer', false);
      // The JSON request is in flight once the emulator runs its generation.
      await expect.poll(() => emulator.generations({ status: 'running' }).length, { timeout: 5_000 }).toBe(5);
      const exited = serve.stop('SIGTERM');
      await expect.poll(() => serve.output(), { timeout: 5_000 }).toContain('SIGTERM: shutting down');
      serve.child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(serve.output()).toContain('SIGTERM: ending in-flight requests now and writing their records');
      for (const body of bodies) expect(parseSseBody(await body).events.at(-1)).toMatchObject({ error: { code: 'service_unavailable' } });
      expect((await slowJson).status).toBe(503);
      const database = new Database(databaseFile, { readonly: true });
      try {
        const rows = database.prepare('select status, streamed, error_code from usage_records').all();
        expect(rows).toHaveLength(5);
        expect(rows.filter((row) => (row as { error_code: string }).error_code === 'service_unavailable')).toHaveLength(5);
      } finally {
        database.close();
      }
    } finally {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    }
  }, 30_000);

  it('leaves cancelled streams waiting for their cost to the next start, which reconciles them once OpenRouter shows it', async () => {
    const featuresFile = inDirectory('features-resumed.json');
    await writeFile(featuresFile, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini' }]));
    const databaseFile = inDirectory('ai-resumed.db');
    const args = ['--upstream', emulator.url, '--features', featuresFile, '--database', databaseFile, '--shutdown-grace', '0.5'];
    const env = { OPENROUTER_API_KEY: UPSTREAM_KEY, INSFORGE_AI_CLIENT_KEY: CLIENT_KEY };
    // OpenRouter shows what the cancelled streams cost 4 s after they end: after the gateway stopped.
    emulator.addRule({ match: { contains: 'stopped by its user' }, scenario: 'tps=20;tokens=400;generation-delay=4000' });
    const first = await startServeProcess(args, env);
    let second: Awaited<ReturnType<typeof startServeProcess>> | undefined;
    const database = new Database(databaseFile, { readonly: true });
    const rows = () => database.prepare('select generation_id, cost_usd, cost_source, reconciled_at from usage_records').all() as Array<{ generation_id: string; cost_usd: number; cost_source: string; reconciled_at: number | null }>;
    try {
      const ids = await Promise.all([1, 2].map(async (n) => {
        const response = await fetch(`${first.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: `stopped by its user ${n}` }] }),
        });
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        let text = '';
        while (!text.includes('"content"')) text += new TextDecoder().decode((await reader.read()).value);
        await reader.cancel();
        return /"id":"(gen-[^"]+)"/.exec(text)?.[1] as string;
      }));
      await expect.poll(() => rows().filter((row) => row.cost_source === 'estimated').length, { timeout: 5_000 }).toBe(2);
      expect(await first.stop('SIGTERM')).toBe(0);
      second = await startServeProcess(args, env);
      const billed = await Promise.all(ids.map((id) => emulator.waitForGeneration(id)));
      await expect.poll(() => rows().filter((row) => row.cost_source === 'reconciled').length, { timeout: 20_000 }).toBe(2);
      for (const generation of billed) expect(rows().find((row) => row.generation_id === generation.id)).toMatchObject({ cost_usd: generation.billed?.cost });
    } finally {
      database.close();
      await second?.stop();
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }
  }, 40_000);

  it('on a second signal quits within 10 s even when the database hangs on a write', async () => {
    const featuresFile = inDirectory('features-hung.json');
    await writeFile(featuresFile, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini' }]));
    const database = await createTestDatabase('postgres');
    const locker = new pg.Client({ connectionString: database.url });
    const serve = await startServeProcess(['--upstream', emulator.url, '--features', featuresFile, '--database', database.url, '--shutdown-grace', '600'], { OPENROUTER_API_KEY: UPSTREAM_KEY, INSFORGE_AI_CLIENT_KEY: CLIENT_KEY });
    try {
      const ask = () => fetch(`${serve.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }] }) });
      expect((await ask()).status).toBe(200);
      // Every write to the ledger waits for this lock from now on.
      await locker.connect();
      await locker.query('begin');
      await locker.query('lock table usage_records in access exclusive mode');
      expect((await ask()).status).toBe(200);
      const started = Date.now();
      const exited = serve.stop('SIGTERM');
      await expect.poll(() => serve.output(), { timeout: 5_000 }).toContain('SIGTERM: shutting down');
      serve.child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(Date.now() - started).toBeLessThan(14_000);
      expect(serve.output()).toContain('the records were not all written within 10 s; quitting without them');
    } finally {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
      await locker.end().catch(() => undefined);
      await database.drop();
    }
  }, 40_000);
});
