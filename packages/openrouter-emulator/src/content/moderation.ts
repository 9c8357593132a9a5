import { contentText } from './tokens.js';

/**
 * The phrase the emulator's moderation models flag: a message that contains it (any case) is judged unsafe, every
 * other one safe, so tests of a gateway's moderation are deterministic.
 */
export const MODERATION_MARKER = 'emulator-unsafe-marker';

/** Whether a model is a moderation model (Llama Guard): it answers a verdict instead of prose. */
export function isModerationModel(modelId: string): boolean {
  return /llama-guard/i.test(modelId);
}

/**
 * Llama Guard's answer to a conversation: `safe`, or `unsafe` and the category on the next line (S1, violent
 * crimes, stands for any flagged content here).
 * @example
 * moderationVerdict([{ role: 'user', content: 'hello' }]); // 'safe'
 */
export function moderationVerdict(messages: ReadonlyArray<Record<string, unknown>>): string {
  const flagged = messages.some((message) => contentText(message['content']).toLowerCase().includes(MODERATION_MARKER));
  return flagged ? 'unsafe\nS1' : 'safe';
}
