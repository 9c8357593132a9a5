'use client';
import type { LimitStatus } from '@insforge/ai-protocol';
import type { ReactNode } from 'react';
import type { AiLimits } from '../../core/admin-types.js';
import { useLimits } from '../../react/use-limits.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { SettingsSection } from './settings-section.js';

/**
 * The limits that apply to a feature's requests: the project's, the feature's own, and the per-user ones.
 *
 * @example
 * limitRowsOf(limits, 'chat'); // [{ scope: 'project', kind: 'tokensPerDay', limit: 100000, used: 1200, … }]
 */
function limitRowsOf(limits: AiLimits | undefined, feature: string): LimitStatus[] {
  // A server that is not this gateway may answer without `data`: nothing to show then.
  const data = Array.isArray(limits?.data) ? limits.data : [];
  return data.filter((row) => row.scope !== 'feature' || row.target === feature);
}

// A server of another version may leave a figure or a time out (null, a string): "—", not a dialog that throws. The
// parameters are typed as the protocol types the fields, so a change there still breaks this compile.
const count = (value: number | null | undefined) => (typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : '—');
const time = (iso: string | null | undefined) => {
  const at = typeof iso === 'string' ? new Date(iso) : undefined;
  return at && Number.isFinite(at.getTime()) ? at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
};

/** A read-only summary of the limits that apply to the feature (they are edited through the limits policy). */
export function LimitsSection({ feature }: { feature: string }): ReactNode {
  const { labels, className } = useSettingsDialogContext('LimitsSection');
  const { limits, stopped, status, error } = useLimits();
  const rows = limitRowsOf(limits, feature);
  const reason = limits?.stopReason ?? null;
  return (
    <SettingsSection name="limits" title={labels.sectionLimits}>
      <p className="ia-settings__hint">{labels.limitsReadOnly}</p>
      {stopped && (
        <p role="alert" className={className('error', 'ia-settings__error')}>
          {labels.stopped(reason)}
        </p>
      )}
      {status === 'error' && error && (
        <p role="alert" className={className('error', 'ia-settings__error')}>
          {error.userMessage}
        </p>
      )}
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
                  {count(row.used)} / {count(row.limit)}
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
