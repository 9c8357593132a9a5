import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { runCli } from './run.js';

const OPENROUTER_KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef';
const CLIENT_KEY = 'ik_Ivn9mXxq3b7RkT2pWc8sYd4eLh6uNa0f';
const ADMIN_TOKEN = 'admin-token-0123456789-hunter2';

async function failure(argv: string[], env: Record<string, string> = {}): Promise<{ exitCode: number | 'running'; output: string }> {
  const lines: string[] = [];
  const io: CliIo = { out: (line) => lines.push(line), err: (line) => lines.push(line) };
  const result = await runCli(argv, env, io);
  if (typeof result !== 'number') await result.close();
  return { exitCode: typeof result === 'number' ? result : 'running', output: lines.join('\n') };
}

describe('insforge-ai error messages', () => {
  it('never echo an OpenRouter key, a client key or a configured secret typed where an argument goes', async () => {
    const cases: Array<{ argv: string[]; env?: Record<string, string> }> = [
      // "key test KEY" reads as "test this key"; the key lands in the terminal's scrollback or the CI log.
      { argv: ['key', 'test', OPENROUTER_KEY] },
      { argv: ['key', 'show', OPENROUTER_KEY] },
      { argv: ['key', 'test', '--upstream', OPENROUTER_KEY] },
      { argv: ['serve', OPENROUTER_KEY] },
      { argv: ['serve', `--${OPENROUTER_KEY}`] },
      { argv: [OPENROUTER_KEY] },
      { argv: ['keys', 'create', '--label', 'web', CLIENT_KEY] },
      { argv: ['serve', '--upstream', ADMIN_TOKEN], env: { INSFORGE_AI_ADMIN_TOKEN: ADMIN_TOKEN } },
    ];
    for (const { argv, env } of cases) {
      const { exitCode, output } = await failure(argv, env);
      expect(exitCode, argv.join(' ')).toBe(2);
      expect(output, argv.join(' ')).toContain('[redacted]');
      for (const secret of [OPENROUTER_KEY, CLIENT_KEY, ADMIN_TOKEN, '0123456789abcdef', 'Ivn9mXxq3b7RkT2p', 'hunter2']) expect(output).not.toContain(secret);
    }
  });
});
