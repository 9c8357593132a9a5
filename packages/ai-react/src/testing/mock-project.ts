// The project's OpenRouter key (`/api/ai/provider-key`) and limits (`/api/ai/limits…`), in memory.
import type { LimitStatus } from '@insforge/ai-protocol';
import type { ProviderKeyState } from '../core/admin-types.js';
import type { ErrorAnswer } from './mock-scenarios.js';

/** A key the mock accepts: OpenRouter's shape, `sk-or-v1-` and 64 hex digits. */
const VALID_PROVIDER_KEY = /^sk-or-v1-[0-9a-f]{64}$/;

/** A key for stories and tests that passes validation. */
export const EXAMPLE_PROVIDER_KEY = `sk-or-v1-${'0123456789abcdef'.repeat(4)}`;

const mask = (key: string) => (key.length >= 20 ? `${key.slice(0, 6)}…${key.slice(-4)}` : `…${key.slice(-2)}`);

const FACTS = { label: 'Acme production', limit: 50, limitRemaining: 38.72, usage: 11.28, isFreeTier: false };

/** Where the project's key comes from at start: stored through the API, the gateway's environment, or none. */
export type ProviderKeySource = ProviderKeyState['source'];

export function createProviderKeyStore(source: ProviderKeySource, now: () => number) {
  let state: ProviderKeyState =
    source === 'stored'
      ? { configured: true, source: 'stored', masked: mask(EXAMPLE_PROVIDER_KEY), ...FACTS, validatedAt: new Date(now() - 3 * 86_400_000).toISOString() }
      : source === 'environment'
        ? { configured: true, source: 'environment', masked: 'sk-or-…9f3c' }
        : { configured: false, source: 'none' };
  return {
    get: () => state,
    set(body: unknown): ProviderKeyState | ErrorAnswer {
      const key = typeof (body as { key?: unknown } | null)?.key === 'string' ? (body as { key: string }).key.trim() : '';
      if (!key) return { code: 'invalid_parameter', message: 'Paste the OpenRouter key (it starts with sk-or-).', param: 'key' };
      if (!VALID_PROVIDER_KEY.test(key)) return { code: 'invalid_provider_key', message: 'OpenRouter rejected this key: check that it was copied whole and is not disabled.', param: 'key' };
      state = { configured: true, source: 'stored', masked: mask(key), ...FACTS, validatedAt: new Date(now()).toISOString() };
      return state;
    },
    remove(): ProviderKeyState {
      state = { configured: false, source: 'none' };
      return state;
    },
    test(): ProviderKeyState | ErrorAnswer {
      if (!state.configured) return { code: 'not_found', message: 'No OpenRouter key is configured: set one with PUT /api/ai/provider-key, or set OPENROUTER_API_KEY on the gateway.' };
      state = { ...state, ...(state.source === 'stored' ? { validatedAt: new Date(now()).toISOString() } : {}) };
      return { valid: true, ...state, ...FACTS, validatedAt: new Date(now()).toISOString() };
    },
  };
}

/** One limit and where the caller stands against it (`GET /api/ai/limits`): the protocol's shape. */
export type MockLimitStatus = LimitStatus;

/** The limits a project starts with: a monthly budget, a rate, a chat token cap, and a per-user daily spend. */
export function defaultLimits(now: number): MockLimitStatus[] {
  const minute = new Date(Math.ceil(now / 60_000) * 60_000).toISOString();
  const day = new Date(Math.ceil(now / 86_400_000) * 86_400_000).toISOString();
  const date = new Date(now);
  const month = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)).toISOString();
  const status = (scope: MockLimitStatus['scope'], target: string | null, kind: MockLimitStatus['kind'], limit: number, used: number, resetsAt: string): MockLimitStatus => ({
    scope,
    target,
    kind,
    limit,
    used,
    remaining: Math.max(0, Math.round((limit - used) * 1e6) / 1e6),
    resetsAt,
  });
  return [
    status('project', null, 'spendPerMonthUsd', 100, 42.17, month),
    status('project', null, 'requestsPerMinute', 60, 3, minute),
    status('feature', 'chat', 'tokensPerDay', 200_000, 48_210, day),
    status('user', 'user-ada', 'spendPerDayUsd', 1, 0.12, day),
  ];
}

/** `GET /api/ai/limits/policy`: the settings behind those statuses, with a version for saving. */
export function policyOf(limits: readonly MockLimitStatus[], version: number, now: number) {
  const project: Record<string, number> = {};
  const features: Record<string, Record<string, number>> = {};
  const overrides: Record<string, Record<string, number>> = {};
  for (const limit of limits) {
    if (limit.scope === 'project') project[limit.kind] = limit.limit;
    else if (limit.scope === 'feature' && limit.target) (features[limit.target] ??= {})[limit.kind] = limit.limit;
    else if (limit.target) (overrides[limit.target] ??= {})[limit.kind] = limit.limit;
  }
  return {
    policy: { project, features, users: { default: {}, overrides } },
    alerts: { thresholds: [0.8, 1] },
    stopped: false,
    stopReason: null,
    version,
    updatedAt: new Date(now - 5 * 86_400_000).toISOString(),
    updatedBy: 'admin:ada@acme.example',
  };
}
