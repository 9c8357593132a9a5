import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../test/harness.js';
import { useTemporaryDirectory } from '../test/temporary-directory.js';
import { createAiGateway, type AiGatewayOptions } from './create-ai-gateway.js';

const inDirectory = useTemporaryDirectory('insforge-ai-options-');

describe('createAiGateway options', () => {
  // A JavaScript caller has no compiler to catch a misspelt option: ignored, the gateway would start without the key.
  it('refuses an option it does not know, naming it and the options there are', () => {
    const misspelt = { database: ':memory:', openRouterApiKey: 'sk-or-v1-abc' } as AiGatewayOptions;
    expect(() => createAiGateway(misspelt)).toThrow(/^createAiGateway: unknown option "openRouterApiKey"; the options are upstream, database, databaseRetry, features, .*jobs, instanceLeaseMs\.$/);
    const nested = { database: ':memory:', upstream: { baseURL: 'http://127.0.0.1:9/api/v1' } } as AiGatewayOptions;
    expect(() => createAiGateway(nested)).toThrow('createAiGateway: unknown option "upstream.baseURL"; the options are upstream.baseUrl, upstream.apiKey, upstream.referer, upstream.title, upstream.timeouts, upstream.http2, upstream.ca.');
  });

  // `clientKeys: [{ key: process.env.CLIENT_KEY }]` with the variable unset, empty or pasted with a space: a key no
  // client could ever send, which the gateway would otherwise take without a word (or fail on with Node's words).
  it('refuses a client key no bearer header can carry, naming the entry', () => {
    for (const key of [undefined, '', '  ', 'two words', 42]) {
      const options = { database: ':memory:', clientKeys: [{ key: 'ik_fine_0123456789' }, { key }] } as AiGatewayOptions;
      expect(() => createAiGateway(options), JSON.stringify(key)).toThrow(TypeError);
      expect(() => createAiGateway(options), JSON.stringify(key)).toThrow(/^createAiGateway: clientKeys\.1\.key: /);
    }
    expect(() => createAiGateway({ database: ':memory:', adminToken: 'ik_admin_token_0123456789\n' })).toThrow(/^createAiGateway: adminToken: /);
  });

  // A JavaScript caller's `allowRawModels: 'yes'` (or an environment variable's 'false') would be truthy: raw
  // model ids opened without the boolean that says so; a webhook policy of 'no' would open plain http.
  it('refuses a boolean, number or callback option of the wrong type, naming it', () => {
    const refused: [Record<string, unknown>, string][] = [
      [{ allowRawModels: 'yes' }, 'createAiGateway: allowRawModels: '],
      [{ allowRawModels: 'false' }, 'createAiGateway: allowRawModels: '],
      [{ allowRawModels: 1 }, 'createAiGateway: allowRawModels: '],
      [{ webhooks: { allowHttp: 'no' } }, 'createAiGateway: webhooks.allowHttp: '],
      [{ webhooks: { allowPrivateAddresses: 1 } }, 'createAiGateway: webhooks.allowPrivateAddresses: '],
      [{ webhooks: { timeoutMs: '5000' } }, 'createAiGateway: webhooks.timeoutMs: '],
      [{ heartbeatMs: '15000' }, 'createAiGateway: heartbeatMs: '],
      [{ onRequestEnd: 'log' }, 'createAiGateway: onRequestEnd: '],
      [{ onBudgetAlert: true }, 'createAiGateway: onBudgetAlert: '],
      [{ authenticate: {} }, 'createAiGateway: authenticate: '],
    ];
    for (const [option, message] of refused) {
      expect(() => createAiGateway({ database: ':memory:', ...option } as AiGatewayOptions), JSON.stringify(option)).toThrow(message);
    }
  });

  it('refuses a database it cannot open (another scheme) when it is created, not later in a rejection nobody awaits', () => {
    expect(() => createAiGateway({ database: 'mysql://app:hunter2pass@db.internal/ai' })).toThrow(TypeError);
    expect(() => createAiGateway({ database: 'mysql://app:hunter2pass@db.internal/ai' })).toThrow(/^createAiGateway: database: unsupported database "mysql:"/);
    expect(() => createAiGateway({ database: 'mysql://app:hunter2pass@db.internal/ai' })).not.toThrow(/hunter2pass/);
  });

  it('refuses database retry waits it cannot keep', () => {
    expect(() => createAiGateway({ database: ':memory:', databaseRetry: { initialDelayMs: 60_000, maxDelayMs: 30_000 } })).toThrow('createAiGateway: databaseRetry: initialDelayMs is at most maxDelayMs');
    expect(() => createAiGateway({ database: ':memory:', databaseRetry: { initialDelayMs: 0 } })).toThrow(/^createAiGateway: databaseRetry\.initialDelayMs: /);
    expect(() => createAiGateway({ database: ':memory:', databaseRetry: true } as unknown as AiGatewayOptions)).toThrow(/^createAiGateway: databaseRetry: /);
  });

  it('takes every option it documents', async () => {
    const gateway = createAiGateway({ database: ':memory:', databaseRetry: { initialDelayMs: 500, maxDelayMs: 10_000 }, upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: () => 'sk-or-v1-abc', referer: 'https://acme.example', title: 'Acme', timeouts: { connectMs: 1_000 }, http2: false }, encryption: null, heartbeatMs: 1_000 });
    await gateway.ready;
    await gateway.close();
  });

  it('refuses a Redis URL it cannot read or a webhook timeout of 0 before it opens the database, prints no password, and fails nothing later', async () => {
    const database = inDirectory('never.db');
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      for (const redisUrl of ['redis://:hunter2pass@127.0.0.1:notaport', 'localhost:6379', 'notaurl://:hunter2pass@cache.internal', 'redis://user:hunter2pass@[cache', 'redis://:hunter2pass/Zm9v+YmFy@cache.internal:6379']) {
        expect(() => createAiGateway({ database, limits: { redisUrl } })).toThrow(TypeError);
        expect(() => createAiGateway({ database, limits: { redisUrl } })).not.toThrow(/hunter2pass/);
      }
      expect(() => createAiGateway({ database, webhooks: { timeoutMs: 0 } })).toThrow(TypeError);
      // What a throw left half made would fail once the database opened, where no caller can catch it.
      await delay(200);
      expect(existsSync(database)).toBe(false);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  // A host that catches the error and tries again would otherwise keep one Redis connection per try, and a process
  // whose only mistake was a misspelt policy would never exit.
  it('refuses a limits, cache or conversations option it cannot use before it connects to Redis or opens the database', async () => {
    const database = inDirectory('never.db');
    let connections = 0;
    const redis = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => redis.listen(0, '127.0.0.1', resolve));
    const redisUrl = `redis://127.0.0.1:${(redis.address() as AddressInfo).port}`;
    try {
      const refused: [AiGatewayOptions, string][] = [
        [{ limits: { redisUrl, onRedisFailure: 'fail-opne' as 'fail-open' } }, 'createAiGateway: limits.onRedisFailure: '],
        [{ limits: { redisUrl, redisKeyPrefix: 7 as unknown as string } }, 'createAiGateway: limits.redisKeyPrefix: '],
        [{ conversations: { conversationsPerOwner: -1 } }, 'createAiGateway: conversations.conversationsPerOwner: '],
        [{ conversations: { messageBytes: Number.NaN } }, 'createAiGateway: conversations.messageBytes: '],
        // The cache's own Redis: ioredis would throw its "Invalid URL" once the database and the limits' Redis were open.
        [{ limits: { redisUrl }, cache: { redisUrl: 'redis://:hunter2pass@127.0.0.1:notaport' } }, 'createAiGateway: cache.redisUrl: '],
        [{ limits: { redisUrl }, cache: { redisUrl: 'http://127.0.0.1:6379' } }, 'createAiGateway: cache.redisUrl: '],
      ];
      for (const [options, message] of refused) {
        expect(() => createAiGateway({ database, ...options })).toThrow(message);
        expect(() => createAiGateway({ database, ...options })).not.toThrow(/hunter2pass/);
      }
      await delay(300);
      expect(connections).toBe(0);
      expect(existsSync(database)).toBe(false);
    } finally {
      await new Promise((resolve) => redis.close(resolve));
    }
  });
});

describe('features given at start', () => {
  // They are the host's code or a file: refusing them would stop the gateway, so it says so once instead.
  it('are served with one warning naming each model OpenRouter does not list, and the listed ids closest to it', async () => {
    const harness = await startHarness({
      features: [
        { name: 'chat', model: 'openai/gpt-4o-mimi', fallbackModels: ['openai/gpt-4o:online', 'anthropic/claude-sonet-4'] },
        { name: 'routed', model: 'openrouter/auto' },
        { name: 'free', model: 'poolside/laguna-m.1:free' },
      ],
    });
    try {
      const warned = () => harness.logs.filter((line) => line.includes('OpenRouter lists'));
      for (let tries = 0; tries < 200 && warned().length === 0; tries += 1) await delay(25);
      expect(warned()).toHaveLength(1);
      expect(warned()[0]).toContain('feature "chat": model "openai/gpt-4o-mimi" is not a model OpenRouter lists; did you mean "openai/gpt-4o-mini"');
      expect(warned()[0]).toContain('feature "chat": fallbackModels.1 "anthropic/claude-sonet-4" is not a model OpenRouter lists; did you mean "anthropic/claude-sonnet-4"');
      expect(warned()[0]).not.toMatch(/routed|laguna|gpt-4o:online/);
    } finally {
      await harness.close();
    }
  });
});
