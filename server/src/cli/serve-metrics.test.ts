import { writeFile } from 'node:fs/promises';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { serve, type ServeHandle } from './serve.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

const UPSTREAM_KEY = generateKey();
const CLIENT_KEY = 'ik_metrics_client_key_0123456789';
const ENV = { OPENROUTER_API_KEY: UPSTREAM_KEY, INSFORGE_AI_CLIENT_KEY: CLIENT_KEY };

let emulator: Emulator;
let server: ServeHandle;
const lines: string[] = [];
const inDirectory = useTemporaryDirectory('insforge-ai-metrics-');
beforeAll(async () => {
  emulator = await startEmulator({ keys: [UPSTREAM_KEY] });
  const features = inDirectory('features.json');
  await writeFile(features, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini' }]));
  const io = { out: (line: string) => void lines.push(line), err: (line: string) => void lines.push(line) };
  server = await serve(['--port', '0', '--metrics-port', '0', '--upstream', emulator.url, '--features', features, '--database', ':memory:'], ENV, io);
});
afterAll(async () => {
  await server?.close();
  await emulator?.close();
});

describe('insforge-ai serve --metrics-port', () => {
  it('serves /metrics without a token on its own port, and only /metrics there; the main port still wants the admin token', async () => {
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(lines.join('\n')).toContain(`metrics       ${server.metricsUrl}`);
    const chat = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    const response = await fetch(server.metricsUrl!);
    expect(response.status).toBe(200);
    const families = parsePrometheusTextFormat(await response.text());
    const requests = families.find((family) => family.name === 'insforge_ai_requests_total');
    expect(requests?.metrics).toEqual([expect.objectContaining({ value: '1', labels: expect.objectContaining({ feature: 'chat', outcome: 'ok' }) })]);
    expect((await fetch(server.metricsUrl!.replace('/metrics', '/v1/models'))).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
  });
});
