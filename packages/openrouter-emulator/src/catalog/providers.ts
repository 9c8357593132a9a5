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
