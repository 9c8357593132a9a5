'use client';
import type { ReactNode } from 'react';
import type { AiLimits } from '../../core/admin-types.js';
import { useLimits } from '../../react/use-limits.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { SettingsSection } from './settings-section.js';

/** One limit as `GET /api/ai/limits` reports it. */
export interface LimitRow {
  scope: string;
  target: string | null;
  kind: string;
  limit: number;
  used: number;
  resetsAt: string | undefined;
}

/**
 * The limits that apply to a feature's requests, read defensively from the limits answer (typed loosely in the
 * core): the project's, the feature's own, and the per-user ones.
 *
 * @example
 * limitRowsOf(limits, 'chat'); // [{ scope: 'project', kind: 'tokensPerDay', limit: 100000, used: 1200, … }]
 */
function limitRowsOf(limits: AiLimits | undefined, feature: string): LimitRow[] {
  const data = Array.isArray(limits?.['data']) ? (limits['data'] as unknown[]) : [];
  return data.flatMap((item): LimitRow[] => {
    if (typeof item !== 'object' || item === null) return [];
    const row = item as Record<string, unknown>;
    const { scope, target, kind, limit, used, resetsAt } = row;
    if (typeof scope !== 'string' || typeof kind !== 'string' || typeof limit !== 'number') return [];
    if (scope === 'feature' && target !== feature) return [];
    return [{ scope, target: typeof target === 'string' ? target : null, kind, limit, used: typeof used === 'number' ? used : 0, resetsAt: typeof resetsAt === 'string' ? resetsAt : undefined }];
  });
}

const time = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');

/** A read-only summary of the limits that apply to the feature (they are edited through the limits policy). */
export function LimitsSection({ feature }: { feature: string }): ReactNode {
  const { labels, className } = useSettingsDialogContext('LimitsSection');
  const { limits, stopped, status, error } = useLimits();
  const rows = limitRowsOf(limits, feature);
  const reason = typeof limits?.['stopReason'] === 'string' ? limits['stopReason'] : null;
  return (
    <SettingsSection name="limits" title={labels.sectionLimits}>
      <p className="ia-settings__hint">{labels.limitsReadOnly}</p>
      {stopped && (
        <p role="alert" className={className('error', 'ia-settings__error')}>
          {labels.stopped(reason)}
        </p>
      )}
      {status === 'error' && error && <p className={className('error', 'ia-settings__error')}>{error.userMessage}</p>}
      {status === 'ready' && rows.length === 0 && <p className="ia-settings__muted">{labels.noLimits}</p>}
      {rows.length > 0 && (
        <table className={className('table', 'ia-settings__table')}>
          <thead>
            <tr>
              <th scope="col">{labels.limitScope}</th>
              <th scope="col">{labels.limitKind}</th>
              <th scope="col">{labels.limitUsed}</th>
              <th scope="col">{labels.limitResets}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.scope}:${row.target ?? ''}:${row.kind}`} data-scope={row.scope}>
                <th scope="row">{labels.limitScopes[row.scope] ?? row.scope}</th>
                <td>{labels.limitKinds[row.kind] ?? row.kind}</td>
                <td>
                  {row.used.toLocaleString('en-US')} / {row.limit.toLocaleString('en-US')}
                </td>
                <td>{row.kind === 'concurrentRequests' ? '—' : time(row.resetsAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </SettingsSection>
  );
}
