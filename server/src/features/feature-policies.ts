import type { ExtensionPolicy } from '@insforge/ai-protocol';
import { z } from 'zod';
import { unsafePatternReason } from './safe-pattern.js';

/**
 * A feature's response cache. Off by default for chat and image features, on for embeddings (deterministic);
 * `cacheNonDeterministic` lets answers sampled with `temperature > 0` be cached and shared too.
 */
export const featureCacheSchema = z
  .object({
    enabled: z.boolean().optional(),
    /** How long an answer stays cached. Default one hour. */
    ttlSeconds: z.number().int().min(1).max(30 * 86_400).optional(),
    cacheNonDeterministic: z.boolean().optional(),
  })
  .strict();

export type FeatureCache = z.infer<typeof featureCacheSchema>;

export const DEFAULT_CACHE_TTL_SECONDS = 3600;

const stage = z.enum(['input', 'output', 'both']);
const message = z.string().min(1).max(500).optional();
const name = z.string().min(1).max(64).optional();

export const PII_KINDS = ['email', 'phone', 'card', 'iban', 'secret'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One guardrail of a feature; they run in the order listed, each with a user-facing `message` when it blocks. */
export const guardrailConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pii'), name, stage: stage.default('input'), mode: z.enum(['block', 'redact']).default('redact'), kinds: z.array(z.enum(PII_KINDS)).min(1).optional(), message }).strict(),
  z
    .object({
      type: z.literal('blocklist'),
      name,
      stage: stage.default('both'),
      mode: z.enum(['block', 'redact']).default('block'),
      words: z.array(z.string().min(1).max(200)).max(1000).default([]),
      /**
       * Regular expressions (case-insensitive), checked when saved (`unsafePatternIssues`): a pattern that can backtrack
       * catastrophically is refused.
       */
      patterns: z.array(z.string().min(1).max(200)).max(100).default([]),
      message,
    })
    .strict(),
  z.object({ type: z.literal('size'), name, maxInputCharacters: z.number().int().positive().optional(), maxMessages: z.number().int().positive().optional(), message }).strict(),
  z.object({ type: z.literal('moderation'), name, stage: stage.default('input'), model: z.string().min(1).default('meta-llama/llama-guard-4-12b'), message }).strict(),
]);

export type GuardrailConfig = z.infer<typeof guardrailConfigSchema>;

/**
 * Adds an issue for each blocklist pattern that is refused (`unsafePatternReason`), at its path in the feature. A save
 * checks it; a feature already stored, or given to the gateway at start (`createAiGateway({ features })`,
 * `serve --features`), is read without it, so a rule made stricter later never makes a project's features unreadable
 * or stops a gateway from starting: its patterns run under the blocklist worker's time budget.
 */
export function unsafePatternIssues(guardrails: readonly GuardrailConfig[] | undefined, context: z.RefinementCtx): void {
  for (const { path, message } of refusedPatterns(guardrails)) context.addIssue({ code: 'custom', path, message });
}

/**
 * Each blocklist pattern a save would refuse, with its path in the feature and why.
 * @example
 * refusedPatterns([{ type: 'blocklist', patterns: ['(a+)+'] }])[0]?.path; // ['guardrails', 0, 'patterns', 0]
 */
export function refusedPatterns(guardrails: readonly GuardrailConfig[] | undefined): Array<{ path: Array<string | number>; pattern: string; message: string }> {
  const refused: Array<{ path: Array<string | number>; pattern: string; message: string }> = [];
  guardrails?.forEach((guardrail, index) => {
    if (guardrail.type !== 'blocklist') return;
    guardrail.patterns.forEach((pattern, at) => {
      const reason = unsafePatternReason(pattern);
      if (reason) refused.push({ path: ['guardrails', index, 'patterns', at], pattern, message: `the pattern ${JSON.stringify(pattern)} is refused: ${reason}` });
    });
  });
  return refused;
}

/**
 * How a moderation guardrail calls its model, which is what it costs: each call asks for `answerTokens`; the input is
 * read in one call, a JSON answer in one, and a streamed answer every `everyCharacters` (the latest
 * `windowCharacters` of it) and once more at its end. A request's worst case reserves those calls.
 */
export const MODERATION_CALLS = { answerTokens: 20, everyCharacters: 400, windowCharacters: 2_000 } as const;

const access = z.enum(['allow', 'forbid']);

/** One kind of attachment: `false` forbids it; otherwise how many a request may hold, how large each, of which types. */
const attachmentRule = z.union([
  z.literal(false),
  z
    .object({
      maxCount: z.number().int().min(1).max(100).optional(),
      maxBytes: z.number().int().min(1).max(100 * 1024 * 1024).optional(),
      /** MIME types accepted (`image/png`, `application/pdf`…); absent means any of the kind. */
      mimeTypes: z.array(z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/i, 'a MIME type such as image/png')).min(1).max(20).optional(),
    })
    .strict(),
]);

/**
 * What a client of the feature may add to a chat beyond the parameters (`clientOverrides`): OpenRouter's server
 * tools by name (`allow`, `forbid`, or `force`: always sent), its plugins by id (`pluginsById`, the same three; any
 * other plugin follows `plugins`), its request options (`plugins`, `provider`, `models`, `transforms`,
 * `cache_control` on content parts) and attachments by kind. A forbidden one is a 400 naming the field; nothing a
 * client sends is dropped without saying so. Defaults: server tools, plugins, `provider`, `models` and `transforms`
 * forbidden (an admin forces them through `params.extra`); `cache_control` and attachments allowed, up to
 * `DEFAULT_ATTACHMENT_RULE` each, but video: the dearest input, which policies written before the gateway governed it
 * could not refuse, is refused until the policy names it (`video: {}` takes the defaults).
 */
export const extensionPolicySchema = z
  .object({
    serverTools: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a server tool name such as web_search'), z.enum(['allow', 'forbid', 'force'])).optional(),
    plugins: access.optional(),
    pluginsById: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'a plugin id such as response-healing'), z.enum(['allow', 'forbid', 'force'])).optional(),
    provider: access.optional(),
    models: access.optional(),
    transforms: access.optional(),
    cacheControl: access.optional(),
    attachments: z.object({ image: attachmentRule, file: attachmentRule, audio: attachmentRule, video: attachmentRule }).partial().strict().optional(),
  })
  .strict();

/** The protocol's shape; the schema above must read exactly it (checked both ways at compile time). */
export type { ExtensionPolicy };
type Parsed = z.infer<typeof extensionPolicySchema>;
export const EXTENSION_POLICY_AGREES: [Parsed extends ExtensionPolicy ? true : false, ExtensionPolicy extends Parsed ? true : false] = [true, true];

/** An attachment kind the policy does not mention: at most 10 a request, 10 MB each (the default body cap). */
export const DEFAULT_ATTACHMENT_RULE = { maxCount: 10, maxBytes: 10 * 1024 * 1024 } as const;
