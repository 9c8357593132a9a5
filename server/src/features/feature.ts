import { z } from 'zod';
import { extensionPolicySchema, featureCacheSchema, guardrailConfigSchema, refusedPatterns, unsafePatternIssues } from './feature-policies.js';

/** Parameters a feature may set and a client may be allowed to override. */
export const OVERRIDABLE_PARAMETERS = [
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'presence_penalty',
  'frequency_penalty',
  'repetition_penalty',
  'min_p',
  'stop',
  'seed',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'reasoning',
  'modalities',
  'image_config',
  // OpenRouter's other documented request fields that change the answer or label the request, but cost nothing of
  // their own (`prediction`'s rejected tokens are counted in the worst-case estimate as output).
  'top_a',
  'verbosity',
  'prediction',
  'structured_outputs',
  'usage',
  'metadata',
  'session_id',
  'trace',
] as const;
export type OverridableParameter = (typeof OVERRIDABLE_PARAMETERS)[number];

/** The ranges OpenRouter accepts, which are also the widest a feature can allow. */
export const PARAMETER_RANGES: Partial<Record<OverridableParameter, { min: number; max: number }>> = {
  temperature: { min: 0, max: 2 },
  top_p: { min: 0, max: 1 },
  top_k: { min: 1, max: 1_000_000 },
  max_tokens: { min: 1, max: 10_000_000 },
  presence_penalty: { min: -2, max: 2 },
  frequency_penalty: { min: -2, max: 2 },
  repetition_penalty: { min: 0, max: 2 },
  min_p: { min: 0, max: 1 },
  top_logprobs: { min: 0, max: 20 },
  top_a: { min: 0, max: 1 },
};

const bound = z.object({ min: z.number().optional(), max: z.number().optional() }).strict();

export const featureParamsSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    max_tokens: z.number().int().positive().optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
    response_format: z.record(z.string(), z.unknown()).optional(),
    /** Free-form upstream parameters (e.g. `reasoning`, `provider`); a client cannot override them. */
    extra: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** A feature as stored: what a save checked, perhaps under an older rule (see `featureSchema`). */
const storedFeatureSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/i, 'a feature name is 1–64 letters, digits, ".", "_" or "-"'),
    modality: z.enum(['text', 'image', 'embedding']).default('text'),
    model: z.string().min(1),
    fallbackModels: z.array(z.string().min(1)).max(8).default([]),
    systemPrompt: z.string().max(100_000).default(''),
    params: featureParamsSchema.default({}),
    /** Who may call the feature; a caller of another role gets 403. Default: everyone. */
    roles: z.array(z.enum(['admin', 'user'])).min(1).default(['admin', 'user']),
    /**
     * What a client may override: `false` forbids a parameter, `{min,max}` narrows its range, `true` allows it
     * within OpenRouter's range. Parameters not listed are allowed within OpenRouter's range; `max_tokens` is
     * always clamped to the feature's ceiling (`clientOverrides.max_tokens.max`, else `params.max_tokens`).
     */
    clientOverrides: z.partialRecord(z.enum(OVERRIDABLE_PARAMETERS), z.union([z.boolean(), bound])).default({}),
    /** The response cache; absent means the modality's default (on for embeddings only). */
    cache: featureCacheSchema.optional(),
    /** Checks of the input and the answer, in order; see `GuardrailConfig`. */
    guardrails: z.array(guardrailConfigSchema).max(20).optional(),
    /** What a client is told when a guardrail blocks a request and the guardrail has no message of its own. */
    guardrailMessage: z.string().min(1).max(500).optional(),
    /** Server tools, OpenRouter's request options and attachments a client may use; see `ExtensionPolicy`. */
    extensions: extensionPolicySchema.optional(),
  })
  .strict();

/** A feature as a save checks it: the stored shape, and blocklist patterns that cannot backtrack catastrophically. */
export const featureSchema = storedFeatureSchema.superRefine((feature, context) => unsafePatternIssues(feature.guardrails, context));

/** A named AI feature of a project: the model it serves, its fallbacks, its system prompt and parameter policy. */
export type Feature = z.infer<typeof featureSchema>;
export type FeatureInput = z.input<typeof featureSchema>;
export type FeatureParams = z.infer<typeof featureParamsSchema>;
export type Modality = Feature['modality'];

/**
 * The models a feature names, each with the field that names it (`model`, `fallbackModels.0`, …), in the order they
 * are tried.
 * @example
 * modelFieldsOf(feature) // [{ field: 'model', id: 'openai/gpt-4o-mini' }, { field: 'fallbackModels.0', id: … }]
 */
export function modelFieldsOf(feature: Pick<Feature, 'model' | 'fallbackModels'>): Array<{ field: string; id: string }> {
  return [{ field: 'model', id: feature.model }, ...feature.fallbackModels.map((id, index) => ({ field: `fallbackModels.${index}`, id }))];
}

/**
 * Names no feature may be created or renamed to, in any case: `GET /v1/models/count` and `GET /v1/models/user` are the
 * OpenRouter SDK's `models.count` and `models.listForUser`, and a project's feature of that name takes the path over
 * (a feature stored under one before it was reserved keeps working; the gateway warns of it at start).
 */
export const RESERVED_FEATURE_NAMES = ['count', 'user'] as const;

const RESERVED_FOR: Record<(typeof RESERVED_FEATURE_NAMES)[number], string> = { count: 'models.count', user: 'models.listForUser' };

/**
 * Why a new feature cannot take `name` (one of `RESERVED_FEATURE_NAMES`), or undefined when it can.
 * @example
 * reservedFeatureNameProblem('Count'); // '"Count" is reserved: GET /v1/models/count is the OpenRouter SDK's models.count, …'
 */
export function reservedFeatureNameProblem(name: string): string | undefined {
  const reserved = RESERVED_FEATURE_NAMES.find((candidate) => candidate === name.toLowerCase());
  if (reserved === undefined) return undefined;
  return `"${name}" is reserved: GET /v1/models/${reserved} is the OpenRouter SDK's ${RESERVED_FOR[reserved]}, which a feature of that name would take over for its project; choose another name`;
}

/** Parses a feature, throwing a readable message naming the field at fault. */
export function parseFeature(input: unknown): Feature {
  return parsedWith(featureSchema, input);
}

/**
 * Parses a feature read back from storage: as `parseFeature`, without the checks a save makes that may have become
 * stricter since it was saved (blocklist patterns), so no project's features become unreadable with an upgrade.
 */
export function parseStoredFeature(input: unknown): Feature {
  return parsedWith(storedFeatureSchema, input);
}

/**
 * Parses a feature the gateway is given at start (`createAiGateway({ features })`, `serve --features`, a
 * `MemoryFeatureStore`'s initial features): as a stored feature, since the same file or code may have been written
 * under an older, looser pattern check. A blocklist pattern the check now refuses is a warning, not an error: it still
 * runs, under the blocklist worker's time budget. A pattern that is not a regular expression at all is still an error.
 * A reserved name (`RESERVED_FEATURE_NAMES`) is a warning too: a project that listed it before it was reserved keeps
 * starting, and the feature is created under it.
 * @example
 * const { feature, warnings } = parseSeedFeature({ name: 'chat', model: 'openai/gpt-4o-mini' }); // warnings: []
 */
export function parseSeedFeature(input: unknown): { feature: Feature; warnings: string[] } {
  const feature = parseStoredFeature(input);
  const warnings = refusedPatterns(feature.guardrails).map(({ path, pattern, message }) => {
    try {
      new RegExp(pattern, 'giu');
    } catch {
      throw new Error(`invalid feature: ${path.join('.')}: ${message}`);
    }
    return `feature "${feature.name}": ${path.join('.')}: ${message}. It still runs, and a text it cannot screen within the blocklist pattern budget is refused with a 503; rewrite it, as saving the feature requires.`;
  });
  // A project that listed it before the name was reserved keeps starting (and serving it); a save refuses the name.
  const reserved = reservedFeatureNameProblem(feature.name);
  if (reserved !== undefined) warnings.push(`feature ${reserved.replace(/; choose another name$/, '')}. It still runs under that name; rename it.`);
  return { feature, warnings };
}

function parsedWith(schema: typeof storedFeatureSchema, input: unknown): Feature {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'feature';
  throw new Error(`invalid feature: ${where}: ${issue?.message ?? 'invalid'}`);
}
