import type { IncomingMessage } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { startServeProcess } from '../../test/serve-process.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

const UPSTREAM_KEY = generateKey();
const CLIENT_KEY = 'ik_http2_client_key_0123456789';

let emulator: Emulator;
const versions: string[] = [];

const inDirectory = useTemporaryDirectory('insforge-ai-http2-');
beforeAll(async () => {
  emulator = await startEmulator({ keys: [UPSTREAM_KEY], tls: true });
  emulator.server.on('request', (request: IncomingMessage) => {
    if (request.method === 'POST') versions.push(request.httpVersion);
  });
});
afterAll(async () => {
  await emulator?.close();
});

describe('insforge-ai serve --upstream-http2', () => {
  it('reaches an https upstream over HTTP/2, trusting the certificates of NODE_EXTRA_CA_CERTS', async () => {
    const featuresFile = inDirectory('features.json');
    await writeFile(featuresFile, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini' }]));
    const caFile = inDirectory('emulator-ca.pem');
    await writeFile(caFile, emulator.ca ?? '');
    const env = { OPENROUTER_API_KEY: UPSTREAM_KEY, INSFORGE_AI_CLIENT_KEY: CLIENT_KEY, NODE_EXTRA_CA_CERTS: caFile };
    const ask = (url: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'over h2' }] }),
      });
    for (const [flags, version] of [[['--upstream-http2'], '2.0'], [[], '1.1']] as const) {
      versions.length = 0;
      const serve = await startServeProcess(['--upstream', emulator.url, '--features', featuresFile, '--database', ':memory:', ...flags], env);
      try {
        // The summary follows the line that says it is listening.
        await expect.poll(() => serve.output()).toContain(flags.length ? 'HTTP/2 offered' : 'OpenRouter key set)');
        const response = await ask(serve.url);
        expect(response.status).toBe(200);
        expect(versions).toEqual([version]);
      } finally {
        expect(await serve.stop()).toBe(0);
      }
    }
  });
});
