import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCapturedCli } from '../../test/captured-cli.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';
import { cacheScopeOf } from '../cache/canonical-key.js';
import { cacheKeyPrefixFor, RedisCacheStore } from '../cache/redis-cache-store.js';
import { parseFeature } from '../features/feature.js';
import { openGatewayStores } from '../store/gateway-stores.js';

const LIMITS_PREFIX = `insforge-ai-test:cli-cache:${randomUUID()}:`;
let database: string;

const inDirectory = useTemporaryDirectory('insforge-ai-cache-');
beforeAll(async () => {
  database = inDirectory('ai.db');
  const stores = await openGatewayStores({ database, defaultProjectId: 'default' });
  for (const name of ['faq', 'docs']) await stores.features.create('default', parseFeature({ name, model: 'openai/gpt-4o-mini' }), 'test');
  await stores.close();
});
afterAll(async () => {
  await deleteRedisKeys(LIMITS_PREFIX);
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  const { exitCode, out, err } = await runCapturedCli(['cache', ...argv, '--database', database], env);
  return { exitCode, out: out.join('\n'), err: err.join('\n') };
}

/** What a gateway started with `serve --redis-prefix LIMITS_PREFIX` stores its cached answers under. */
const gatewayStore = () => new RedisCacheStore({ url: TEST_REDIS_URL, keyPrefix: cacheKeyPrefixFor(LIMITS_PREFIX) });

describe('insforge-ai cache purge', () => {
  it('forgets one feature’s cached answers in Redis, then every feature’s, and writes each purge to the audit log', async () => {
    const store = gatewayStore();
    try {
      await store.set(`${cacheScopeOf('default', 'faq')}a`, 'x', 60_000);
      await store.set(`${cacheScopeOf('default', 'faq')}b`, 'x', 60_000);
      await store.set(`${cacheScopeOf('default', 'docs')}a`, 'x', 60_000);
      await store.set(`${cacheScopeOf('acme', 'faq')}a`, 'x', 60_000);

      const one = await cli(['purge', '--feature', 'faq', '--redis-prefix', LIMITS_PREFIX], { REDIS_URL: TEST_REDIS_URL });
      expect(one).toMatchObject({ exitCode: 0, out: '2' });
      expect(one.err).toContain('Purged 2 cached answers of feature "faq" in project "default"');
      expect(await store.get(`${cacheScopeOf('default', 'docs')}a`)).toBe('x');

      const all = await cli(['purge', '--redis', TEST_REDIS_URL, '--redis-prefix', LIMITS_PREFIX]);
      expect(all).toMatchObject({ exitCode: 0, out: '1' });
      expect(await store.get(`${cacheScopeOf('default', 'docs')}a`)).toBeUndefined();
      // Another project's answers stay.
      expect(await store.get(`${cacheScopeOf('acme', 'faq')}a`)).toBe('x');
    } finally {
      await store.close();
    }
    const stores = await openGatewayStores({ database, defaultProjectId: 'default' });
    try {
      const { entries } = await stores.audit.list('default');
      const purges = entries.filter((entry) => entry.action === 'cache.purge').map((entry) => [entry.actor, entry.target, entry.after]);
      expect(purges).toEqual(expect.arrayContaining([['cli', 'feature:faq', { purged: 2 }], ['cli', 'cache', { purged: 1 }]]));
    } finally {
      await stores.close();
    }
  });

  it('says where to purge when there is no Redis, and names a feature that does not exist', async () => {
    const noRedis = await cli(['purge']);
    expect(noRedis.exitCode).toBe(2);
    expect(noRedis.err).toContain('DELETE /api/ai/cache');
    const missing = await cli(['purge', '--feature', 'nope', '--redis', TEST_REDIS_URL]);
    expect(missing.exitCode).toBe(1);
    expect(missing.err).toContain('no feature "nope" in project "default"');
  });

  it('names the Redis it could not reach, without its password', async () => {
    const down = await cli(['purge', '--redis', 'redis://:hunter2pass@127.0.0.1:1/0']);
    expect(down.exitCode).toBe(1);
    expect(down.err).toMatch(/^insforge-ai cache: could not reach Redis at redis:\/\/127\.0\.0\.1:1\/0 \(.+\); check --redis or REDIS_URL$/);
    expect(down.err).not.toContain('hunter2pass');
    expect(down.out).toBe('');
  });
});
