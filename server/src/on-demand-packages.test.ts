import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../test/loaded-packages.ts', import.meta.url));

/**
 * The on-demand packages a fresh process loaded while a gateway got ready, answered a request and closed, and what
 * still held the process open after the close.
 */
async function runGateway(env: Record<string, string>): Promise<{ loaded: string[]; holding: string[] }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...env }, timeout: 50_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { loaded: string[]; holding: string[] };
}

// Each of these costs memory and start-up time: a one-instance gateway on SQLite, as `insforge-ai serve` runs by
// default, holds none of them.
describe('packages loaded on demand', () => {
  it('a gateway on SQLite without Redis loads only the SQLite driver, and holds nothing open once closed', async () => {
    expect(await runGateway({})).toEqual({ loaded: ['better-sqlite3'], holding: [] });
  }, 60_000);

  // Closed at once, while BullMQ was still loading: its worker started after the close and held the process open for
  // good; and a closed BullMQ queue left its 5-second grace timer running.
  it('Redis loads ioredis and BullMQ, and a gateway closed as it starts holds nothing open', async () => {
    expect(await runGateway({ REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({ loaded: ['ioredis', 'bullmq', 'better-sqlite3'], holding: [] });
  }, 60_000);
});
