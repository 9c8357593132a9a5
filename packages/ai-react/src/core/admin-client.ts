import type {
  AiLimits,
  AuditEntry,
  CachePurgeResult,
  ClientKey,
  ClientKeyInput,
  CreatedClientKey,
  FeatureConfig,
  FeatureConfigInput,
  FeatureConfigUpdate,
  FeatureConfigVersion,
  FeatureTestRequest,
  FeatureTestResult,
  Page,
  ProviderKeyState,
  UsageSummary,
  UsageSummaryParams,
} from './admin-types.js';
import { requestJson, type JsonRequest, type RequestOptions, type Transport } from './http-transport.js';

/** Feature configurations: CRUD with versions, history, restore, reset and the live test. */
export interface FeaturesApi {
  list(options?: RequestOptions): Promise<FeatureConfig[]>;
  /** By id or name. */
  get(feature: string, options?: RequestOptions): Promise<FeatureConfig>;
  create(input: FeatureConfigInput, options?: RequestOptions): Promise<FeatureConfig>;
  /** Saves the fields given over the saved ones; `version` is the one read (a newer one is a `conflict`). */
  update(feature: string, update: FeatureConfigUpdate, options?: RequestOptions): Promise<FeatureConfig>;
  remove(feature: string, options?: RequestOptions): Promise<void>;
  /** Every version, newest first. */
  history(feature: string, options?: RequestOptions): Promise<FeatureConfigVersion[]>;
  /** Saves an earlier version's configuration as the newest. */
  restore(feature: string, body: { version: number; expectedVersion: number }, options?: RequestOptions): Promise<FeatureConfig>;
  /** Back to the configuration the feature was created with. */
  reset(feature: string, body: { expectedVersion: number }, options?: RequestOptions): Promise<FeatureConfig>;
  /** Runs a saved feature, unsaved `draft` fields over it, or a draft alone, on one prompt. */
  test(request: FeatureTestRequest, options?: RequestOptions): Promise<FeatureTestResult>;
}

/** The project's OpenRouter key: masked read, set (validated first), remove, test. */
export interface ProviderKeyApi {
  get(options?: RequestOptions): Promise<ProviderKeyState>;
  set(key: string, options?: RequestOptions): Promise<ProviderKeyState>;
  remove(options?: RequestOptions): Promise<ProviderKeyState>;
  test(options?: RequestOptions): Promise<ProviderKeyState>;
}

export interface ClientKeysApi {
  list(options?: RequestOptions): Promise<ClientKey[]>;
  /** The answer's `key` is shown once. */
  create(input: ClientKeyInput, options?: RequestOptions): Promise<CreatedClientKey>;
  revoke(id: string, options?: RequestOptions): Promise<ClientKey>;
}

export interface AdminApi {
  features: FeaturesApi;
  providerKey: ProviderKeyApi;
  clientKeys: ClientKeysApi;
  audit: { list(query?: { limit?: number; before?: string }, options?: RequestOptions): Promise<Page<AuditEntry>> };
  /** `admin_unavailable` until the server has the route. */
  usage: {
    summary(params?: UsageSummaryParams, options?: RequestOptions): Promise<UsageSummary>;
    /** The usage records of a period as CSV (`GET /api/ai/usage?format=csv`). */
    csv(params?: Pick<UsageSummaryParams, 'period' | 'from' | 'to'>, options?: RequestOptions): Promise<string>;
  };
  /** `admin_unavailable` until the server has the route. `feature` adds that feature's own limits. */
  limits: { get(options?: RequestOptions & { feature?: string | undefined }): Promise<AiLimits> };
  /** The response cache: forget the cached answers of one feature, or of every feature. */
  cache: { purge(feature?: string, options?: RequestOptions): Promise<CachePurgeResult> };
}

const CONFIGURATIONS = '/api/ai/configurations';
const PROVIDER_KEY = '/api/ai/provider-key';
const KEYS = '/api/ai/keys';

/**
 * The admin routes, each a typed call; a server without them answers `admin_unavailable`.
 *
 * @example
 * const admin = createAdminApi(transport);
 * const chat = await admin.features.get('chat');
 */
export function createAdminApi(transport: Transport): AdminApi {
  const call = <T>(path: string, request: JsonRequest = {}) => requestJson<T>(transport, path, { ...request, admin: true });
  const one = (feature: string) => `${CONFIGURATIONS}/${encodeURIComponent(feature)}`;
  const signalOf = (options: RequestOptions | undefined) => ({ signal: options?.signal });
  return {
    features: {
      list: async (options) => (await call<{ data: FeatureConfig[] }>(CONFIGURATIONS, signalOf(options))).data,
      get: (feature, options) => call(one(feature), signalOf(options)),
      create: (input, options) => call(CONFIGURATIONS, { method: 'POST', body: input, ...signalOf(options) }),
      update: (feature, update, options) => call(one(feature), { method: 'PATCH', body: update, ...signalOf(options) }),
      remove: (feature, options) => call(one(feature), { method: 'DELETE', ...signalOf(options) }),
      history: async (feature, options) => (await call<{ data: FeatureConfigVersion[] }>(`${one(feature)}/history`, signalOf(options))).data,
      restore: (feature, body, options) => call(`${one(feature)}/restore`, { method: 'POST', body, ...signalOf(options) }),
      reset: (feature, body, options) => call(`${one(feature)}/reset`, { method: 'POST', body, ...signalOf(options) }),
      test: ({ feature, prompt, draft }, options) =>
        call(feature === undefined ? `${CONFIGURATIONS}/test` : `${one(feature)}/test`, { method: 'POST', body: draft ? { prompt, draft } : { prompt }, ...signalOf(options) }),
    },
    providerKey: {
      get: (options) => call(PROVIDER_KEY, signalOf(options)),
      set: (key, options) => call(PROVIDER_KEY, { method: 'PUT', body: { key }, ...signalOf(options) }),
      remove: (options) => call(PROVIDER_KEY, { method: 'DELETE', ...signalOf(options) }),
      test: (options) => call(`${PROVIDER_KEY}/test`, { method: 'POST', body: {}, ...signalOf(options) }),
    },
    clientKeys: {
      list: async (options) => (await call<{ data: ClientKey[] }>(KEYS, signalOf(options))).data,
      create: (input, options) => call(KEYS, { method: 'POST', body: input, ...signalOf(options) }),
      revoke: (id, options) => call(`${KEYS}/${encodeURIComponent(id)}`, { method: 'DELETE', ...signalOf(options) }),
    },
    audit: {
      list: (query = {}, options) => call('/api/ai/audit', { query: { limit: query.limit, before: query.before }, ...signalOf(options) }),
    },
    usage: {
      summary: (params = {}, options) => call('/api/ai/usage/summary', { query: { period: params.period, groupBy: params.groupBy, from: params.from, to: params.to }, ...signalOf(options) }),
      csv: (params = {}, options) => call<string>('/api/ai/usage', { query: { format: 'csv', period: params.period, from: params.from, to: params.to }, as: 'text', ...signalOf(options) }),
    },
    limits: {
      get: (options) => call('/api/ai/limits', { query: { feature: options?.feature }, ...signalOf(options) }),
    },
    cache: {
      purge: (feature, options) => call(feature === undefined ? '/api/ai/cache' : `/api/ai/cache/${encodeURIComponent(feature)}`, { method: 'DELETE', ...signalOf(options) }),
    },
  };
}
