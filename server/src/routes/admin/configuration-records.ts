import type { Request } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { featureSchema, type Feature, type Modality } from '../../features/feature.js';
import { DEFAULT_CACHE_TTL_SECONDS, type ExtensionPolicy, type FeatureCache, type GuardrailConfig } from '../../features/feature-policies.js';
import { parseRequest } from '../../gateway/chat-request.js';
import type { FeatureRecord, FeatureVersion } from '../../store/sql-feature-store.js';
import { isoTime } from '../iso-time.js';

/** A feature as the admin API shows it: the seeds' `_ai_configs` fields (`provider`, `modelId`) plus ours. */
export interface ConfigurationRecord {
  id: string;
  name: string;
  modality: Modality;
  provider: 'openrouter';
  /** The seeds' name for `model`. */
  modelId: string;
  model: string;
  fallbackModels: string[];
  systemPrompt: string;
  params: Feature['params'];
  clientOverrides: Feature['clientOverrides'];
  roles: Feature['roles'];
  /** The response cache as it applies (defaults filled in: on for embeddings only, one hour). */
  cache: Required<FeatureCache>;
  /** The feature's guardrails, in the order they run. */
  guardrails: GuardrailConfig[];
  /** What a client is told when a guardrail without a message of its own blocks a request; null for the default. */
  guardrailMessage: string | null;
  /** Server tools, OpenRouter's options and attachments clients may use, as set (`{}`: the defaults). */
  extensions: ExtensionPolicy;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export interface ConfigurationVersion {
  version: number;
  action: FeatureVersion['action'];
  changedBy: string;
  changedAt: string;
  configuration: Omit<ConfigurationRecord, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'updatedBy'>;
}

const configurationOf = (feature: Feature) => ({
  name: feature.name,
  modality: feature.modality,
  provider: 'openrouter' as const,
  modelId: feature.model,
  model: feature.model,
  fallbackModels: feature.fallbackModels,
  systemPrompt: feature.systemPrompt,
  params: feature.params,
  clientOverrides: feature.clientOverrides,
  roles: feature.roles,
  cache: {
    enabled: feature.cache?.enabled ?? feature.modality === 'embedding',
    ttlSeconds: feature.cache?.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS,
    cacheNonDeterministic: feature.cache?.cacheNonDeterministic ?? false,
  },
  guardrails: feature.guardrails ?? [],
  guardrailMessage: feature.guardrailMessage ?? null,
  extensions: feature.extensions ?? {},
});

export function toConfigurationRecord(record: FeatureRecord): ConfigurationRecord {
  const { id, version, createdAt, updatedAt, updatedBy } = record;
  return { id, ...configurationOf(record.feature), version, createdAt: isoTime(createdAt), updatedAt: isoTime(updatedAt), updatedBy };
}

export function toConfigurationVersion(entry: FeatureVersion): ConfigurationVersion {
  return { version: entry.version, action: entry.action, changedBy: entry.changedBy, changedAt: isoTime(entry.changedAt), configuration: configurationOf(entry.feature) };
}

/**
 * A configuration body in either vocabulary: the seeds' `modelId` is an alias of `model`, `provider` may only be
 * `openrouter`, a `null` system prompt means none. The record's read-only fields (`id`, timestamps, `updatedBy`)
 * are ignored, so a client can send back what it read; `version` is the version a write expects. The feature's
 * own fields are checked later, once merged over the current configuration, so errors name the field at fault.
 */
export const configurationBodySchema = z
  .object({
    version: z.number().int().positive().optional(),
    modelId: z.string().min(1).optional(),
    provider: z.literal('openrouter', { error: 'provider must be "openrouter": every model is served through OpenRouter' }).optional(),
    systemPrompt: z.string().nullable().optional(),
    guardrailMessage: z.string().nullable().optional(),
    id: z.unknown().optional(),
    createdAt: z.unknown().optional(),
    updatedAt: z.unknown().optional(),
    updatedBy: z.unknown().optional(),
  })
  .catchall(z.unknown())
  .transform(({ version, modelId, provider: _provider, systemPrompt, guardrailMessage, id: _id, createdAt: _createdAt, updatedAt: _updatedAt, updatedBy: _updatedBy, ...rest }, context) => {
    const fields: Record<string, unknown> = { ...rest };
    if (modelId !== undefined) {
      if (fields['model'] !== undefined && fields['model'] !== modelId) {
        context.addIssue({ code: 'custom', path: ['modelId'], message: 'modelId is an alias of model: send one of them, or the same value in both' });
        return z.NEVER;
      }
      fields['model'] = modelId;
    }
    if (systemPrompt !== undefined) fields['systemPrompt'] = systemPrompt ?? '';
    // null (as the record shows the default) clears the message.
    if (guardrailMessage !== undefined) fields['guardrailMessage'] = guardrailMessage ?? undefined;
    return { fields, version };
  });

export type ConfigurationBody = z.output<typeof configurationBodySchema>;

const draftSchema = z.object({ draft: featureSchema });

/**
 * The feature a body describes, merged over `base` (a saved feature for updates, nothing for creation); a 400
 * naming the field at fault, under `draft.` when the fields came as a live test's draft.
 */
export function featureFromBody(fields: Record<string, unknown>, base: Partial<Feature> = {}, at?: 'draft'): Feature {
  const merged = { ...base, ...fields };
  return at ? parseRequest(draftSchema, { draft: merged }).draft : parseRequest(featureSchema, merged);
}

/**
 * The version a write expects: the body's field, else an `If-Match: "<version>"` header; a 400 naming the field
 * when there is neither (a write without one could overwrite someone else's change unseen).
 */
export function expectedVersionOf(req: Request, fromBody: number | undefined, field: 'version' | 'expectedVersion'): number {
  const header = req.get('if-match');
  const fromHeader = header === undefined ? undefined : /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header)?.[1];
  if (header !== undefined && fromHeader === undefined) {
    throw new GatewayError('invalid_parameter', `If-Match must be a configuration version, e.g. If-Match: "3" (got ${JSON.stringify(header)}).`, { param: field });
  }
  const headerVersion = fromHeader === undefined ? undefined : Number(fromHeader);
  if (fromBody !== undefined && headerVersion !== undefined && fromBody !== headerVersion) {
    throw new GatewayError('invalid_parameter', `${field} (${fromBody}) and If-Match (${headerVersion}) disagree: send the version you read once.`, { param: field });
  }
  const version = fromBody ?? headerVersion;
  if (version === undefined) {
    throw new GatewayError('invalid_parameter', `${field} is required: send the version you read (the record's "version", or If-Match: "<version>") so a concurrent change is not overwritten.`, { param: field });
  }
  return version;
}
