import { createStore, type StoreApi } from 'zustand/vanilla';
import type { FeatureConfig, FeatureConfigFields, FeatureTestResult } from './admin-types.js';
import type { AiClient } from './client.js';
import { toAiError, type AiError } from './errors.js';

export type DraftField = keyof FeatureConfigFields;

const FIELDS: readonly DraftField[] = ['modality', 'model', 'fallbackModels', 'systemPrompt', 'params', 'clientOverrides', 'roles', 'cache', 'guardrails', 'guardrailMessage', 'extensions'];

export interface FeatureTestState {
  status: 'idle' | 'running' | 'done' | 'error';
  result?: FeatureTestResult;
  error?: AiError;
}

export interface SettingsDraftState {
  feature: string;
  /** The configuration as saved, when loaded. */
  base: FeatureConfig | undefined;
  /** The fields being edited: the saved ones with the edits over them. */
  draft: FeatureConfigFields | undefined;
  /** Fields whose draft differs from the saved configuration. */
  dirty: readonly DraftField[];
  /** The version the draft is based on; a save sends it, and a newer saved one makes the save a `conflict`. */
  version: number | undefined;
  status: 'idle' | 'loading' | 'ready' | 'saving' | 'error';
  error: AiError | undefined;
  test: FeatureTestState;
  /** Reads the saved configuration; edits not saved yet are kept over it (after a conflict: the newer version). */
  load(): Promise<void>;
  change(patch: Partial<FeatureConfigFields>): void;
  /** Drops the edits. */
  discard(): void;
  /** Saves the dirty fields with the version read; a conflict keeps the draft and sets `error.code` to `conflict`. */
  save(): Promise<FeatureConfig | undefined>;
  /** Back to the configuration the feature was created with (saved as a new version). */
  reset(): Promise<FeatureConfig | undefined>;
  /** Saves an earlier version's configuration as the newest. */
  restore(version: number): Promise<FeatureConfig | undefined>;
  /** Runs the draft (the saved feature with the dirty fields over it) on a prompt; saves nothing. */
  runTest(prompt: string): Promise<FeatureTestResult | undefined>;
}

/**
 * Structural equality of JSON values (key order ignored), to tell a dirty field from an unchanged one.
 *
 * @example
 * sameJson({ temperature: 0.5, top_p: 1 }, { top_p: 1, temperature: 0.5 }); // true
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((key) => left[key] !== undefined);
  if (keys.length !== Object.keys(right).filter((key) => right[key] !== undefined).length) return false;
  return keys.every((key) => sameJson(left[key], right[key]));
}

const fieldsOf = (config: FeatureConfig): FeatureConfigFields => {
  const { modality, model, fallbackModels, systemPrompt, params, clientOverrides, roles, cache, guardrails, guardrailMessage, extensions } = config;
  // A gateway older than the extension policy sends none: its defaults, as `{}` says.
  return { modality, model, fallbackModels, systemPrompt, params, clientOverrides, roles, cache, guardrails, guardrailMessage, extensions: extensions ?? {} };
};

const dirtyFields = (base: FeatureConfigFields, draft: FeatureConfigFields) => FIELDS.filter((field) => !sameJson(base[field], draft[field]));

function pick(draft: FeatureConfigFields, fields: readonly DraftField[]): Partial<FeatureConfigFields> {
  return Object.fromEntries(fields.map((field) => [field, draft[field]])) as Partial<FeatureConfigFields>;
}

/**
 * The settings dialog of one feature: the saved configuration, a draft with its dirty fields, versioned saves,
 * reset, restore and the live test.
 *
 * @example
 * const settings = createSettingsDraftStore({ client, feature: 'chat' });
 * await settings.getState().load();
 * settings.getState().change({ systemPrompt: 'Be brief.' });
 * await settings.getState().save();
 */
export function createSettingsDraftStore(options: { client: Pick<AiClient, 'features'>; feature: string }): StoreApi<SettingsDraftState> {
  const { client, feature } = options;
  return createStore<SettingsDraftState>()((set, get) => {
    // A saved configuration becomes the base; the edits in `keep` stay over it.
    const adopt = (config: FeatureConfig, keep: readonly DraftField[]) => {
      const { draft } = get();
      const next = draft ? { ...fieldsOf(config), ...pick(draft, keep) } : fieldsOf(config);
      set({ base: config, draft: next, dirty: dirtyFields(fieldsOf(config), next), version: config.version, status: 'ready', error: undefined });
      return config;
    };
    // One write at a time: a second while one is on its way gets its answer (a second PUT with the same version
    // would be refused as a conflict with the first). Edits made while it is on its way stay over what it saved.
    let writing: Promise<FeatureConfig | undefined> | undefined;
    const write = (action: () => Promise<FeatureConfig>) => {
      if (writing) return writing;
      const sent = get().draft;
      set({ status: 'saving', error: undefined });
      writing = (async () => {
        try {
          const config = await action();
          const { draft } = get();
          return adopt(config, sent && draft ? FIELDS.filter((field) => !sameJson(sent[field], draft[field])) : []);
        } catch (thrown) {
          set({ status: 'error', error: toAiError(thrown, { admin: true }) });
          return undefined;
        } finally {
          writing = undefined;
        }
      })();
      return writing;
    };
    const requireVersion = () => {
      const { version } = get();
      if (version === undefined) throw new Error('Load the settings before saving them.');
      return version;
    };
    return {
      feature,
      base: undefined,
      draft: undefined,
      dirty: [],
      version: undefined,
      status: 'idle',
      error: undefined,
      test: { status: 'idle' },
      async load() {
        set({ status: 'loading', error: undefined });
        try {
          adopt(await client.features.get(feature), get().dirty);
        } catch (thrown) {
          set({ status: 'error', error: toAiError(thrown, { admin: true }) });
        }
      },
      change(patch) {
        const { base, draft } = get();
        if (!base || !draft) return;
        const next = { ...draft, ...patch };
        set({ draft: next, dirty: dirtyFields(fieldsOf(base), next) });
      },
      discard() {
        const { base } = get();
        if (base) set({ draft: fieldsOf(base), dirty: [], error: undefined, status: 'ready' });
      },
      save() {
        const { draft, dirty } = get();
        if (!draft || dirty.length === 0) return Promise.resolve(get().base);
        const version = requireVersion();
        return write(() => client.features.update(feature, { ...pick(draft, dirty), version }));
      },
      reset() {
        const expectedVersion = requireVersion();
        return write(() => client.features.reset(feature, { expectedVersion }));
      },
      restore(version) {
        const expectedVersion = requireVersion();
        return write(() => client.features.restore(feature, { version, expectedVersion }));
      },
      async runTest(prompt) {
        const { draft, dirty } = get();
        set({ test: { status: 'running' } });
        try {
          const result = await client.features.test(draft && dirty.length > 0 ? { feature, prompt, draft: pick(draft, dirty) } : { feature, prompt });
          set({ test: { status: 'done', result } });
          return result;
        } catch (thrown) {
          set({ test: { status: 'error', error: toAiError(thrown, { admin: true }) } });
          return undefined;
        }
      },
    };
  });
}
