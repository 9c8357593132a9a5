// The admin API's shapes (`/api/ai/configurations…`, `/provider-key…`, `/keys…`, `/audit`, usage and limits),
// as the gateway answers them; times are ISO strings.
import type { ExtensionPolicy, LimitsResponse, Modality } from '@insforge/ai-protocol';

/** What a feature does: the protocol's `Modality`. */
export type FeatureModality = Modality;

export interface FeatureParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  stop?: string | string[];
  response_format?: Record<string, unknown>;
  /** Free-form upstream parameters a client can never override. */
  extra?: Record<string, unknown>;
}

/** `false` forbids a parameter, `{ min, max }` narrows its range, `true` allows it within OpenRouter's range. */
export type ClientOverride = boolean | { min?: number; max?: number };

/** A feature's response cache as the gateway applies it (defaults filled in: on for embeddings only, one hour). */
export interface FeatureCacheSettings {
  enabled: boolean;
  /** How long an answer stays cached, 1 s to 30 days. */
  ttlSeconds: number;
  /** Whether answers sampled with `temperature > 0` may be cached and shared too. */
  cacheNonDeterministic: boolean;
}

/** Where a guardrail looks: the client's messages, the answer, or both. */
export type GuardrailStage = 'input' | 'output' | 'both';
export type GuardrailMode = 'block' | 'redact';
export const PII_KINDS = ['email', 'phone', 'card', 'iban', 'secret'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One guardrail of a feature; they run in order. `message` is what users are told when it blocks. */
export type GuardrailConfig =
  | { type: 'pii'; name?: string; stage?: GuardrailStage; mode?: GuardrailMode; kinds?: PiiKind[]; message?: string }
  | { type: 'blocklist'; name?: string; stage?: GuardrailStage; mode?: GuardrailMode; words?: string[]; patterns?: string[]; message?: string }
  | { type: 'size'; name?: string; maxInputCharacters?: number; maxMessages?: number; message?: string }
  | { type: 'moderation'; name?: string; stage?: GuardrailStage; model?: string; message?: string };

export type GuardrailType = GuardrailConfig['type'];

/** What a cache purge answers: how many answers were forgotten, of which feature (null: every feature). */
export interface CachePurgeResult {
  purged: number;
  feature: string | null;
}

/** The fields of a feature an admin edits. */
export interface FeatureConfigFields {
  modality: FeatureModality;
  model: string;
  fallbackModels: string[];
  systemPrompt: string;
  params: FeatureParams;
  clientOverrides: Record<string, ClientOverride>;
  roles: Array<'admin' | 'user'>;
  cache: FeatureCacheSettings;
  guardrails: GuardrailConfig[];
  /** What users are told when a guardrail without a message of its own blocks; null for the gateway's default. */
  guardrailMessage: string | null;
  /** Server tools, OpenRouter's request options and attachments clients may use (`{}`: the gateway's defaults). */
  extensions: ExtensionPolicy;
}

/** A saved feature: its fields, its version (send it back to save) and who changed it last. */
export interface FeatureConfig extends FeatureConfigFields {
  id: string;
  name: string;
  provider: 'openrouter';
  /** The seeds' name for `model`. */
  modelId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export interface FeatureConfigInput extends Partial<FeatureConfigFields> {
  name: string;
  model: string;
}

/** A partial update, with the version it was read at (a newer saved version makes it a `conflict`). */
export interface FeatureConfigUpdate extends Partial<FeatureConfigFields> {
  version: number;
}

export interface FeatureConfigVersion {
  version: number;
  action: string;
  changedBy: string;
  changedAt: string;
  configuration: Omit<FeatureConfig, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'updatedBy'>;
}

/** A live test of a saved feature (`feature`), or of unsaved `draft` fields over it (or over nothing). */
export interface FeatureTestRequest {
  feature?: string;
  prompt: string;
  draft?: Partial<FeatureConfigFields> & { name?: string };
}

/** What a live test answered: the text, model, tokens, cost and latency. */
export interface FeatureTestResult {
  feature: string;
  answer: string;
  model: string;
  provider: string | null;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  costUsd: number | null;
  latencyMs: number;
  finishReason: string | null;
}

/** The OpenRouter key in use, masked, with what OpenRouter said about it. */
export interface ProviderKeyState {
  configured: boolean;
  source: 'stored' | 'environment' | 'none';
  masked?: string;
  label?: string | null;
  limit?: number | null;
  limitRemaining?: number | null;
  usage?: number | null;
  isFreeTier?: boolean;
  validatedAt?: string;
  /** Set by `providerKey.test()`. */
  valid?: boolean;
}

export interface ClientKey {
  id: string;
  projectId: string;
  label: string;
  /** The first characters of the key, to tell keys apart. */
  prefix: string;
  role: 'admin' | 'user';
  userId: string | null;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A new key: `key` is shown in this answer only. */
export interface CreatedClientKey extends ClientKey {
  key: string;
}

export interface ClientKeyInput {
  label: string;
  role?: 'admin' | 'user';
  userId?: string;
}

export interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  createdAt: string;
}

export interface Page<T> {
  data: T[];
  /** Pass as `before` for the next page; `null` on the last one. */
  next: string | null;
}

export interface UsageSummaryParams {
  period?: 'day' | 'week' | 'month' | (string & {});
  groupBy?: 'feature' | 'model' | 'user' | 'day' | (string & {});
  from?: string;
  to?: string;
}

/** Usage figures of one group (or the totals). */
export interface UsageFigures {
  requests?: number;
  promptTokens?: number;
  completionTokens?: number;
  costUsd?: number;
  [figure: string]: unknown;
}

/**
 * `GET /api/ai/usage/summary` (experimental: the route is not on the gateway yet, so the shape is the server's,
 * passed through with the fields a chart needs typed loosely).
 */
export interface UsageSummary {
  totals?: UsageFigures;
  groups?: Array<UsageFigures & { key?: string }>;
  [field: string]: unknown;
}

/**
 * `GET /api/ai/limits?feature=`: every limit that applies to the caller (the project's, the feature's, their own)
 * with what is used and left, and whether an administrator stopped the project. The protocol's shape.
 */
export type AiLimits = LimitsResponse;
