import { Router } from 'express';
import { GatewayError } from '../errors.js';
import { FallbackBackend } from '../limits/fallback-backend.js';
import type { QuotaBackend } from '../limits/types.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import type { OpenRouterClient } from '../upstream/openrouter-client.js';
import { withoutUrlCredentials } from '../url-credentials.js';

/** One readiness check's answer: `ok` (perhaps with a note), or why requests cannot succeed. */
export type HealthCheck = { status: 'ok'; note?: string } | { status: 'unavailable'; error: string };

/** What `GET /health` checks; each resolves (with an optional note) or throws the reason requests fail. */
export interface ReadinessChecks {
  store(): Promise<string | undefined>;
  upstream(): Promise<string | undefined>;
  limits(): Promise<string | undefined>;
  providerKey(): Promise<string | undefined>;
}

/** What `GET /health` shows besides its checks, without changing its status. */
export interface HealthExtras {
  /** Models and providers whose circuit is open: their calls go to the fallbacks until a probe succeeds. */
  openCircuits?: () => Promise<Array<{ scope: string; name: string; retryAt: Date | null }>>;
}

/** What the gateway's own readiness checks read. */
export interface GatewayHealthSources {
  /** The stores once open; rejects at once, with why, while they cannot open (a request would be a 503 then). */
  stores: () => Promise<GatewayStores>;
  upstream: OpenRouterClient;
  quota: QuotaBackend;
  /** The project whose stored OpenRouter key must open for requests to succeed. */
  defaultProjectId: string;
  /** What the limits check says besides (instances that each count limits in process, see `InstancesSharingLimits`). */
  limitsNote?: () => string | undefined;
}

const UPSTREAM_CHECK_TTL_MS = 15_000;
const CHECK_TIMEOUT_MS = 3_000;
/** A key no limit uses: reading it asks the limits store to answer, and changes nothing. */
const PROBE_KEY = 'health:probe';

/**
 * `GET /health/live`: 200 whenever the process answers (the liveness probe: restart the process when it fails).
 * `GET /health`: readiness (send traffic here only when 200): the database answers, OpenRouter answers (checked at
 * most every 15 s), limits can be checked, and the default project's OpenRouter key can be used. 503 with each
 * failing check's reason when any AI request would fail; never a secret. Neither needs an identity.
 * @example
 * router.use(healthRouter(gatewayReadinessChecks({ stores, upstream, quota, defaultProjectId: 'default' })));
 */
export function healthRouter(checks: ReadinessChecks, extras: HealthExtras = {}): Router {
  const router = Router();
  let upstream: { at: number; check: HealthCheck } | undefined;
  // The check under way: requests that come while it runs share it (anyone may ask, and each would call OpenRouter).
  let upstreamChecking: Promise<HealthCheck> | undefined;
  const upstreamCheck = (): HealthCheck | Promise<HealthCheck> => {
    if (upstream && Date.now() - upstream.at <= UPSTREAM_CHECK_TTL_MS) return upstream.check;
    upstreamChecking ??= run(checks.upstream).then((check) => {
      upstream = { at: Date.now(), check };
      upstreamChecking = undefined;
      return check;
    });
    return upstreamChecking;
  };
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok', live: true });
  });
  router.get('/health', async (_req, res) => {
    const [store, limits, providerKey, upstreamResult, openCircuits] = await Promise.all([
      run(checks.store),
      run(checks.limits),
      run(checks.providerKey),
      upstreamCheck(),
      extras.openCircuits?.().catch(() => []),
    ]);
    const results = { store, upstream: upstreamResult, limits, providerKey } satisfies Record<keyof ReadinessChecks, HealthCheck>;
    const ok = Object.values(results).every((check) => check.status === 'ok');
    res
      .status(ok ? 200 : 503)
      .set('cache-control', 'no-store')
      .json({
        status: ok ? 'ok' : 'degraded',
        live: true,
        checks: results,
        // An open circuit is served by fallbacks, so it is shown (while any is open) without making the instance unready.
        ...(openCircuits && openCircuits.length > 0 ? { openCircuits: openCircuits.map((circuit) => ({ scope: circuit.scope, name: circuit.name, retryAt: circuit.retryAt?.toISOString() ?? null })) } : {}),
      });
  });
  return router;
}

/**
 * The gateway's readiness checks: a query on its database, a `GET /models` answered by OpenRouter, a read of the
 * limits store (which fails when Redis is down under fail-closed), and the default project's stored key decrypting.
 * @example
 * healthRouter(gatewayReadinessChecks({ stores, upstream, quota: quotaBackend, defaultProjectId }));
 */
export function gatewayReadinessChecks(sources: GatewayHealthSources): ReadinessChecks {
  return {
    async store() {
      const stores = await sources.stores();
      await stores.database.db.selectFrom('projects').select('id').limit(1).execute();
      return undefined;
    },
    async upstream() {
      // Reachability only (the model list is public): an outage shows here even while the catalog serves its copy.
      const response = await sources.upstream.send('/models', { method: 'GET', apiKey: '', signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
      // The status is the answer: the list (about a megabyte on OpenRouter) is not read, so a body that stalls cannot
      // hold the check and no probe downloads it.
      response.body.destroy();
      if (response.status >= 500) throw new Error(`OpenRouter answered GET /models with ${response.status}`);
      return undefined;
    },
    async limits() {
      try {
        await sources.quota.current(PROBE_KEY);
      } catch (error) {
        const cause = error instanceof GatewayError && error.options.cause instanceof Error ? error.options.cause.message : messageOf(error);
        throw new Error(`the limits store cannot be reached (${cause}) and limits fail closed, so every AI request is refused until it is back`, { cause: error });
      }
      if (sources.quota instanceof FallbackBackend && sources.quota.primaryState === 'down') return 'Redis cannot be reached; limits are counted in each process until it is back (fail-open)';
      return sources.limitsNote?.();
    },
    async providerKey() {
      const stores = await sources.stores();
      // Throws `encryption_key_missing` with the variable to set when the stored key does not open.
      if (await stores.providerKeys.secret(sources.defaultProjectId)) return undefined;
      try {
        await sources.upstream.apiKey();
      } catch (error) {
        // Not a failure of this instance: an admin sets the key through the admin API, which must stay reachable.
        if (error instanceof GatewayError && error.code === 'upstream_auth') return 'no OpenRouter key is configured yet: AI requests fail until an administrator sets one';
        throw error;
      }
      return undefined;
    },
  };
}

async function run(check: () => Promise<string | undefined>): Promise<HealthCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
  });
  try {
    const note = await Promise.race([check(), timeout]);
    return note ? { status: 'ok', note } : { status: 'ok' };
  } catch (error) {
    return { status: 'unavailable', error: withoutUrlCredentials(messageOf(error)) };
  } finally {
    clearTimeout(timer);
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : 'unavailable');
