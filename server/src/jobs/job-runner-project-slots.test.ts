import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

let harness: Harness;

beforeAll(async () => {
  // One item of the project in flight at a time on this instance, shared by its two jobs.
  harness = await startHarness({ features: DEFAULT_FEATURES, jobs: { concurrency: 2, itemsPerJob: 2, itemsPerProject: 1, statusPollMs: 50, pollMs: 50 } });
});
afterAll(() => harness.close());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: { id: string; status: string; progress: Record<string, number> } }> {
  const response = await fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as never };
}

const job = (tag: string, count: number) => ({ type: 'chat', items: Array.from({ length: count }, (_, index) => ({ model: 'chat', messages: [{ role: 'user', content: `${tag} ${index}` }] })) });
const running = (tag: string) => harness.emulator.generations({ status: 'running' }).filter((generation) => JSON.stringify(generation.request).includes(tag)).length;

describe("a project's item slots on an instance", () => {
  it('go to the project’s other job when a job waiting for one is cancelled', async () => {
    harness.emulator.addRule({ match: { contains: 'slow slot holder' }, scenario: 'tps=5;tokens=400' });
    const first = await call('POST', '/api/ai/jobs', job('slow slot holder', 2));
    // Its first item holds the project's one slot; its second waits for it.
    await expect.poll(() => running('slow slot holder'), { timeout: 10_000, interval: 20 }).toBe(1);
    const second = await call('POST', '/api/ai/jobs', job('waiting its turn', 1));
    await expect.poll(async () => (await call('GET', `/api/ai/jobs/${second.body.id}`)).body.status, { timeout: 10_000, interval: 20 }).toBe('running');
    expect((await call('POST', `/api/ai/jobs/${first.body.id}/cancel`)).status).toBe(200);
    await expect.poll(async () => (await call('GET', `/api/ai/jobs/${second.body.id}`)).body.status, { timeout: 10_000, interval: 50 }).toBe('completed');
  }, 30_000);
});
