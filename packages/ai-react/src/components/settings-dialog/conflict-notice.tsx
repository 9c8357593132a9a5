'use client';
import { useEffect, useState, type ReactNode } from 'react';
import type { FeatureConfig } from '../../core/admin-types.js';
import { sameJson, type DraftField } from '../../core/settings-draft-store.js';
import { useAiContext } from '../../react/ai-provider.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';

const FIELDS: readonly DraftField[] = ['model', 'fallbackModels', 'systemPrompt', 'params', 'clientOverrides', 'roles', 'modality', 'extensions'];

export interface ConflictNoticeProps {
  feature: string;
  /** The version the edits were based on. */
  base: FeatureConfig | undefined;
  /** The version saved on the server, from the conflict error. */
  currentVersion: number | undefined;
  busy: boolean;
  onReloadTheirs(): void;
  onKeepMine(): void;
}

/**
 * Someone saved the feature while this admin was editing it: who, when, what they changed, and the two ways out
 * (take their version, or save these edits over it).
 */
export function ConflictNotice({ feature, base, currentVersion, busy, onReloadTheirs, onKeepMine }: ConflictNoticeProps): ReactNode {
  const { labels, className } = useSettingsDialogContext('ConflictNotice');
  const { client } = useAiContext('ConflictNotice');
  const [theirs, setTheirs] = useState<FeatureConfig>();
  useEffect(() => {
    const abort = new AbortController();
    client.features.get(feature, { signal: abort.signal }).then(setTheirs, () => undefined);
    return () => abort.abort();
  }, [client, feature, currentVersion]);
  const changed = theirs && base ? FIELDS.filter((field) => !sameJson(theirs[field], base[field])).map((field) => labels.fieldNames[field] ?? field) : [];
  const when = theirs ? new Date(theirs.updatedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';
  return (
    <div role="alert" className={className('notice', 'ia-settings__notice', 'ia-settings__notice--conflict')} data-state="conflict">
      <p className="ia-settings__notice-title">{labels.conflictTitle}</p>
      {theirs && <p>{labels.conflictBody(theirs.updatedBy, when, theirs.version)}</p>}
      {changed.length > 0 && <p>{labels.conflictTheyChanged(changed)}</p>}
      <div className="ia-settings__control-row">
        <button type="button" className={className('button', 'ia-settings__button')} disabled={busy} onClick={onReloadTheirs}>
          {labels.reloadTheirs}
        </button>
        <button type="button" className={className('button', 'ia-settings__button', 'ia-settings__button--primary')} disabled={busy} onClick={onKeepMine}>
          {labels.keepMine}
        </button>
      </div>
    </div>
  );
}
