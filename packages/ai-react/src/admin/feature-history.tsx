'use client';
import { useId, useMemo, useState, type ReactNode } from 'react';
import type { FeatureConfig, FeatureConfigVersion } from '../core/admin-types.js';
import { AiRoot, classes, type AiTheme } from '../primitives/ai-root.js';
import { useFeatureSettings } from '../react/use-feature-settings.js';
import { defaultFeatureHistoryLabels, type FeatureHistoryLabels } from './admin-labels.js';
import { describeConfigurationChange } from './configuration-changes.js';
import { visibleNameText } from './visible-name.js';

/** The parts of the history an app can add class names to. */
export type FeatureHistorySlot = 'root' | 'title' | 'list' | 'entry' | 'changes' | 'button' | 'status' | 'error';

export interface FeatureHistoryProps {
  /** The feature (its name or id). */
  feature: string;
  /** Called with the configuration a restore saved (the newest version). */
  onRestored?: ((config: FeatureConfig) => void) | undefined;
  labels?: Partial<FeatureHistoryLabels> | undefined;
  classNames?: Partial<Record<FeatureHistorySlot, string>> | undefined;
  unstyled?: boolean | undefined;
  theme?: AiTheme | undefined;
}

/**
 * A version seeded from the gateway's options was saved by no one (the store names its actor "seed"). Another actor is
 * a name the host's sign-in gave (a user id): shown so it cannot pass for another, nor reorder the time after it.
 */
const actorOf = (entry: FeatureConfigVersion) => (entry.action === 'seed' ? undefined : visibleNameText(entry.changedBy));

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * Every saved version of a feature's configuration, newest first: who saved it, when, what changed from the one
 * before, and "Restore" (saved as a new version, so nothing is ever lost).
 *
 * @example
 * import { FeatureHistory } from '@insforge/ai-react/admin';
 * <FeatureHistory feature="chat" />
 */
export function FeatureHistory(props: FeatureHistoryProps): ReactNode {
  const { feature, onRestored, classNames, unstyled, theme } = props;
  const labels = useMemo(() => ({ ...defaultFeatureHistoryLabels, ...props.labels }), [props.labels]);
  const settings = useFeatureSettings(feature);
  const { history, config, status, error } = settings;
  const [restored, setRestored] = useState<{ from: number; version: number }>();
  const id = useId();
  const cx = (slot: FeatureHistorySlot, own: string, ...extra: string[]) => classes(unstyled, own, ...extra.map((name) => (unstyled ? undefined : name)), classNames?.[slot]);
  const busy = status === 'saving' || status === 'loading';
  const restore = async (version: number) => {
    setRestored(undefined);
    const saved = await settings.restore(version);
    if (!saved) return;
    setRestored({ from: version, version: saved.version });
    onRestored?.(saved);
  };
  const state = error ? 'error' : history.length === 0 && status !== 'error' ? 'loading' : status === 'saving' ? 'saving' : 'ready';

  return (
    <AiRoot theme={theme} unstyled={unstyled ?? false} role="region" aria-labelledby={`${id}-title`} className={cx('root', 'ia-history')} data-state={state}>
      <h2 id={`${id}-title`} className={cx('title', 'ia-history__title')}>
        {labels.title(feature)}
      </h2>
      <p role="status" className={cx('status', 'ia-history__status')}>
        {state === 'loading' ? labels.loading : status === 'saving' ? labels.restoring : restored ? labels.restored(restored.from, restored.version) : ''}
      </p>
      {error && (
        <p role="alert" className={cx('error', 'ia-history__error')}>
          {error.userMessage}
        </p>
      )}
      {history.length > 0 && (
        <ol className={cx('list', 'ia-history__list')}>
          {history.map((entry, index) => {
            const previous = history[index + 1];
            const current = entry.version === config?.version;
            const changes = previous ? describeConfigurationChange(previous.configuration, entry.configuration, labels) : [labels.created];
            return (
              <li key={entry.version} className={cx('entry', 'ia-history__entry')} data-state={current ? 'current' : 'past'} data-action={entry.action} aria-current={current ? 'true' : undefined}>
                <div className={unstyled ? undefined : 'ia-history__heading'}>
                  <h3 className={unstyled ? undefined : 'ia-history__version'}>{labels.version(entry.version)}</h3>
                  <p className={unstyled ? undefined : 'ia-history__meta'}>
                    {labels.actions[entry.action] ?? entry.action}
                    {labels.by(actorOf(entry), when(entry.changedAt))}
                  </p>
                  {current ? (
                    <span className={unstyled ? undefined : 'ia-history__badge'}>{labels.current}</span>
                  ) : (
                    <button type="button" className={cx('button', 'ia-history__button')} disabled={busy} onClick={() => void restore(entry.version)}>
                      {labels.restore(entry.version)}
                    </button>
                  )}
                </div>
                <ul className={cx('changes', 'ia-history__changes')}>
                  {changes.map((change) => (
                    <li key={change}>{change}</li>
                  ))}
                </ul>
              </li>
            );
          })}
        </ol>
      )}
      {status === 'ready' && history.length === 0 && <p>{labels.empty}</p>}
    </AiRoot>
  );
}
