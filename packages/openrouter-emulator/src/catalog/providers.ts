/**
 * Which provider serves a model, as OpenRouter reports it (`provider` in responses, `provider_name` in
 * `/generation`), and how that provider behaves when a client hangs up.
 */
export interface ProviderProfile {
  name: string;
  /** Whether aborting the connection stops generation and billing (OpenRouter's list of supporting providers). */
  stopsOnCancel: boolean;
  /** The provider's raw finish reasons, reported as `native_finish_reason`. */
  nativeFinish: { stop: string; length: string; tool_calls: string };
}

const OPENAI_FINISH = { stop: 'stop', length: 'length', tool_calls: 'tool_calls' };
const ANTHROPIC_FINISH = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };
const GOOGLE_FINISH = { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP' };

const PROFILES: Record<string, ProviderProfile> = {
  OpenAI: { name: 'OpenAI', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Azure: { name: 'Azure', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Anthropic: { name: 'Anthropic', stopsOnCancel: true, nativeFinish: ANTHROPIC_FINISH },
  'Google Vertex': { name: 'Google Vertex', stopsOnCancel: false, nativeFinish: GOOGLE_FINISH },
  'Google AI Studio': { name: 'Google AI Studio', stopsOnCancel: false, nativeFinish: GOOGLE_FINISH },
  Mistral: { name: 'Mistral', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  DeepSeek: { name: 'DeepSeek', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  xAI: { name: 'xAI', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Groq: { name: 'Groq', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  DeepInfra: { name: 'DeepInfra', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Together: { name: 'Together', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Fireworks: { name: 'Fireworks', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  'Amazon Bedrock': { name: 'Amazon Bedrock', stopsOnCancel: false, nativeFinish: ANTHROPIC_FINISH },
  Alibaba: { name: 'Alibaba', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  Cohere: { name: 'Cohere', stopsOnCancel: false, nativeFinish: { stop: 'COMPLETE', length: 'MAX_TOKENS', tool_calls: 'TOOL_CALL' } },
  'Black Forest Labs': { name: 'Black Forest Labs', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  Seed: { name: 'Seed', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  Chutes: { name: 'Chutes', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
};

/** Providers per model author, first one serving; authors not listed fall back to the open-weights hosts. */
const PROVIDERS_BY_AUTHOR: Record<string, string[]> = {
  openai: ['OpenAI', 'Azure'],
  anthropic: ['Anthropic', 'Amazon Bedrock', 'Google Vertex'],
  google: ['Google Vertex', 'Google AI Studio'],
  mistralai: ['Mistral', 'Together'],
  deepseek: ['DeepSeek', 'DeepInfra'],
  'x-ai': ['xAI'],
  'meta-llama': ['Groq', 'DeepInfra', 'Together'],
  qwen: ['Alibaba', 'DeepInfra'],
  cohere: ['Cohere'],
  amazon: ['Amazon Bedrock'],
  'black-forest-labs': ['Black Forest Labs'],
  'bytedance-seed': ['Seed'],
};
const OPEN_WEIGHTS_HOSTS = ['DeepInfra', 'Together', 'Fireworks'];

/** The providers that serve a model, in routing order. `:free` variants are served by Chutes. */
export function providersForModel(modelId: string): string[] {
  if (modelId.endsWith(':free')) return ['Chutes'];
  const author = modelId.replace(/^~/, '').split('/')[0] ?? '';
  return PROVIDERS_BY_AUTHOR[author] ?? OPEN_WEIGHTS_HOSTS;
}

/** The profile of a provider by display name (a forced `provider=` scenario may name any provider). */
export function providerProfile(name: string): ProviderProfile {
  return PROFILES[name] ?? { name, stopsOnCancel: false, nativeFinish: OPENAI_FINISH };
}

/** Providers that keep no prompts (zero data retention) and that never train on them (data_collection: deny). */
const ZERO_RETENTION = new Set(['OpenAI', 'Azure', 'Anthropic', 'Amazon Bedrock', 'Google Vertex']);
const COLLECTS_DATA = new Set(['Chutes', 'Google AI Studio']);

/** A provider's relative price, throughput and latency (deterministic, for `provider.sort`). */
function figuresOf(name: string): { price: number; throughput: number; latency: number } {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return { price: hash % 97, throughput: (hash >>> 7) % 89, latency: (hash >>> 13) % 83 };
}

/** An error of routing: nothing matches what the request's `provider` object allows. */
export class NoProviderError extends Error {}

const names = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : undefined);
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The provider OpenRouter's routing picks for a model under the request's `provider` object: `order` (tried first;
 * with `allow_fallbacks: false`, only those), `only`, `ignore`, `sort` (`price`, `throughput`, `latency`),
 * `data_collection: "deny"` and `zdr` (providers that keep or train on prompts are left out), `max_price` (per million
 * tokens, against the model's price). Throws NoProviderError, with OpenRouter's words, when none is left.
 */
export function routeProvider(modelId: string, preferences: unknown, pricePerMillion: { prompt: number; completion: number }): string {
  let candidates = providersForModel(modelId);
  if (typeof preferences !== 'object' || preferences === null) return candidates[0] ?? 'OpenAI';
  const prefs = preferences as Record<string, unknown>;
  const only = names(prefs['only']);
  const ignore = names(prefs['ignore']);
  const order = names(prefs['order']);
  if (only) candidates = candidates.filter((name) => only.some((entry) => sameName(entry, name)));
  if (ignore) candidates = candidates.filter((name) => !ignore.some((entry) => sameName(entry, name)));
  if (prefs['data_collection'] === 'deny') candidates = candidates.filter((name) => !COLLECTS_DATA.has(name));
  if (prefs['zdr'] === true) candidates = candidates.filter((name) => ZERO_RETENTION.has(name));
  const maxPrice = typeof prefs['max_price'] === 'object' && prefs['max_price'] !== null ? (prefs['max_price'] as Record<string, unknown>) : {};
  const over = (key: 'prompt' | 'completion') => typeof maxPrice[key] === 'number' && pricePerMillion[key] > (maxPrice[key] as number);
  if (over('prompt') || over('completion')) candidates = [];
  const sort = prefs['sort'];
  if (sort === 'price' || sort === 'throughput' || sort === 'latency') {
    const key = sort;
    // Cheapest, fastest or quickest first: price and latency ascending, throughput descending.
    candidates = [...candidates].sort((a, b) => (key === 'throughput' ? figuresOf(b)[key] - figuresOf(a)[key] : figuresOf(a)[key] - figuresOf(b)[key]));
  }
  if (order) {
    const ordered = order.map((entry) => candidates.find((name) => sameName(entry, name))).filter((name): name is string => name !== undefined);
    candidates = prefs['allow_fallbacks'] === false ? ordered : [...ordered, ...candidates.filter((name) => !ordered.includes(name))];
  }
  const chosen = candidates[0];
  if (chosen === undefined) throw new NoProviderError('No allowed providers are available for the selected model.');
  return chosen;
}
