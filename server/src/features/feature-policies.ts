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
      /** Regular expressions (case-insensitive), checked when saved: a pattern that can backtrack catastrophically is refused. */
      patterns: z
        .array(
          z.string().min(1).max(200).superRefine((pattern, context) => {
            const reason = unsafePatternReason(pattern);
            if (reason) context.addIssue({ code: 'custom', message: `the pattern ${JSON.stringify(pattern)} is refused: ${reason}` });
          }),
        )
        .max(100)
        .default([]),
      message,
    })
    .strict(),
  z.object({ type: z.literal('size'), name, maxInputCharacters: z.number().int().positive().optional(), maxMessages: z.number().int().positive().optional(), message }).strict(),
  z.object({ type: z.literal('moderation'), name, stage: stage.default('input'), model: z.string().min(1).default('meta-llama/llama-guard-4-12b'), message }).strict(),
]);

export type GuardrailConfig = z.infer<typeof guardrailConfigSchema>;
