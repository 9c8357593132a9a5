/**
 * Idle memory of `insforge-ai serve` on the embedded default (SQLite), after start-up and after a little traffic.
 * Goal: under 150 MB RSS. Prints figures; asserts nothing. Runs the built bin (`pnpm --filter @insforge/ai-server build`).
 *
 *   pnpm --filter @insforge/ai-server bench:rss
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKey, startEmulator } from '@insforge/openrouter-emulator';

const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(bin)) {
  console.error('Build first: pnpm --filter @insforge/ai-server build');
  process.exit(1);
}
const rssMb = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? NaN) / 1024;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const key = generateKey();
const emulator = await startEmulator({ keys: [key] });
const directory = mkdtempSync(path.join(tmpdir(), 'insforge-rss-'));
const features = path.join(directory, 'features.json');
writeFileSync(features, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini', systemPrompt: 'Be brief.' }]));
const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--upstream', emulator.url, '--features', features, '--database', path.join(directory, 'ai.db')], {
  env: { ...process.env, OPENROUTER_API_KEY: key, INSFORGE_AI_CLIENT_KEY: 'ik_bench_client_key_0123456789' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('serve has no process id');
  await sleep(1_000);
  const started = rssMb(pid);
  for (let index = 0; index < 200; index += 1) {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer ik_bench_client_key_0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', stream: index % 2 === 0, messages: [{ role: 'user', content: `request ${index}` }] }),
    });
    await response.text();
  }
  await sleep(2_000);
  const afterTraffic = rssMb(pid);
  const verdict = (mb: number) => (mb < 150 ? 'meets goal (< 150 MB)' : 'MISSES goal (< 150 MB)');
  console.log(`insforge-ai serve on SQLite, idle RSS after start: ${started.toFixed(1)} MB — ${verdict(started)}`);
  console.log(`insforge-ai serve on SQLite, idle RSS after 200 requests: ${afterTraffic.toFixed(1)} MB — ${verdict(afterTraffic)}`);
} finally {
  child.kill('SIGTERM');
  await emulator.close();
  rmSync(directory, { recursive: true, force: true });
}
