import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { startServeProcess, type ServeProcess } from '../../test/serve-process.js';

const ADMIN = 'ik_durability_admin_token_0123';
const CLIENT = 'ik_durability_client_key_0123';
const upstreamKey = generateKey();
let emulator: Emulator;
let directory: string;
const running: ServeProcess[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ keys: [upstreamKey] });
  directory = mkdtempSync(path.join(tmpdir(), 'insforge-durability-'));
});
afterAll(async () => {
  await Promise.all(running.map((process) => process.stop('SIGKILL')));
  await emulator.close();
  rmSync(directory, { recursive: true, force: true });
});

const env = () => ({ OPENROUTER_API_KEY: upstreamKey, INSFORGE_AI_ADMIN_TOKEN: ADMIN, INSFORGE_AI_CLIENT_KEY: CLIENT });
const serve = async (database: string) => {
  const features = path.join(directory, 'features.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(features, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini', systemPrompt: 'Original prompt.' }]));
  const process = await startServeProcess(['--upstream', emulator.url, '--database', database, '--features', features], env());
  running.push(process);
  return process;
};
const admin = async (url: string, method: string, route: string, body?: unknown) => {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const saveSystemPrompt = async (url: string, systemPrompt: string) => {
  const current = await admin(url, 'GET', '/api/ai/configurations/chat');
  return admin(url, 'PATCH', '/api/ai/configurations/chat', { systemPrompt, version: current.body['version'] });
};
/** The system prompt OpenRouter received for one chat through this gateway. */
const promptServedBy = async (url: string) => {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'which prompt?' }] }),
  });
  const { id } = (await response.json()) as { id: string };
  return (emulator.probe(id)?.request as { messages: Array<{ content: string }> }).messages[0]?.content;
};

describe('durability', () => {
  it('keeps a change saved right before the process is killed with SIGKILL', async () => {
    const database = path.join(directory, 'killed.db');
    const first = await serve(database);
    const saved = await saveSystemPrompt(first.url, 'Saved just before the kill.');
    expect(saved.status).toBe(200);
    await first.stop('SIGKILL');
    const second = await serve(database);
    expect(await promptServedBy(second.url)).toBe('Saved just before the kill.');
    await second.stop();
  }, 60_000);

  describe('two gateway processes on one Postgres', () => {
    let postgres: TestDatabase;
    beforeAll(async () => {
      postgres = await createTestDatabase('postgres');
    });
    afterAll(() => postgres.drop());

    it('serves a feature changed through one process from the other within 5 s', async () => {
      const [one, two] = await Promise.all([serve(postgres.url), serve(postgres.url)]);
      expect(await promptServedBy(two!.url)).toBe('Original prompt.');
      const savedAt = performance.now();
      expect((await saveSystemPrompt(one!.url, 'Changed on instance one.')).status).toBe(200);
      let served = await promptServedBy(two!.url);
      while (served !== 'Changed on instance one.' && performance.now() - savedAt < 5_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        served = await promptServedBy(two!.url);
      }
      expect(served).toBe('Changed on instance one.');
      expect(performance.now() - savedAt).toBeLessThan(5_000);
      await Promise.all([one!.stop(), two!.stop()]);
    }, 60_000);
  });
});
