import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { runCli } from './run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const folder = mkdtempSync(path.join(tmpdir(), 'insforge-mcp-'));
const database = path.join(folder, 'ai.db');
let harness: Harness;

beforeAll(async () => {
  // A gateway that served requests into the SQLite file the MCP process then reads.
  harness = await startHarness({ database, usage: undefined, ledger: { flushIntervalMs: 5 } });
});
afterAll(async () => {
  await harness.close();
  rmSync(folder, { recursive: true, force: true });
});

async function stdioClient(args: string[]): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', main, 'mcp', ...args],
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? root, OPENROUTER_BASE_URL: harness.emulator.url },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'mcp-stdio-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe('insforge-ai mcp (stdio)', () => {
  it('serves the tools over stdio to the official client, with a usage summary equal to the API\'s', async () => {
    for (const content of ['one', 'two', 'three']) {
      const response = await fetch(`${harness.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] }),
      });
      expect(response.status).toBe(200);
    }
    const query = 'groupBy=model,feature&from=2020-01-01';
    let fromApi: { totals: { requests: number } } = { totals: { requests: 0 } };
    for (let tries = 0; tries < 100 && fromApi.totals.requests < 3; tries += 1) {
      fromApi = (await (await fetch(`${harness.url}/api/ai/usage/summary?${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as typeof fromApi;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(fromApi.totals.requests).toBe(3);

    const { client, stderr } = await stdioClient(['--database', database]);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['usage_summary', 'usage_list', 'limits_get', 'request_explain', 'features_list', 'feature_set', 'model_health', 'emergency_stop']));
      const result = await client.callTool({ name: 'usage_summary', arguments: { groupBy: ['model', 'feature'], from: '2020-01-01' } });
      expect(result.structuredContent).toEqual(fromApi);
      const features = await client.callTool({ name: 'features_list', arguments: {} });
      expect(JSON.stringify(features.structuredContent)).toContain('"name":"chat"');
    } finally {
      await client.close();
    }
    expect(stderr()).toContain('serving project "default" over stdio');
  });

  it('answers a line that is not JSON with a -32700 parse error, and goes on serving', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'mcp', '--database', database], { cwd: root, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? root }, stdio: ['pipe', 'pipe', 'ignore'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    try {
      child.stdin.write('not json at all\n');
      expect(JSON.parse(String((await lines.next()).value))).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })}\n`);
      expect(JSON.parse(String((await lines.next()).value))).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    } finally {
      child.kill();
    }
  });

  it('answers every request written before its stdin closes, then exits 0 (a client that writes its requests and ends its input)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'mcp', '--database', database], { cwd: root, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? root }, stdio: ['pipe', 'pipe', 'ignore'] });
    const answers: Array<{ id: number }> = [];
    createInterface({ input: child.stdout }).on('line', (line) => answers.push(JSON.parse(line) as { id: number }));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const ids = [1, 2, 3, 4, 5, 6];
    child.stdin.end(ids.map((id) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'usage_summary', arguments: { groupBy: ['day', 'model'] } } })}\n`).join(''));
    expect(await exited).toBe(0);
    expect(answers.map((answer) => answer.id).sort()).toEqual(ids);
    expect(answers).toEqual(ids.map(() => expect.objectContaining({ result: expect.objectContaining({ structuredContent: expect.objectContaining({ totals: expect.any(Object) }) }) })));
  });

  it('reads a last line that has no newline when its stdin closes: answers it when it is a message, -32700 when it was cut short', async () => {
    const answersTo = async (input: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', main, 'mcp', '--database', database], { cwd: root, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? root }, stdio: ['pipe', 'pipe', 'ignore'] });
      const answers: unknown[] = [];
      createInterface({ input: child.stdout }).on('line', (line) => answers.push(JSON.parse(line)));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.stdin.end(input);
      return { code: await exited, answers };
    };
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(await answersTo(`${ping}\n${ping.replace('"id":1', '"id":2')}`)).toEqual({ code: 0, answers: [{ jsonrpc: '2.0', id: 1, result: {} }, { jsonrpc: '2.0', id: 2, result: {} }] });
    expect(await answersTo('{"jsonrpc":"2.0","id":3,"meth')).toEqual({ code: 0, answers: [expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32700 }) })] });
  });

  it('runs no batch job: an admin tool started on a laptop never sends a project\'s items with its own environment', async () => {
    const jobsDatabase = path.join(folder, 'jobs.db');
    const gateway = await startHarness({ database: jobsDatabase, jobs: { worker: false } });
    try {
      const created = await fetch(`${gateway.url}/api/ai/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'chat', items: [{ model: 'chat', messages: [{ role: 'user', content: 'queued for a worker' }] }] }),
      });
      expect(created.status).toBe(202);
      const { id } = (await created.json()) as { id: string };
      const { client } = await stdioClient(['--database', jobsDatabase]);
      try {
        expect((await client.listTools()).tools.length).toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
      } finally {
        await client.close();
      }
      const job = (await (await fetch(`${gateway.url}/api/ai/jobs/${id}`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json()) as { status: string; progress: { pending: number } };
      expect(job).toMatchObject({ status: 'queued', progress: { pending: 1 } });
      expect(gateway.emulator.generations()).toHaveLength(0);
    } finally {
      await gateway.close();
    }
  });

  // It serves no AI request: counted among the instances, it would have a gateway counting limits in its own process
  // warn that two instances share the database, and GET /health say so, for as long as the admin's tool runs.
  it('does not register as a gateway instance on the database it reads', async () => {
    const { client } = await stdioClient(['--database', database]);
    try {
      expect((await client.callTool({ name: 'features_list', arguments: {} })).isError).toBeFalsy();
      const instances = await (await harness.gateway.ready).database.db.selectFrom('gateway_instances').select('pid').execute();
      expect(instances.map((instance) => instance.pid)).toEqual([process.pid]);
    } finally {
      await client.close();
    }
  });

  it('refuses a database that does not exist, as every command but migrate and serve does', async () => {
    const lines: string[] = [];
    const missing = path.join(folder, 'missing.db');
    const code = await runCli(['mcp', '--database', missing], {}, { out: (line) => lines.push(line), err: (line) => lines.push(line) });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('there is no InsForge AI database at');
  });
});
