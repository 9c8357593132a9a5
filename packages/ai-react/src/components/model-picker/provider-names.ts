import type { ModelEntry } from '../../core/chat-types.js';

// OpenRouter lists some providers under two slugs: `~anthropic/…` aliases that follow a family's latest model, and
// Meta's models under both `meta` and `meta-llama`. A picker shows each provider once.
const SLUG_ALIASES: Readonly<Record<string, string>> = { 'meta-llama': 'meta' };

// Providers whose models' names carry no "Provider: " prefix to learn the name from.
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  'anthracite-org': 'Anthracite',
  anthropic: 'Anthropic',
  google: 'Google',
  gryphe: 'Gryphe',
  meta: 'Meta',
  microsoft: 'Microsoft',
  mistralai: 'Mistral',
  moonshotai: 'MoonshotAI',
  openai: 'OpenAI',
  openrouter: 'OpenRouter',
  qwen: 'Qwen',
  rekaai: 'Reka',
  undi95: 'Undi95',
  'x-ai': 'xAI',
};

/**
 * The provider a model belongs to, one id per provider: OpenRouter's `~` alias marker dropped and Meta's two slugs
 * joined.
 *
 * @example
 * providerIdOf({ provider: '~anthropic', … }); // 'anthropic'
 */
export function providerIdOf(entry: Pick<ModelEntry, 'provider'>): string {
  const slug = entry.provider.replace(/^~+/, '').toLowerCase();
  return (Object.hasOwn(SLUG_ALIASES, slug) ? SLUG_ALIASES[slug] : undefined) ?? slug;
}

/** "OpenAI" from "OpenAI: GPT-4o"; undefined when the name has no provider prefix. */
export function providerPrefixOf(entry: Pick<ModelEntry, 'name'>): string | undefined {
  const colon = entry.name.indexOf(': ');
  return colon > 0 ? entry.name.slice(0, colon) : undefined;
}

/**
 * A provider's name for people when none of its models says it: a known name, else the slug in title case without
 * an `-org` or `-ai` tail ("deep-cogito" → "Deep Cogito").
 *
 * @example
 * providerDisplayNameOf('anthracite-org'); // 'Anthracite'
 */
export function providerDisplayNameOf(providerId: string): string {
  const known = Object.hasOwn(DISPLAY_NAMES, providerId) ? DISPLAY_NAMES[providerId] : undefined;
  if (known !== undefined) return known;
  const words = providerId.replace(/-(org|ai)$/, '').split(/[-_.]+/).filter(Boolean);
  return words.length === 0 ? providerId : words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
}
