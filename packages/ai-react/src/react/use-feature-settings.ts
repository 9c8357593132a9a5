'use client';
import { useEffect, useMemo, useRef } from 'react';
import type { FeatureConfigVersion } from '../core/admin-types.js';
import { createSettingsDraftStore, type SettingsDraftState } from '../core/settings-draft-store.js';
import { useAiContext } from './ai-provider.js';
import { useInstance } from './use-instance.js';
import { useQuery } from './use-query.js';
import { useStoreState } from './use-store-state.js';

export interface UseFeatureSettingsResult {
  /** The configuration as saved (with its `version`), once read. */
  config: SettingsDraftState['base'];
  /** The fields being edited: the saved ones with the edits over them. */
  draft: SettingsDraftState['draft'];
  /** Fields whose draft differs from the saved configuration. */
  dirty: SettingsDraftState['dirty'];
  change: SettingsDraftState['change'];
  /** Drops the edits. */
  discard: SettingsDraftState['discard'];
  /** Saves the edits with the version read; a newer saved version makes it fail with `error.code === 'conflict'`. */
  save: SettingsDraftState['save'];
  /** Back to the configuration the feature was created with (saved as a new version). */
  reset: SettingsDraftState['reset'];
  /** Saves an earlier version's configuration as the newest. */
  restore: SettingsDraftState['restore'];
  /** Reads the saved configuration again (after a conflict: the newer one, the edits kept over it). */
  reload: SettingsDraftState['load'];
  /** Every saved version, newest first; read again after each save. */
  history: readonly FeatureConfigVersion[];
  /** Runs the draft on a prompt against the real model; saves nothing. */
  test: SettingsDraftState['runTest'];
  /** The live test's status, answer (text, model, tokens, cost, latency) or error. */
  testState: SettingsDraftState['test'];
  status: SettingsDraftState['status'];
  /** `conflict`, `admin_unavailable` (no admin routes on this server), `forbidden`… with a `userMessage`. */
  error: SettingsDraftState['error'];
}

/**
 * The settings of one feature for an admin: read, edit as a draft, save with a version check, reset, history
 * and restore, and a live test of the draft.
 *
 * @example
 * const settings = useFeatureSettings('chat');
 * settings.change({ systemPrompt: 'Answer in French.' });
 * await settings.save(); // settings.error?.code === 'conflict' when someone saved first
 */
export function useFeatureSettings(feature: string): UseFeatureSettingsResult {
  const { client, queries } = useAiContext('useFeatureSettings');
  const store = useInstance([client, feature], () => createSettingsDraftStore({ client, feature }));
  const state = useStoreState(store);
  useEffect(() => void store.getState().load(), [store]);
  // Each saved version (a save, reset or restore, here or read after a conflict) adds a line to the history, and
  // may change what the feature lists show.
  const { version } = state;
  const versions = useQuery(['admin', 'features', feature, 'history', version ?? null], (signal) => client.features.history(feature, { signal }), { enabled: version !== undefined }).data;
  const seen = useRef(version);
  useEffect(() => {
    if (seen.current !== undefined && version !== seen.current) queries.invalidate(['models']);
    seen.current = version;
  }, [queries, version]);
  const { base, draft, dirty, change, discard, save, reset, restore, load, runTest, test, status, error } = state;
  return useMemo(
    () => ({ config: base, draft, dirty, change, discard, save, reset, restore, reload: load, history: versions ?? [], test: runTest, testState: test, status, error }),
    [base, draft, dirty, change, discard, save, reset, restore, load, versions, runTest, test, status, error],
  );
}
