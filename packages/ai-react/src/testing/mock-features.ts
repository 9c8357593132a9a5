// The project's feature configurations behind `/api/ai/configurations…`, with versions and history, in memory.
import type { FeatureConfig, FeatureConfigFields, FeatureConfigVersion } from '../core/admin-types.js';
import type { MockCatalog } from './mock-catalog.js';
import type { ErrorAnswer } from './mock-scenarios.js';

/** A feature to start with: a name and a model, the rest defaulted as the gateway defaults it. */
export type MockFeatureSeed = Partial<FeatureConfigFields> & { name: string; model: string };

/** The seeds' features: chat, a code assistant, a summarizer (on a model without temperature), embeddings, images. */
export const DEFAULT_MOCK_FEATURES: readonly MockFeatureSeed[] = [
  { name: 'chat', model: 'openai/gpt-4o-mini', fallbackModels: ['anthropic/claude-sonnet-4'], systemPrompt: 'You are the chat assistant of Acme.', params: { temperature: 0.5, max_tokens: 512 } },
  { name: 'code', model: 'anthropic/claude-sonnet-4', systemPrompt: 'You write TypeScript.', clientOverrides: { temperature: { min: 0, max: 1 }, top_p: false } },
  { name: 'summarize', model: 'openai/gpt-5', systemPrompt: 'Summarize the text in at most five bullet points.', params: { max_tokens: 400 } },
  { name: 'embed', modality: 'embedding', model: 'openai/text-embedding-3-small' },
  { name: 'image', modality: 'image', model: 'black-forest-labs/flux.2-pro' },
];

type Configuration = FeatureConfigVersion['configuration'];

interface Entry {
  record: FeatureConfig;
  history: FeatureConfigVersion[];
}

const ADMIN = 'admin:ada@acme.example';
const PARAM_RANGES: Record<string, [number, number]> = { temperature: [0, 2], top_p: [0, 1], presence_penalty: [-2, 2], frequency_penalty: [-2, 2] };

function configurationOf(fields: FeatureConfigFields & { name: string }): Configuration {
  return {
    name: fields.name,
    modality: fields.modality,
    provider: 'openrouter',
    modelId: fields.model,
    model: fields.model,
    fallbackModels: fields.fallbackModels,
    systemPrompt: fields.systemPrompt,
    params: fields.params,
    clientOverrides: fields.clientOverrides,
    roles: fields.roles,
    cache: fields.cache,
    guardrails: fields.guardrails,
    guardrailMessage: fields.guardrailMessage,
    extensions: fields.extensions,
  };
}

/**
 * The feature store of one mock gateway. Every write checks the version it was read at, like the gateway's SQL
 * store, and appends to the history; `chat` starts with three versions so a history view has something to show.
 */
export function createFeatureStore(seeds: readonly MockFeatureSeed[], catalog: MockCatalog, now: () => number) {
  const entries = new Map<string, Entry>();
  const iso = (offsetDays = 0) => new Date(now() - offsetDays * 86_400_000).toISOString();

  const fieldsOf = (seed: MockFeatureSeed): FeatureConfigFields & { name: string } => ({
    name: seed.name,
    modality: seed.modality ?? 'text',
    model: seed.model,
    fallbackModels: seed.fallbackModels ?? [],
    systemPrompt: seed.systemPrompt ?? '',
    params: seed.params ?? {},
    clientOverrides: seed.clientOverrides ?? {},
    roles: seed.roles ?? ['admin', 'user'],
    // As the gateway fills them in: the cache on for embeddings only, for an hour; no guardrails.
    cache: { enabled: (seed.modality ?? 'text') === 'embedding', ttlSeconds: 3600, cacheNonDeterministic: false, ...seed.cache },
    guardrails: seed.guardrails ?? [],
    guardrailMessage: seed.guardrailMessage ?? null,
    extensions: seed.extensions ?? {},
  });

  const write = (entry: Entry, fields: FeatureConfigFields & { name: string }, action: string): FeatureConfig => {
    const version = entry.record.version + 1;
    const changedAt = iso();
    entry.record = { ...entry.record, ...configurationOf(fields), version, updatedAt: changedAt, updatedBy: ADMIN };
    entry.history.unshift({ version, action, changedBy: ADMIN, changedAt, configuration: configurationOf(fields) });
    return entry.record;
  };

  seeds.forEach((seed, index) => {
    const fields = fieldsOf(seed);
    // `chat` gets a past: created with other settings, then edited twice.
    const past = seed.name === 'chat' ? [{ ...fields, params: { temperature: 0.9 }, systemPrompt: 'You are a helpful assistant.' }, { ...fields, params: { ...fields.params, temperature: 0.9 } }] : [];
    const first = past[0] ?? fields;
    const createdAt = iso(14 - index);
    const entry: Entry = {
      record: { id: `cfg_${String(index + 1).padStart(4, '0')}`, ...configurationOf(first), version: 1, createdAt, updatedAt: createdAt, updatedBy: ADMIN },
      history: [{ version: 1, action: 'create', changedBy: ADMIN, changedAt: createdAt, configuration: configurationOf(first) }],
    };
    for (const step of [...past.slice(1), ...(past.length > 0 ? [fields] : [])]) write(entry, step, 'update');
    entries.set(seed.name, entry);
  });

  const find = (idOrName: string) => entries.get(idOrName) ?? [...entries.values()].find((entry) => entry.record.id === idOrName);

  const check = (fields: FeatureConfigFields): ErrorAnswer | undefined => {
    if (!catalog.byId.has(fields.model)) return { code: 'model_not_found', message: `The model "${fields.model}" is not in OpenRouter's catalog.`, param: 'model' };
    for (const [name, [min, max]] of Object.entries(PARAM_RANGES)) {
      const value = (fields.params as Record<string, unknown>)[name];
      if (value !== undefined && (typeof value !== 'number' || value < min || value > max)) {
        return { code: 'invalid_parameter', message: `params.${name} must be a number from ${min} to ${max}.`, param: `params.${name}` };
      }
    }
    // As the gateway refuses them when saved: a repeated group holding a quantifier can backtrack catastrophically.
    for (const [index, guardrail] of fields.guardrails.entries()) {
      const patterns = guardrail.type === 'blocklist' ? (guardrail.patterns ?? []) : [];
      const unsafe = patterns.findIndex((pattern) => /\([^)]*[+*}][^)]*\)[+*{]/.test(pattern));
      if (unsafe >= 0) {
        const param = `guardrails.${index}.patterns.${unsafe}`;
        return { code: 'invalid_parameter', message: `${param}: the pattern ${JSON.stringify(patterns[unsafe])} is refused: a repeated group contains another quantifier or an alternation, which can backtrack catastrophically`, param };
      }
    }
    const maxTokens = fields.params.max_tokens;
    if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens <= 0)) return { code: 'invalid_parameter', message: 'params.max_tokens must be a positive integer.', param: 'params.max_tokens' };
    return undefined;
  };

  const conflict = (entry: Entry, expected: unknown): ErrorAnswer | undefined =>
    expected === entry.record.version
      ? undefined
      : {
          code: 'version_conflict',
          message: `This configuration changed meanwhile: it is at version ${entry.record.version}, not ${String(expected)}. Reload it and apply your edits again.`,
          param: 'version',
          headers: { 'x-current-version': String(entry.record.version), etag: `"${entry.record.version}"` },
        };

  const notFound = (idOrName: string): ErrorAnswer => ({ code: 'not_found', message: `No configuration "${idOrName}" in this project.`, param: 'id' });
  const editable = (body: Record<string, unknown>): Partial<FeatureConfigFields> => {
    const { version: _version, expectedVersion: _expected, id: _id, createdAt: _created, updatedAt: _updated, updatedBy: _by, provider: _provider, modelId, ...rest } = body;
    const fields = rest as Partial<FeatureConfigFields>;
    if (typeof modelId === 'string' && fields.model === undefined) fields.model = modelId;
    if ((fields as { systemPrompt?: unknown }).systemPrompt === null) fields.systemPrompt = '';
    return fields;
  };

  return {
    list: () => [...entries.values()].map((entry) => entry.record),
    get: (idOrName: string): FeatureConfig | ErrorAnswer => find(idOrName)?.record ?? notFound(idOrName),
    history: (idOrName: string): FeatureConfigVersion[] | ErrorAnswer => find(idOrName)?.history ?? notFound(idOrName),
    create(body: Record<string, unknown>): FeatureConfig | ErrorAnswer {
      const fields = editable(body);
      const name = typeof body['name'] === 'string' ? body['name'] : '';
      if (!/^[a-z0-9][a-z0-9_.-]{0,63}$/i.test(name)) return { code: 'invalid_parameter', message: 'a feature name is 1–64 letters, digits, ".", "_" or "-"', param: 'name' };
      if (entries.has(name)) return { code: 'version_conflict', message: `A feature named "${name}" already exists.`, param: 'name' };
      const full = fieldsOf({ ...fields, name, model: fields.model ?? '' });
      const invalid = check(full);
      if (invalid) return invalid;
      const createdAt = iso();
      const entry: Entry = {
        record: { id: `cfg_${String(entries.size + 1).padStart(4, '0')}`, ...configurationOf(full), version: 1, createdAt, updatedAt: createdAt, updatedBy: ADMIN },
        history: [{ version: 1, action: 'create', changedBy: ADMIN, changedAt: createdAt, configuration: configurationOf(full) }],
      };
      entries.set(name, entry);
      return entry.record;
    },
    update(idOrName: string, body: Record<string, unknown>, forceConflict: boolean): FeatureConfig | ErrorAnswer {
      const entry = find(idOrName);
      if (!entry) return notFound(idOrName);
      const failed = forceConflict ? conflict(entry, -1) : conflict(entry, body['version']);
      if (failed) return failed;
      const merged = { ...entry.record, ...editable(body), name: entry.record.name };
      return check(merged) ?? write(entry, merged, 'update');
    },
    remove(idOrName: string): ErrorAnswer | undefined {
      const entry = find(idOrName);
      if (!entry) return notFound(idOrName);
      entries.delete(entry.record.name);
      return undefined;
    },
    restore(idOrName: string, body: Record<string, unknown>, forceConflict: boolean): FeatureConfig | ErrorAnswer {
      const entry = find(idOrName);
      if (!entry) return notFound(idOrName);
      const failed = conflict(entry, forceConflict ? -1 : body['expectedVersion']);
      if (failed) return failed;
      const version = entry.history.find((item) => item.version === body['version']);
      if (!version) return { code: 'not_found', message: `This configuration has no version ${String(body['version'])}.`, param: 'version' };
      return write(entry, { ...version.configuration }, 'restore');
    },
    reset(idOrName: string, body: Record<string, unknown>, forceConflict: boolean): FeatureConfig | ErrorAnswer {
      const entry = find(idOrName);
      if (!entry) return notFound(idOrName);
      const failed = conflict(entry, forceConflict ? -1 : body['expectedVersion']);
      if (failed) return failed;
      const first = entry.history[entry.history.length - 1];
      return first ? write(entry, { ...first.configuration }, 'reset') : entry.record;
    },
    /** The saved feature with unsaved `draft` fields over it (or the draft alone), for a live test. */
    draftOf(idOrName: string | undefined, draft: unknown): (FeatureConfigFields & { name: string }) | ErrorAnswer {
      const base = idOrName === undefined ? undefined : find(idOrName);
      if (idOrName !== undefined && !base) return notFound(idOrName);
      const overlay = typeof draft === 'object' && draft !== null ? editable(draft as Record<string, unknown>) : {};
      const name = base?.record.name ?? (typeof (draft as { name?: unknown } | null)?.name === 'string' ? String((draft as { name: string }).name) : 'draft');
      const merged = fieldsOf({ ...(base?.record ?? {}), ...overlay, name, model: overlay.model ?? base?.record.model ?? '' });
      return check(merged) ?? merged;
    },
  };
}

export type FeatureStore = ReturnType<typeof createFeatureStore>;
