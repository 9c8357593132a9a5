// The demo started on another interface than the default (HOST), as `npm start` runs it once built: the URL it prints
// is one that reaches it, not 127.0.0.1 whatever it listens on.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, stopProcessGroup, waitForOutput } from '../../../scripts/processes.mjs';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const SERVER = path.join(REPO_ROOT, 'examples/demo/server.ts');

/** The demo on `host` (any free port): the URL it printed and the lines it printed. */
async function demoOn(host: string, use: (url: string, output: () => string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'insforge-demo-host-'));
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { cwd: REPO_ROOT, env: cleanEnv({ PORT: '0', HOST: host, DEMO_DATA_DIR: dataDir }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  try {
    const [, url = ''] = await waitForOutput(child, () => output, /^Demo: (http:\/\/\S+)$/m, 60_000);
    await use(url, () => output);
  } finally {
    await stopProcessGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const reaches = async (url: string) => (await fetch(`${url}/demo/config`)).status;

describe('the URL the demo prints', () => {
  it('names the address it listens on: an IPv6 loopback in brackets', async () => {
    await demoOn('::1', async (url) => {
      expect(url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      expect(await reaches(url)).toBe(200);
    });
  });

  it('is one that reaches it on this machine when it listens on every interface, which it says', async () => {
    await demoOn('0.0.0.0', async (url, output) => {
      expect(url).toMatch(/^http:\/\/localhost:\d+$/);
      expect(output()).toContain('every interface');
      expect(await reaches(url)).toBe(200);
    });
  });
});
