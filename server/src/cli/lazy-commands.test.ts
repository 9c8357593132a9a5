import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const serverRoot = fileURLToPath(new URL('../../', import.meta.url));
const GATEWAY_PACKAGES = ['express', 'prom-client'];
// Preloaded into the command's process: on exit, which of the gateway's packages it loaded.
const probe = `data:text/javascript,${encodeURIComponent(`
import { createRequire } from 'node:module';
const cache = createRequire(process.cwd() + '/').cache;
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(${JSON.stringify(GATEWAY_PACKAGES)}.filter((name) => Object.keys(cache).some((file) => file.includes('/node_modules/' + name + '/')))) + '\\n'));
`)}`;
const folder = mkdtempSync(path.join(tmpdir(), 'insforge-cli-lazy-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function loadedBy(args: string[]): Promise<string[]> {
  const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', probe, main, ...args], { cwd: serverRoot, env: { ...process.env, DATABASE_URL: '' }, timeout: 50_000 });
  return JSON.parse(/^LOADED (.*)$/m.exec(stderr)?.[1] ?? 'null') as string[];
}

// Each command imports its own module when it runs: one that works on the database does not load the gateway.
describe('insforge-ai commands load what they use', () => {
  it('migrate and features list do not load the gateway; serve does', async () => {
    expect(await loadedBy(['migrate', '--database', path.join(folder, 'ai.db')])).toEqual([]);
    expect(await loadedBy(['features', 'list', '--database', path.join(folder, 'ai.db')])).toEqual([]);
    expect(await loadedBy(['serve', '--help'])).toEqual(GATEWAY_PACKAGES);
  }, 60_000);
});
