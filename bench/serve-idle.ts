/**
 * Idle memory of `insforge-ai serve` on SQLite (issue 21: ≤ 100 MB): the CLI as users start it, on a fresh SQLite
 * file, the emulator as OpenRouter, no Redis. It answers its readiness check (the database, OpenRouter and limits
 * checked once), then stays quiet for `settleMs`; the reading is VmRSS right after a forced garbage collection.
 */
import { rssParts, sleep, startChild, type ProcessMemory } from './child-process.js';
import type { BenchWorkspace, Emulator } from './targets.js';

export interface ServeIdleResult {
  memory: ProcessMemory;
  /** The resident set's file-backed and anonymous parts at the same moment (Linux `RssFile`, `RssAnon`). */
  rss?: { file: number; anonymous: number };
  settleMs: number;
}

export async function measureServeIdle(workspace: BenchWorkspace, emulator: Emulator, settleMs: number): Promise<ServeIdleResult> {
  const child = await startChild({
    name: 'insforge-ai serve',
    nodeArgs: await workspace.measuredNodeArgs([]),
    args: [await workspace.bundle('serve-entry.ts', true), 'serve', '--port', '0', '--database', `${workspace.fresh('serve')}.db`, '--upstream', emulator.url],
    // On SQLite and in process, whatever the environment says.
    env: { OPENROUTER_API_KEY: emulator.apiKey, DATABASE_URL: '', REDIS_URL: '', NODE_ENV: 'production' },
    logFile: workspace.logFile('serve'),
    ready: { stdout: /listening on (http:\/\/\S+)/ },
  });
  try {
    const health = await fetch(`${child.readyValue}/health`);
    if (!health.ok) throw new Error(`insforge-ai serve answered GET /health with ${health.status}: ${await health.text()}`);
    await sleep(settleMs);
    const memory = await child.memory();
    return { memory, rss: rssParts(child.pid), settleMs };
  } finally {
    await child.stop();
  }
}
