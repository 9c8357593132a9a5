import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { generateKey, startEmulator, type Emulator, type EmulatorOptions } from '@insforge/openrouter-emulator';
import { createAiGateway, MemoryUsageSink, type AiGateway, type AiGatewayOptions, type FeatureInput } from '../index.js';
import { keySecret } from '../logger.js';

export const CLIENT_KEY = 'ik_test_client_key_0123456789';
export const ADMIN_TOKEN = 'ik_test_admin_token_0123456789';

export const DEFAULT_FEATURES: FeatureInput[] = [
  { name: 'chat', model: 'openai/gpt-4o-mini', fallbackModels: ['anthropic/claude-sonnet-4'], systemPrompt: 'You are the chat assistant of Acme.', params: { temperature: 0.5, max_tokens: 512 } },
  { name: 'code', model: 'anthropic/claude-sonnet-4', systemPrompt: 'You write TypeScript.', clientOverrides: { temperature: { min: 0, max: 1 }, top_p: false } },
  { name: 'embed', modality: 'embedding', model: 'openai/text-embedding-3-small' },
  { name: 'image', modality: 'image', model: 'black-forest-labs/flux.2-pro' },
];

export interface Harness {
  emulator: Emulator;
  gateway: AiGateway;
  /** Where the gateway is mounted: `http://127.0.0.1:PORT/ai`. */
  url: string;
  upstreamKey: string;
  usage: MemoryUsageSink;
  /** Every log line the gateway wrote. */
  logs: string[];
  /** Every response body the gateway sent. */
  bodies: string[];
  close(): Promise<void>;
}

/**
 * An emulator and a gateway mounted at `/ai` in a plain Express app, as a host app would. It records every
 * response body and log line, and `close()` fails if the upstream key appears in any of them.
 */
export async function startHarness(options: Partial<AiGatewayOptions> & { emulator?: EmulatorOptions } = {}): Promise<Harness> {
  const upstreamKey = generateKey();
  const { emulator: emulatorOptions, ...gatewayOptions } = options;
  const emulator = await startEmulator({ keys: [upstreamKey], ...emulatorOptions });
  const logs: string[] = [];
  const bodies: string[] = [];
  const usage = new MemoryUsageSink();
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => logs.push(`${level} ${message} ${fields ? JSON.stringify(fields) : ''}`);
  const gateway = createAiGateway({
    features: DEFAULT_FEATURES,
    clientKeys: [{ key: CLIENT_KEY, userId: 'user-1' }],
    adminToken: ADMIN_TOKEN,
    usage,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    database: ':memory:',
    // A test's deliberate failures must not open circuits for the next test on the same harness; tests of the
    // breakers turn them on.
    operations: { circuitBreakers: false },
    ...gatewayOptions,
    upstream: {
      baseUrl: emulator.url,
      apiKey: upstreamKey,
      referer: 'https://acme.example',
      title: 'Acme',
      ...(emulator.ca ? { ca: emulator.ca } : {}),
      ...gatewayOptions.upstream,
    },
  });
  const app = express();
  app.use((_req, res, next) => {
    const chunks: Buffer[] = [];
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    res.write = ((chunk: unknown, ...rest: never[]) => {
      keep(chunk);
      return write(chunk as never, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: never[]) => {
      keep(chunk);
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      return end(chunk as never, ...rest);
    }) as typeof res.end;
    next();
  });
  app.use('/ai', gateway);
  await gateway.ready;
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    emulator,
    gateway,
    url: `http://127.0.0.1:${port}/ai`,
    upstreamKey,
    usage,
    logs,
    bodies,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await emulator.close();
      // The secret alone (without the public `sk-or-v1-`) is a leak too.
      const secret = keySecret(upstreamKey);
      const leaks = [...bodies, ...logs].filter((text) => text.includes(secret));
      if (leaks.length > 0) throw new Error(`the upstream key leaked into ${leaks.length} response bodies or log lines`);
    },
  };
}
