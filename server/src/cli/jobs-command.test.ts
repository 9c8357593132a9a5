import { beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from '../jobs/job-store.js';
import { openGatewayStores } from '../store/gateway-stores.js';
import { runCapturedCli } from '../../test/captured-cli.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

let database: string;
let finished: string;
let waiting: string;

const inDirectory = useTemporaryDirectory('insforge-ai-jobs-');
beforeAll(async () => {
  database = inDirectory('ai.db');
  const stores = await openGatewayStores({ database, defaultProjectId: 'default' });
  const store = new JobStore(stores.database.db);
  const identity = { projectId: 'default', role: 'user' as const, userId: 'u1' };
  const job = await store.create({ identity, kind: 'summarize', options: {}, items: [{ id: 'a1', content: 'x' }, { id: 'a2', content: 'y' }], worstCaseUsd: 0.01 });
  finished = job.id;
  const [first] = await store.items(finished);
  await store.startNext(finished);
  await store.complete(first!, { output: { id: 'a1', summary: '- Parks, "new" ones', key_points: ['park'], sentiment: { label: 'positive', score: 0.5 } }, requestId: 'r1', generationId: 'g1', model: 'openai/gpt-4o-mini', promptTokens: 10, completionTokens: 5, costUsd: 0.000123 });
  const second = await store.startNext(finished);
  await store.fail(second!, { code: 'worker_lost', message: 'The worker died after OpenRouter billed this item.', costUsd: 0.0001 });
  await store.transition(finished, ['queued'], 'completed');
  // Newest first is by creation time: the second job must not share the first one's millisecond.
  await new Promise((resolve) => setTimeout(resolve, 5));
  waiting = (await store.create({ identity, kind: 'chat', options: {}, items: [{}, {}, {}], worstCaseUsd: 0 })).id;
  await store.create({ identity: { ...identity, projectId: 'acme' }, kind: 'chat', options: {}, items: [{}], worstCaseUsd: 0 });
  await stores.close();
});

async function cli(argv: string[]) {
  const { exitCode, out, err } = await runCapturedCli(['jobs', ...argv, '--database', database]);
  return { exitCode, out: out.join('\n'), err: err.join('\n') };
}

describe('insforge-ai jobs', () => {
  it('lists the project’s jobs newest first with progress and cost', async () => {
    const { exitCode, out } = await cli(['list']);
    expect(exitCode).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+DONE\s+FAILED\s+COST \(USD\)\s+CREATED$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^${waiting}\\s+chat\\s+queued\\s+0/3\\s+0\\s+\\$0\\.000000`));
    expect(lines[2]).toMatch(new RegExp(`^${finished}\\s+summarize\\s+completed\\s+1/2\\s+1\\s+\\$0\\.000223`));
  });

  it('shows a job with its dead-letter list', async () => {
    const { exitCode, out } = await cli(['show', finished]);
    expect(exitCode).toBe(0);
    expect(out).toContain(`Job ${finished} (summarize): completed`);
    expect(out).toContain('Items: 2 — 1 done, 1 failed, 0 running, 0 waiting, 0 cancelled');
    expect(out).toMatch(/1\s+worker_lost\s+The worker died after OpenRouter billed this item\./);
  });

  it('prints results as JSON or CSV', async () => {
    const json = await cli(['results', finished]);
    const items = JSON.parse(json.out) as Array<{ status: string; result: { summary?: string } | null; error: { code: string } | null }>;
    expect(items.map((item) => item.status)).toEqual(['done', 'failed']);
    expect(items[0]?.result?.summary).toBe('- Parks, "new" ones');
    expect(items[1]?.error?.code).toBe('worker_lost');
    const csv = await cli(['results', finished, '--format', 'csv']);
    const lines = csv.out.split('\r\n');
    expect(lines[1]).toBe(`0,a1,done,"'- Parks, ""new"" ones",park,positive,0.5,,openai/gpt-4o-mini,10,5,0.000123,,`);
    expect(lines[2]).toMatch(/^1,a2,failed,/);
  });

  it('cancels a job that has not finished, and refuses one that has', async () => {
    const cancelled = await cli(['cancel', waiting]);
    expect(cancelled.exitCode).toBe(0);
    expect(cancelled.err).toContain('3 unfinished items cancelled');
    expect((await cli(['show', waiting])).out).toContain('cancelled — Cancelled from the command line.');
    const again = await cli(['cancel', finished]);
    expect(again.exitCode).toBe(1);
    expect(again.err).toContain('is completed and cannot be cancelled');
  });

  it('answers an unknown job or option with an error, never another project’s job', async () => {
    expect((await cli(['show', 'nope'])).exitCode).toBe(1);
    const other = await cli(['list', '--project', 'acme']);
    expect(other.out.split('\n')).toHaveLength(2);
    expect((await cli(['show', finished, '--project', 'acme'])).exitCode).toBe(1);
    expect((await cli(['results', finished, '--format', 'xml'])).exitCode).toBe(2);
  });
});
