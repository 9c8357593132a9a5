import { cacheScopeOf } from '../cache/canonical-key.js';
import { cacheKeyPrefixFor, RedisCacheStore } from '../cache/redis-cache-store.js';
import { isRedisUnavailableError } from '../net/redis-client.js';
import { withoutUrlCredentials } from '../url-credentials.js';
import { CliError, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { STORE_OPTIONS, STORE_OPTIONS_HELP, storeTarget, withGatewayStores } from './cli-stores.js';
import type { CliEnvironment } from './serve.js';
import { expectPositionals, parseCommandArgs, runSubcommand } from './subcommand.js';

export const CACHE_USAGE = `Usage: insforge-ai cache purge [--feature NAME] [options]

Forgets cached answers of the response cache that the gateway's instances share in Redis: one feature's, or every
feature's of the project. The purge is written to the audit log. (A gateway without Redis keeps its cache inside its
own process: purge that one through the admin API, DELETE /api/ai/cache[/FEATURE].)

  insforge-ai cache purge                  every cached answer of the project
  insforge-ai cache purge --feature NAME   the cached answers of one feature

Options:
  --redis URL          the Redis the gateway caches in (default: $REDIS_URL)
  --redis-prefix TEXT  the prefix the gateway was started with (serve --redis-prefix), if any
${STORE_OPTIONS_HELP}
  -h, --help           show this help`;

/**
 * `insforge-ai cache purge`.
 * @example
 * await cacheCommand(['purge', '--feature', 'chat'], process.env, processIo);
 */
export function cacheCommand(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  return runSubcommand('cache', argv, env, io, { purge });
}

async function purge(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...STORE_OPTIONS, feature: { type: 'string' }, redis: { type: 'string' }, 'redis-prefix': { type: 'string' } });
  expectPositionals(positionals, [], 'cache purge');
  const redisUrl = values.redis ?? (env['REDIS_URL'] || undefined);
  if (!redisUrl) throw usageError('cache purge needs the Redis the gateway caches in (--redis URL or REDIS_URL); a gateway without Redis caches in its own process: use DELETE /api/ai/cache on it');
  const feature = values.feature;
  if (feature !== undefined && feature.trim() === '') throw usageError('--feature must not be empty');
  const target = storeTarget(values, env);
  const purged = await withGatewayStores(target, async (stores) => {
    if (feature !== undefined && !(await stores.features.get(target.projectId, feature))) throw new CliError(`no feature "${feature}" in project "${target.projectId}" (see "insforge-ai features list")`, 1);
    const store = new RedisCacheStore({ url: redisUrl, keyPrefix: cacheKeyPrefixFor(values['redis-prefix']), commandTimeoutMs: 10_000 });
    try {
      const count = await store.deletePrefix(cacheScopeOf(target.projectId, feature)).catch((error: unknown) => {
        // ioredis' own words ("Reached the max retries per request limit") name neither Redis nor where it is.
        if (!isRedisUnavailableError(error)) throw error;
        throw new CliError(`could not reach Redis at ${withoutUrlCredentials(redisUrl)} (refused, or no answer within 10 s); check --redis or REDIS_URL`, 1, { cause: error });
      });
      await stores.audit.record({ projectId: target.projectId, actor: 'cli', action: 'cache.purge', target: feature === undefined ? 'cache' : `feature:${feature}`, before: null, after: { purged: count } });
      return count;
    } finally {
      await store.close();
    }
  });
  io.err(`Purged ${purged} cached answer${purged === 1 ? '' : 's'} of ${feature === undefined ? 'every feature' : `feature "${feature}"`} in project "${target.projectId}".`);
  io.out(String(purged));
  return 0;
}
