// A fetch that answers like an InsForge AI gateway, entirely in the page (or in Node): Storybook stories and
// tests get real catalog data, paced streams, admin state and every failure kind without a server or a key.
import type { LimitsResponse } from '@insforge/ai-protocol';
import { countTokens } from '@insforge/openrouter-emulator/content';
import { providerProfile, providersForModel } from '@insforge/openrouter-emulator/catalog';
import { createAiClient, type AiClient } from '../core/client.js';
import { adminCatalog, costOf, IMAGE_OUTPUT_TOKENS, listedModels, loadCatalog } from './mock-catalog.js';
import { chatCompletionBody, chatStreamResponse, lastUserText, planChatAnswer } from './mock-chat.js';
import { createFeatureStore, DEFAULT_MOCK_FEATURES, type MockFeatureSeed } from './mock-features.js';
import { renderImage } from './mock-images.js';
import { DEFAULT_PACING, sleep, type Pacing } from './mock-pacing.js';
import { createProviderKeyStore, defaultLimits, policyOf, type MockLimitStatus, type ProviderKeySource } from './mock-project.js';
import { mockEstimate } from './mock-estimate.js';
import { composeMockReply } from './mock-replies.js';
import { errorResponse, isErrorAnswer, scenarioError, scenarioOfText, withoutMarkers, type ErrorAnswer, type MockScenario, type RouteFamily } from './mock-scenarios.js';
import { filterUsage, parseGroupBy, periodOf, seedUsage, summarizeUsage, usageCsv, usageRecord, usageResponse, type UsageRecord } from './mock-usage.js';

export type { MockScenario, RouteFamily } from './mock-scenarios.js';
export type { Pacing } from './mock-pacing.js';
export type { MockFeatureSeed } from './mock-features.js';
export { MOCK_SCENARIOS } from './mock-scenarios.js';
export { EXAMPLE_PROVIDER_KEY } from './mock-project.js';
export { HOSTILE_REPLY } from './mock-replies.js';

export interface MockGatewayOptions {
  /** How every route behaves (default `ok`); `scenarios` sets one route family apart. */
  scenario?: MockScenario;
  scenarios?: Partial<Record<RouteFamily, MockScenario>>;
  /** Chat pacing; default `{ ttftMs: 350, tokensPerSecond: 60 }`. `{ ttftMs: 0, tokensPerSecond: Infinity }` is instant. */
  pacing?: Pacing;
  /** About how many tokens a prose answer has (default 120). */
  replyTokens?: number;
  /** How long an image takes (default 1,200 ms per request). */
  imageDelayMs?: number;
  /** Delay of JSON routes (models, admin), so loading states show (default 0). */
  latencyMs?: number;
  /** Seconds a 429 tells the client to wait (default 30). */
  retryAfterSeconds?: number;
  /** `user`: admin routes answer 403, and `/v1/models` lists the features only (default `admin`). */
  role?: 'admin' | 'user';
  /** The project's features (default chat, code, summarize, embed, image). */
  features?: readonly MockFeatureSeed[];
  /** Where the OpenRouter key comes from at start (default `stored`). */
  providerKey?: ProviderKeySource;
  /** The limits `GET /api/ai/limits` reports (default: a budget, a rate, a chat token cap, a user's daily spend). */
  limits?: readonly MockLimitStatus[];
  /** Seed 30 days of usage (default true). */
  seedUsage?: boolean;
  /** The clock (default `Date.now`). */
  now?: () => number;
  /** Called with every request the mock answers, e.g. to assert on bodies. */
  onRequest?: (request: MockRequest) => void;
}

export interface MockRequest {
  method: string;
  /** The gateway route, without the base URL: `/v1/chat/completions`. */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** The mock's fetch, with its state open to tests. */
export interface MockGatewayFetch {
  (input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Every request answered so far, oldest first. */
  readonly requests: readonly MockRequest[];
  /** The usage ledger (seeded, plus every call answered). */
  readonly usage: readonly UsageRecord[];
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

const isError = isErrorAnswer;
const answer = (value: unknown, status = 200) => (isError(value) ? errorResponse(value) : json(value, status));
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** The gateway route of a URL (`/mock/v1/models` → `/v1/models`), wherever the gateway is mounted. */
function routeOf(pathname: string): string | undefined {
  const index = pathname.search(/\/(v1|api\/ai)(\/|$)/);
  return index === -1 ? undefined : pathname.slice(index);
}

async function readRequest(input: RequestInfo | URL, init: RequestInit | undefined) {
  const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : String(input), 'http://mock.invalid');
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const signal = init?.signal ?? request?.signal ?? undefined;
  const text = init?.body !== undefined && init.body !== null ? String(init.body) : request && method !== 'GET' ? await request.text() : '';
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = Symbol.for('invalid-json');
  }
  return { url, method, signal, body };
}

/**
 * Creates a `fetch` that serves the gateway routes the components use, in memory: chat (paced SSE with the real
 * model, provider, usage and cost), models (the emulator's real catalog), images (canvas-drawn PNGs), feature
 * configurations with history, restore, reset and live test, the provider key, usage and limits. Failures are
 * chosen per instance (`scenario`) or per message (`[mock:rate-limited]` in the text). Each instance has its own
 * state, so two stories never share a conversation or a saved configuration.
 *
 * @example
 * const fetch = createMockGatewayFetch({ scenario: 'ok', pacing: { ttftMs: 200, tokensPerSecond: 40 } });
 * const client = createAiClient({ baseUrl: '/mock', fetch });
 */
export function createMockGatewayFetch(options: MockGatewayOptions = {}): MockGatewayFetch {
  const now = options.now ?? Date.now;
  const catalog = loadCatalog();
  const pacing = { ...DEFAULT_PACING, ...options.pacing };
  const retryAfter = options.retryAfterSeconds ?? 30;
  const replyTokens = options.replyTokens ?? 120;
  const admin = (options.role ?? 'admin') === 'admin';
  const features = createFeatureStore(options.features ?? DEFAULT_MOCK_FEATURES, catalog, now);
  const providerKey = createProviderKeyStore(options.providerKey ?? 'stored', now);
  const limits = [...(options.limits ?? defaultLimits(now()))];
  let stopped = false;
  let stopReason: string | null = null;
  let limitsVersion = 1;
  let policyOverride: unknown;
  const usage: UsageRecord[] = options.seedUsage === false ? [] : seedUsage(catalog, now());
  const requests: MockRequest[] = [];
  const attempts = new Map<string, number>();
  let sequence = 0;

  const scenarioFor = (family: RouteFamily): MockScenario => options.scenarios?.[family] ?? options.scenario ?? 'ok';
  const wait = (signal: AbortSignal | undefined) => sleep(options.latencyMs ?? 0, signal);

  const recordCall = (entry: Omit<Parameters<typeof usageRecord>[0], 'id' | 'createdAt' | 'userId'>) =>
    usage.push(usageRecord({ ...entry, id: `usage-live-${++sequence}`, userId: 'user-ada', createdAt: now() }));

  async function chat(body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<Response> {
    const text = lastUserText(body);
    const scenario = scenarioOfText(text) ?? scenarioFor('chat');
    const failure = scenarioError(scenario, retryAfter);
    if (failure) return errorResponse(failure);
    const attempt = attempts.get(text) ?? 0;
    attempts.set(text, attempt + 1);
    const planned = planChatAnswer({ body, catalog, features: features.list(), allowRawModels: admin, scenario, replyTokens, attempt, sequence: ++sequence });
    if (isError(planned)) return errorResponse(planned);
    const seconds = pacing.ttftMs + (Number.isFinite(pacing.tokensPerSecond) ? (planned.usage.completion_tokens * 1000) / pacing.tokensPerSecond : 0);
    recordCall({
      endpoint: 'chat',
      feature: planned.feature,
      model: planned.model,
      provider: planned.provider,
      status: scenario === 'mid-stream-error' ? 'error' : 'ok',
      promptTokens: planned.usage.prompt_tokens,
      completionTokens: planned.usage.completion_tokens,
      costUsd: planned.usage.cost,
      latencyMs: Math.round(seconds),
      timeToFirstTokenMs: pacing.ttftMs,
    });
    if (body['stream'] !== true) {
      await sleep(pacing.ttftMs, signal);
      return json(chatCompletionBody(planned));
    }
    const includeUsage = record(body['stream_options'])['include_usage'] === true;
    return chatStreamResponse(planned, { includeUsage, pacing, signal });
  }

  async function images(body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<Response> {
    const prompt = typeof body['prompt'] === 'string' ? body['prompt'] : '';
    const scenario = scenarioOfText(prompt) ?? scenarioFor('images');
    const failure = scenarioError(scenario, retryAfter);
    if (failure) return errorResponse(failure);
    if (!prompt.trim()) return errorResponse({ code: 'invalid_parameter', message: 'prompt is required.', param: 'prompt' });
    const requested = typeof body['model'] === 'string' ? body['model'] : 'image';
    const feature = features.list().find((candidate) => candidate.name === requested);
    const modelId = feature?.model ?? requested;
    const model = catalog.byId.get(modelId);
    if (!model || (feature && feature.modality !== 'image')) return errorResponse({ code: 'model_not_found', message: `The model "${requested}" cannot generate images here.`, param: 'model' });
    const count = Math.min(4, Math.max(1, Number(body['n'] ?? 1) || 1));
    await sleep(options.imageDelayMs ?? 1200, signal);
    const clean = withoutMarkers(prompt);
    const data = await Promise.all(Array.from({ length: count }, async (_, index) => ({ b64_json: await renderImage({ prompt: clean, size: body['size'], seed: `${modelId}#${sequence}#${index}` }) })));
    if (signal?.aborted) throw signal.reason;
    const promptTokens = countTokens(clean);
    const imageTokens = count * IMAGE_OUTPUT_TOKENS;
    const cost = costOf(model, promptTokens, 0, imageTokens);
    const provider = providerProfile(providersForModel(modelId)[0] ?? 'OpenAI').name;
    recordCall({ endpoint: 'images', feature: feature?.name ?? null, model: modelId, provider, status: 'ok', promptTokens, completionTokens: imageTokens, costUsd: cost, latencyMs: options.imageDelayMs ?? 1200, timeToFirstTokenMs: null, images: count });
    return json({
      created: Math.floor(now() / 1000),
      data,
      model: modelId,
      usage: { input_tokens: promptTokens, output_tokens: imageTokens, total_tokens: promptTokens + imageTokens, input_tokens_details: { text_tokens: promptTokens, image_tokens: 0 }, cost },
    });
  }

  async function liveTest(feature: string | undefined, body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<Response> {
    const prompt = typeof body['prompt'] === 'string' ? body['prompt'] : '';
    const scenario = scenarioOfText(prompt) ?? scenarioFor('chat');
    const failure = scenarioError(scenario, retryAfter);
    if (failure) return errorResponse(failure);
    const draft = features.draftOf(feature, body['draft']);
    if (isError(draft)) return errorResponse(draft);
    const planned = planChatAnswer({
      body: { model: draft.model, messages: [{ role: 'user', content: prompt }], ...draft.params },
      catalog,
      features: [],
      allowRawModels: true,
      scenario,
      replyTokens: 60,
      attempt: 0,
      sequence: ++sequence,
    });
    if (isError(planned)) return errorResponse(planned);
    const content = draft.systemPrompt ? composeMockReply({ userText: withoutMarkers(prompt), systemPrompt: draft.systemPrompt, kind: scenario === 'hostile' ? 'hostile' : 'prose', seed: draft.model, tokens: 60 }) : planned.content;
    const latencyMs = pacing.ttftMs + Math.round(Number.isFinite(pacing.tokensPerSecond) ? (countTokens(content) * 1000) / pacing.tokensPerSecond : 0);
    await sleep(Math.min(latencyMs, 1500), signal);
    return json({
      feature: draft.name,
      answer: content,
      model: planned.model,
      provider: planned.provider,
      usage: { promptTokens: planned.usage.prompt_tokens, completionTokens: countTokens(content), totalTokens: planned.usage.prompt_tokens + countTokens(content) },
      costUsd: costOf(catalog.byId.get(planned.model), planned.usage.prompt_tokens, countTokens(content)),
      latencyMs,
      finishReason: planned.finishReason,
    });
  }

  async function route(method: string, path: string, query: URLSearchParams, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    if (body === Symbol.for('invalid-json')) return errorResponse({ code: 'invalid_request', message: 'The request body is not valid JSON.' });
    const input = record(body);
    if (method === 'POST' && path === '/v1/chat/completions') return chat(input, signal);
    if (method === 'POST' && path === '/v1/images/generations') return images(input, signal);

    const family: RouteFamily = path.startsWith('/v1/models') || path === '/api/ai/models' ? 'models' : 'admin';
    const failure = scenarioError(scenarioFor(family), retryAfter);
    if (failure) return errorResponse(failure);
    await wait(signal);
    if (method === 'GET' && path === '/v1/models') return json(listedModels(catalog, features.list(), admin));
    if (path === '/api/ai/limits' && method === 'GET') {
      const feature = query.get('feature');
      return json({ data: limits.filter((limit) => limit.scope !== 'feature' || !feature || limit.target === feature), stopped, stopReason } satisfies LimitsResponse);
    }
    if (path === '/api/ai/estimate' && method === 'POST') return answer(mockEstimate({ body: input, catalog, features: features.list(), limits, stopped, stopReason }));
    if (!path.startsWith('/api/ai/')) return errorResponse({ code: 'not_found', message: `No route ${method} ${path}.` });
    if (!admin) return errorResponse({ code: 'forbidden', message: 'This route is for admins only.' });
    return adminRoute(method, path, query, input, signal);
  }

  async function adminRoute(method: string, path: string, query: URLSearchParams, body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<Response> {
    const conflict = scenarioFor('admin') === 'version-conflict';
    if (method === 'GET' && path === '/api/ai/models') return json(adminCatalog(catalog, query.get('modality'), query.get('search')));

    if (path === '/api/ai/configurations') {
      if (method === 'GET') return json({ data: features.list() });
      if (method === 'POST') return answer(features.create(body), 201);
    }
    if (method === 'POST' && path === '/api/ai/configurations/test') return liveTest(undefined, body, signal);
    const configuration = /^\/api\/ai\/configurations\/([^/]+)(?:\/(history|restore|reset|test))?$/.exec(path);
    if (configuration) {
      const id = decodeURIComponent(configuration[1] ?? '');
      const action = configuration[2];
      if (action === undefined && method === 'GET') return answer(features.get(id));
      if (action === undefined && method === 'PATCH') return answer(features.update(id, body, conflict));
      if (action === undefined && method === 'DELETE') return answer(features.remove(id) ?? undefined, 204);
      if (action === 'history' && method === 'GET') return answer(wrapList(features.history(id)));
      if (action === 'restore' && method === 'POST') return answer(features.restore(id, body, conflict));
      if (action === 'reset' && method === 'POST') return answer(features.reset(id, body, conflict));
      if (action === 'test' && method === 'POST') return liveTest(id, body, signal);
    }

    // The mock caches nothing: a purge forgets no answers, but checks the feature as the gateway does.
    const purge = /^\/api\/ai\/cache(?:\/([^/]+))?$/.exec(path);
    if (purge && method === 'DELETE') {
      const name = purge[1] === undefined ? undefined : decodeURIComponent(purge[1]);
      if (name !== undefined && !features.list().some((feature) => feature.name === name)) return errorResponse({ code: 'not_found', message: `There is no feature named "${name}".` });
      return json({ purged: 0, feature: name ?? null });
    }

    if (path === '/api/ai/provider-key') {
      if (method === 'GET') return json(providerKey.get());
      if (method === 'PUT') return answer(providerKey.set(body));
      if (method === 'DELETE') return json(providerKey.remove());
    }
    if (method === 'POST' && path === '/api/ai/provider-key/test') return answer(providerKey.test());

    if (method === 'GET' && (path === '/api/ai/usage' || path === '/api/ai/usage.csv')) {
      const selected = filterUsage(usage, query, periodOf(query, now())).reverse();
      if (query.get('format') === 'csv' || path.endsWith('.csv')) {
        return new Response(usageCsv(selected), { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="usage.csv"' } });
      }
      const limit = Math.min(500, Math.max(1, Number(query.get('limit') ?? 50) || 50));
      const start = Number(query.get('before') ?? 0) || 0;
      const page = selected.slice(start, start + limit);
      return json({ data: page.map(usageResponse), next: start + limit < selected.length ? String(start + limit) : null });
    }
    if (method === 'GET' && path === '/api/ai/usage/summary') {
      const groupBy = parseGroupBy(query.get('groupBy'));
      if ('unknown' in groupBy) return errorResponse({ code: 'invalid_parameter', message: `groups are day, model, feature, user (comma-separated), not "${groupBy.unknown}"`, param: 'groupBy' });
      const period = periodOf(query, now(), 30 * 86_400_000);
      const iso = (time: number | undefined) => (time === undefined ? null : new Date(time).toISOString());
      return json({ from: iso(period.from), to: iso(period.to), groupBy: groupBy.dimensions, ...summarizeUsage(filterUsage(usage, query, period), groupBy.dimensions) });
    }

    if (path === '/api/ai/limits/policy') {
      if (method === 'GET') return json(policyOverride ?? { ...policyOf(limits, limitsVersion, now()), stopped, stopReason });
      if (method === 'PUT') {
        if (body['version'] !== limitsVersion) {
          return errorResponse({ code: 'version_conflict', message: `The limits of this project changed meanwhile: they are at version ${limitsVersion}, not ${String(body['version'])}.`, param: 'version', headers: { 'x-current-version': String(limitsVersion) } });
        }
        limitsVersion += 1;
        policyOverride = { ...policyOf(limits, limitsVersion, now()), ...(body['policy'] ? { policy: body['policy'] } : {}), version: limitsVersion, updatedAt: new Date(now()).toISOString() };
        return json(policyOverride);
      }
    }
    if (method === 'POST' && path === '/api/ai/emergency-stop') {
      stopped = body['stopped'] === true;
      stopReason = stopped && typeof body['reason'] === 'string' ? body['reason'] : null;
      return json({ ...policyOf(limits, ++limitsVersion, now()), stopped, stopReason });
    }
    return errorResponse({ code: 'not_found', message: `No route ${method} ${path}.` });
  }

  const mockFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const { url, method, signal, body } = await readRequest(input, init);
    if (signal?.aborted) throw signal.reason;
    const path = routeOf(url.pathname) ?? url.pathname;
    requests.push({ method, path, query: url.searchParams, body });
    options.onRequest?.({ method, path, query: url.searchParams, body });
    // Offline is the network's failure, before any route: a browser's fetch rejects with a TypeError.
    const family: RouteFamily = path === '/v1/chat/completions' ? 'chat' : path === '/v1/images/generations' ? 'images' : path.includes('models') ? 'models' : 'admin';
    const text = path === '/v1/chat/completions' ? lastUserText(record(body)) : path === '/v1/images/generations' ? String(record(body)['prompt'] ?? '') : '';
    if ((scenarioOfText(text) ?? scenarioFor(family)) === 'offline') throw new TypeError('Failed to fetch');
    return route(method, path, url.searchParams, body, signal ?? undefined);
  };
  return Object.assign(mockFetch, {
    get requests() {
      return requests;
    },
    get usage() {
      return usage;
    },
  }) as MockGatewayFetch;
}

function wrapList<T>(value: T[] | ErrorAnswer): { data: T[] } | ErrorAnswer {
  return Array.isArray(value) ? { data: value } : value;
}

/**
 * A client of a fresh mock gateway (`baseUrl: '/mock'`): what a story's `AiProvider` gets.
 *
 * @example
 * <AiProvider client={mockClient({ scenario: 'rate-limited' })}><ChatPanel feature="chat" /></AiProvider>
 */
export function mockClient(options: MockGatewayOptions = {}): AiClient {
  return createAiClient({ baseUrl: '/mock', fetch: createMockGatewayFetch(options) });
}
