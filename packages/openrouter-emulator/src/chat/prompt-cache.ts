import type { CatalogModel } from '../catalog/types.js';
import type { EmulatorContext } from '../context.js';
import { hashString } from '../content/hash.js';
import { countPromptTokens, isRecord } from '../content/tokens.js';

/** The shortest prefix a provider caches, in tokens (OpenAI's and Anthropic's minimum). */
export const MIN_CACHED_TOKENS = 1_024;
const FIVE_MINUTES = 5 * 60_000;
const ONE_HOUR = 60 * 60_000;
/** Models whose providers cache long prompts without being asked (OpenAI, DeepSeek, Gemini, Grok). */
const AUTOMATIC = ['openai/', 'deepseek/', 'google/gemini', 'x-ai/'];

export interface PromptCacheUse {
  /** Prompt tokens read from the cache (a prefix seen in the last five minutes, or hour). */
  cachedTokens: number;
  /** Prompt tokens written to it (a `cache_control` breakpoint seen for the first time). */
  cacheWriteTokens: number;
}

const withoutCacheControl = (messages: readonly unknown[]) =>
  messages.map((message) => {
    if (!isRecord(message) || !Array.isArray(message['content'])) return message;
    return { ...message, content: message['content'].map((part: unknown) => (isRecord(part) ? { ...part, cache_control: undefined } : part)) };
  });

/**
 * The prefix a request caches, as providers do: up to the last content part marked `cache_control` (Anthropic,
 * Gemini; `ttl: "1h"` keeps it an hour), else, for models that cache on their own, everything before the last
 * message. A prefix of at least 1,024 tokens seen again before it expires is read from the cache (`cached_tokens`,
 * at the cache-read price); a marked one seen for the first time is written (`cache_write_tokens`).
 */
export function promptCacheUse(context: EmulatorContext, messages: ReadonlyArray<Record<string, unknown>>, model: CatalogModel, now = Date.now()): PromptCacheUse {
  let prefix: unknown[] | undefined;
  let ttl = FIVE_MINUTES;
  for (let index = messages.length - 1; index >= 0 && prefix === undefined; index -= 1) {
    const content = messages[index]?.['content'];
    if (!Array.isArray(content)) continue;
    const marked = content.findLastIndex((part: unknown) => isRecord(part) && isRecord(part['cache_control']));
    if (marked < 0) continue;
    const control = (content[marked] as Record<string, Record<string, unknown>>)['cache_control'];
    if (control?.['ttl'] === '1h') ttl = ONE_HOUR;
    prefix = [...messages.slice(0, index), { ...messages[index], content: content.slice(0, marked + 1) }];
  }
  const explicit = prefix !== undefined;
  if (!prefix && messages.length > 1 && AUTOMATIC.some((start) => model.id.startsWith(start))) prefix = messages.slice(0, -1);
  const none = { cachedTokens: 0, cacheWriteTokens: 0 };
  if (!prefix) return none;
  const tokens = countPromptTokens(prefix);
  if (tokens < MIN_CACHED_TOKENS) return none;
  const key = hashString(`${model.id}\u0000${JSON.stringify(withoutCacheControl(prefix))}`);
  const expiry = context.promptCache.get(key);
  if (context.promptCache.size > 10_000) context.promptCache.clear();
  context.promptCache.set(key, now + ttl);
  if (expiry !== undefined && expiry > now) return { cachedTokens: tokens, cacheWriteTokens: 0 };
  return { cachedTokens: 0, cacheWriteTokens: explicit ? tokens : 0 };
}
