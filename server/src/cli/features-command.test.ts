import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { openGatewayStores } from '../store/gateway-stores.js';
import { runCapturedCli } from '../../test/captured-cli.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

const FEATURES = [
  { name: 'chat', model: 'openai/gpt-4o-mini', systemPrompt: 'You are the Acme assistant.', params: { temperature: 0.5 } },
  { name: 'vectors', modality: 'embedding', model: 'openai/text-embedding-3-small' },
];

let database: string;

const inDirectory = useTemporaryDirectory('insforge-ai-features-');
beforeAll(async () => {
  database = inDirectory('ai.db');
  // Only migrate and serve create a database; the other commands need one.
  await (await openGatewayStores({ database, defaultProjectId: 'default' })).close();
});

/** Runs `insforge-ai …` in process against the test database, with stdout, stderr and stdin of its own. */
async function cli(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const { exitCode, out, err } = await runCapturedCli(argv, options.env ?? { DATABASE_URL: database }, options.stdin);
  return { exitCode, out: out.join('\n'), err: err.join('\n') };
}

describe('insforge-ai features', () => {
  it('creates features from a file, then lists them in a table and gets one as JSON', async () => {
    const file = inDirectory('features.json');
    await writeFile(file, JSON.stringify(FEATURES));
    const set = await cli(['features', 'set', file]);
    expect(set).toMatchObject({ exitCode: 0, err: '' });
    expect(set.out.split('\n')).toEqual(['chat: created, version 1 (text: openai/gpt-4o-mini)', 'vectors: created, version 1 (embedding: openai/text-embedding-3-small)']);

    const list = await cli(['features', 'list']);
    expect(list.exitCode).toBe(0);
    const [header, ...rows] = list.out.split('\n');
    expect(header).toMatch(/^NAME\s+MODALITY\s+MODEL\s+VERSION\s+UPDATED$/);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^chat\s+text\s+openai\/gpt-4o-mini\s+1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(rows[1]).toMatch(/^vectors\s+embedding\s+openai\/text-embedding-3-small\s+1\s/);

    const get = await cli(['features', 'get', 'chat']);
    expect(get.exitCode).toBe(0);
    expect(JSON.parse(get.out)).toMatchObject({ ...FEATURES[0], modality: 'text', fallbackModels: [], roles: ['admin', 'user'] });
    expect(get.err).toContain('chat: version 1');
  });

  it('updates a feature from stdin, says what changed, and saves no version when nothing changed', async () => {
    const changed = { ...FEATURES[0], model: 'anthropic/claude-sonnet-4', systemPrompt: 'Be brief.' };
    const update = await cli(['features', 'set', '-'], { stdin: JSON.stringify(changed) });
    expect(update.exitCode).toBe(0);
    expect(update.out).toBe('chat: updated to version 2 (model: openai/gpt-4o-mini → anthropic/claude-sonnet-4; systemPrompt changed)');

    const again = await cli(['features', 'set', '-'], { stdin: JSON.stringify(changed) });
    expect(again.out).toBe('chat: unchanged (version 2)');

    const stores = await openGatewayStores({ database, defaultProjectId: 'default' });
    try {
      expect(await stores.features.get('default', 'chat')).toMatchObject({ model: 'anthropic/claude-sonnet-4', systemPrompt: 'Be brief.' });
      expect((await stores.features.history('default', 'chat')).map((version) => [version.version, version.changedBy])).toEqual([
        [2, 'cli'],
        [1, 'cli'],
      ]);
      const { entries } = await stores.audit.list('default');
      expect(entries[0]).toMatchObject({ actor: 'cli', action: 'feature.update', target: 'feature:chat' });
    } finally {
      await stores.close();
    }
  });

  it('refuses an invalid feature naming the field, and stores nothing of the batch', async () => {
    const batch = [{ name: 'fresh', model: 'x/y' }, { name: 'broken', model: 'x/y', params: { temperature: 7 } }];
    const result = await cli(['features', 'set', '-'], { stdin: JSON.stringify(batch) });
    expect(result.exitCode).toBe(1);
    expect(result.err).toMatch(/stdin: feature \[1\] \("broken"\) invalid feature: params\.temperature: /);
    expect((await cli(['features', 'get', 'fresh'])).exitCode).toBe(1);

    expect(await cli(['features', 'set', '-'], { stdin: '{"name":' })).toMatchObject({ exitCode: 1, err: expect.stringContaining('stdin is not valid JSON') });
    expect(await cli(['features', 'set', inDirectory('absent.json')])).toMatchObject({ exitCode: 1, err: expect.stringContaining('no such file') });
  });

  it('keeps projects apart and takes --database over DATABASE_URL', async () => {
    const other = inDirectory('other.db');
    await (await openGatewayStores({ database: other, defaultProjectId: 'default' })).close();
    const feature = JSON.stringify({ name: 'acme-only', model: 'x/y' });
    expect((await cli(['features', 'set', '-', '--project', 'acme', '--database', other], { stdin: feature, env: { DATABASE_URL: database } })).exitCode).toBe(0);
    expect((await cli(['features', 'list', '--project', 'acme', '--database', other])).out).toContain('acme-only');
    expect((await cli(['features', 'list', '--database', other])).err).toContain('No features in project "default"');
    expect((await cli(['features', 'list', '--project', 'acme'])).out).toBe('');
  });

  it('reports a missing feature with exit code 1 and a wrong invocation with 2', async () => {
    expect(await cli(['features', 'get', 'nope'])).toMatchObject({ exitCode: 1, err: expect.stringContaining('no feature "nope" in project "default"') });
    expect(await cli(['features', 'get'])).toMatchObject({ exitCode: 2, err: expect.stringContaining('features get needs NAME') });
    expect(await cli(['features', 'remove', 'chat'])).toMatchObject({ exitCode: 2, err: expect.stringContaining('unknown features subcommand "remove"; the subcommands are: list, get, set') });
    expect(await cli(['features'])).toMatchObject({ exitCode: 2, err: expect.stringContaining('insforge-ai features list|get|set') });
    expect(await cli(['features', 'list', '--projct', 'x'])).toMatchObject({ exitCode: 2, err: expect.stringContaining('unknown option --projct') });
  });
});
