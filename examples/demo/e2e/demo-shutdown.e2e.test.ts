// The demo stopped by a signal while an answer streams: the stream ends with the gateway's SSE error event (its
// grace, then a clean end), not a cut connection, and the demo exits on its own.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, stopProcessGroup, waitForOutput } from '../../../scripts/processes.mjs';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const SERVER = path.join(REPO_ROOT, 'examples/demo/server.ts');

describe('the demo stopped with SIGTERM', () => {
  it('ends an open stream with an error event after its grace, and exits', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'insforge-demo-stop-'));
    const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { cwd: REPO_ROOT, env: cleanEnv({ PORT: '0', DEMO_DATA_DIR: dataDir }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const [, url = ''] = await waitForOutput(child, () => output, /^Demo: (http:\/\/\S+)$/m, 60_000);
      const response = await fetch(`${url}/ai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-demo-role': 'user' },
        // Long enough at the emulator's pace to outlast the grace.
        body: JSON.stringify({ model: 'chat', stream: true, max_tokens: 4_000, messages: [{ role: 'user', content: 'Tell me how streaming works, in great detail.' }] }),
      });
      expect(response.status).toBe(200);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = (await reader.read()).value ?? '';
      child.kill('SIGTERM');
      // Read to the end: a cut connection makes this read throw ("terminated"); a clean end resolves.
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
      }
      const events = text.split('\n\n').filter((event) => event.startsWith('data: ') && event !== 'data: [DONE]');
      const last = JSON.parse(events.at(-1)!.slice('data: '.length)) as { error?: { code?: string; message?: string } };
      expect(last.error?.message).toBe('The gateway is restarting; send the request again.');
      expect(await exited).toBe(0);
      expect(output).toContain('SIGTERM: stopping the demo.');
    } finally {
      await stopProcessGroup(child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
