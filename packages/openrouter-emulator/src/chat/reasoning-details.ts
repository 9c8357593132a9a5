import { hashString } from '../content/hash.js';
import { contentText, isRecord } from '../content/tokens.js';
import { EmulatorHttpError } from '../http.js';

/**
 * How a model family hands its reasoning back, as OpenRouter normalizes it into `reasoning_details`:
 * - Anthropic: the thinking as `reasoning.text` with a `signature` over it;
 * - Google (Gemini): the thinking as `reasoning.text`, plus the thought signature as `reasoning.encrypted`;
 * - OpenAI: a `reasoning.summary` plus the encrypted reasoning item (`reasoning.encrypted`);
 * - everyone else: plain `reasoning.text`, format `unknown`.
 * Anthropic and Google refuse a tool-call continuation whose assistant turn comes back without its signed details,
 * or with details another provider signed.
 */
export interface ReasoningStyle {
  format: 'anthropic-claude-v1' | 'google-gemini-v1' | 'openai-responses-v1' | 'unknown';
  /** The text entry is `reasoning.summary` (OpenAI) rather than `reasoning.text`. */
  summary: boolean;
  /** A `signature` on the text entry (Anthropic). */
  signed: boolean;
  /** A `reasoning.encrypted` entry after the text (Google's thought signature, OpenAI's reasoning item). */
  encrypted: boolean;
  /** Which provider refuses a continuation without the details, as it words it; undefined when none does. */
  requiredBy: 'Anthropic' | 'Google' | undefined;
}

/** By model id prefix: Claude, Gemini (not Google's open Gemma models, which other providers serve) and OpenAI's. */
const STYLES: ReadonlyArray<[prefix: string, style: ReasoningStyle]> = [
  ['anthropic/claude', { format: 'anthropic-claude-v1', summary: false, signed: true, encrypted: false, requiredBy: 'Anthropic' }],
  ['google/gemini', { format: 'google-gemini-v1', summary: false, signed: false, encrypted: true, requiredBy: 'Google' }],
  ['openai/', { format: 'openai-responses-v1', summary: true, signed: false, encrypted: true, requiredBy: undefined }],
];
const PLAIN: ReasoningStyle = { format: 'unknown', summary: false, signed: false, encrypted: false, requiredBy: undefined };

export const reasoningStyleOf = (modelId: string): ReasoningStyle => STYLES.find(([prefix]) => modelId.startsWith(prefix))?.[1] ?? PLAIN;

/**
 * The signature a provider puts on a text it produced, checked when the text comes back: only the provider that
 * signed it accepts it (a tool continuation routed to another provider fails, as on OpenRouter).
 */
export const signatureOf = (text: string, provider: string): string => Buffer.from(`emulator-signature:${hashString(`signed\u0000${provider}\u0000${text}`).toString(16)}`).toString('base64');

/** The encrypted blob of a reasoning: opaque to clients, recognized by the provider that made it when it comes back. */
export const encryptedOf = (text: string, provider: string): string =>
  Buffer.from(`emulator-encrypted:${hashString(`sealed\u0000${provider}`).toString(16)}:${hashString(text).toString(16)}`).toString('base64');

const isEncryptedBy = (data: unknown, provider: string): boolean =>
  typeof data === 'string' && Buffer.from(data, 'base64').toString('utf8').startsWith(`emulator-encrypted:${hashString(`sealed\u0000${provider}`).toString(16)}:`);

/** Every `reasoning_details` entry of a whole answer (JSON responses; the stream sends the same entries in pieces). */
export function reasoningDetailsOf(style: ReasoningStyle, text: string, provider: string): Array<Record<string, unknown>> {
  const details: Array<Record<string, unknown>> = [
    style.summary
      ? { type: 'reasoning.summary', summary: text, format: style.format, index: 0 }
      : { type: 'reasoning.text', text, ...(style.signed ? { signature: signatureOf(text, provider) } : {}), format: style.format, index: 0 },
  ];
  if (style.encrypted) details.push({ type: 'reasoning.encrypted', data: encryptedOf(text, provider), format: style.format, index: 1 });
  return details;
}

/** One streamed piece of the reasoning: the text entry at index 0, grown piece by piece. */
export function reasoningDeltaOf(style: ReasoningStyle, piece: string): Record<string, unknown> {
  return style.summary ? { type: 'reasoning.summary', summary: piece, format: style.format, index: 0 } : { type: 'reasoning.text', text: piece, format: style.format, index: 0 };
}

/** What closes a streamed reasoning: the signature (on the text entry) and the encrypted entry, where the style has them. */
export function reasoningSealOf(style: ReasoningStyle, text: string, provider: string): Array<Record<string, unknown>> {
  const seal: Array<Record<string, unknown>> = [];
  if (style.signed) seal.push({ type: 'reasoning.text', text: '', signature: signatureOf(text, provider), format: style.format, index: 0 });
  if (style.encrypted) seal.push({ type: 'reasoning.encrypted', data: encryptedOf(text, provider), format: style.format, index: 1 });
  return seal;
}

/** True when an assistant turn carries the details its provider signed: a valid signature, or the encrypted entry. */
function carriesSignedReasoning(style: ReasoningStyle, details: unknown, provider: string): boolean {
  const entries = Array.isArray(details) ? details.filter(isRecord) : [];
  if (style.signed) {
    const text = entries.filter((entry) => entry['type'] === 'reasoning.text').map((entry) => (typeof entry['text'] === 'string' ? entry['text'] : '')).join('');
    return entries.some((entry) => entry['type'] === 'reasoning.text' && entry['signature'] === signatureOf(text, provider));
  }
  return entries.some((entry) => entry['type'] === 'reasoning.encrypted' && isEncryptedBy(entry['data'], provider));
}

/**
 * Refuses a continuation after tool calls whose assistant turn lost the reasoning details, or carries details
 * another provider signed, as Anthropic and Gemini do when reasoning is on (OpenRouter passes their 400 on as
 * "Provider returned error" with the raw message). `provider` is the one serving this turn.
 */
export function checkReasoningContinuity(style: ReasoningStyle, messages: ReadonlyArray<Record<string, unknown>>, reasoningOn: boolean, provider: string): void {
  if (!reasoningOn || style.requiredBy === undefined) return;
  for (const [position, message] of messages.entries()) {
    if (message['role'] !== 'assistant' || !Array.isArray(message['tool_calls']) || message['tool_calls'].length === 0) continue;
    if (carriesSignedReasoning(style, message['reasoning_details'], provider)) continue;
    const call = message['tool_calls'].filter(isRecord)[0];
    const name = call && isRecord(call['function']) ? contentText(call['function']['name']) : 'tool';
    const sealed = Array.isArray(message['reasoning_details']) && message['reasoning_details'].some((entry: unknown) => isRecord(entry) && (entry['signature'] !== undefined || entry['type'] === 'reasoning.encrypted'));
    // Details that came back but were not signed by this provider (forged, or another provider's).
    if (sealed) {
      const raw = style.requiredBy === 'Google' ? 'Corrupted thought signature.' : `messages.${position}.content.0: Invalid \`signature\` in \`thinking\` block`;
      throw new EmulatorHttpError(400, 'Provider returned error', { raw, provider_name: provider, is_byok: false });
    }
    const raw =
      style.requiredBy === 'Google'
        ? `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${position + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`
        : `messages.${position}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`tool_use\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns.`;
    throw new EmulatorHttpError(400, 'Provider returned error', { raw, provider_name: provider, is_byok: false });
  }
}
