'use client';
import { useMemo, useState, type ReactNode } from 'react';
import type { GatewayErrorEntry } from '../core/operations-client.js';
import type { AiTheme } from '../primitives/ai-root.js';
import { AdminPanel, ColumnHeaders, ScrollableTable, SelectField, slotClasses } from './admin-panel.js';
import { useGatewayErrors } from '../react/use-gateway-errors.js';
import { DEFAULT_ERRORS_TABLE_LABELS, type ErrorsTableLabels } from './operations-labels.js';
import { VisibleName } from './visible-name.js';

/** The parts of the errors table an app can add class names to. */
export type ErrorsTableSlot = 'root' | 'header' | 'title' | 'controls' | 'input' | 'button' | 'table' | 'status' | 'error';

export interface ErrorsTableProps {
  /** How many errors to show, newest first. Default 50. */
  limit?: number | undefined;
  labels?: Partial<ErrorsTableLabels> | undefined;
  classNames?: Partial<Record<ErrorsTableSlot, string>> | undefined;
  unstyled?: boolean | undefined;
  theme?: AiTheme | undefined;
}

type ClassFilter = GatewayErrorEntry['class'] | 'all';
const CLASSES: readonly ClassFilter[] = ['all', 'upstream', 'timeout', 'rate_limit', 'limit', 'request', 'auth', 'internal'];

/**
 * The gateway's recent errors for an admin: failed calls to OpenRouter (each attempt, even when a retry or a fallback
 * then answered) and failed or refused requests, with class, code, model, feature, time and request id; never a prompt.
 *
 * @example
 * import { ErrorsTable } from '@insforge/ai-react/admin';
 * <ErrorsTable limit={100} />
 */
export function ErrorsTable(props: ErrorsTableProps): ReactNode {
  const { classNames, unstyled, theme } = props;
  const labels = useMemo(() => ({ ...DEFAULT_ERRORS_TABLE_LABELS, ...props.labels }), [props.labels]);
  const [errorClass, setErrorClass] = useState<ClassFilter>('all');
  const { errors, status, error, refresh } = useGatewayErrors({ limit: props.limit ?? 50, class: errorClass === 'all' ? undefined : errorClass });
  const cx = slotClasses<ErrorsTableSlot>(unstyled, classNames);
  const loaded = status === 'ready' || (status === 'loading' && errors.length > 0);
  const state = error ? 'error' : !loaded ? 'loading' : status === 'loading' ? 'refreshing' : 'ready';

  return (
    <AdminPanel
      cx={cx}
      unstyled={unstyled}
      theme={theme}
      state={state}
      rootClass="ia-errors-table"
      title={labels.title}
      controls={<SelectField label={labels.class} value={errorClass} options={CLASSES} optionLabel={(name) => labels.classes[name]} onChange={setErrorClass} cx={cx} unstyled={unstyled} />}
      refreshLabel={labels.refresh}
      onRefresh={() => void refresh()}
      status={state === 'loading' ? labels.loading : ''}
      alerts={[error?.userMessage]}
    >
      {loaded && errors.length === 0 && <p className={unstyled ? undefined : 'ia-usage__empty'}>{labels.empty}</p>}
      {loaded && errors.length > 0 && (
        <ScrollableTable label={labels.tableCaption} unstyled={unstyled}>
          <table className={cx('table', 'ia-usage__table')}>
            <caption>{labels.tableCaption}</caption>
            <ColumnHeaders headers={[labels.time, labels.class, labels.code, labels.kind, labels.model, labels.feature, labels.requestId]} />
            <tbody>
              {errors.map((entry, index) => (
                // A gateway of another version may send a class, a kind or a time this has no words for: shown as sent.
                <tr key={`${entry.requestId}-${entry.kind}-${index}`} data-class={entry.class} data-code={entry.code}>
                  <th scope="row">{Number.isFinite(Date.parse(entry.at)) ? labels.formatTime(entry.at) : <VisibleName name={String(entry.at)} />}</th>
                  <td>{labels.classes[entry.class] ?? <VisibleName name={entry.class} />}</td>
                  <td>
                    <code>
                      <VisibleName name={entry.code} />
                    </code>
                  </td>
                  <td>{labels.kinds[entry.kind] ?? <VisibleName name={entry.kind} />}</td>
                  <td>
                    <VisibleName name={entry.model} />
                  </td>
                  <td>{entry.feature === null ? labels.none : <VisibleName name={entry.feature} />}</td>
                  <td>
                    <code>
                      <VisibleName name={entry.requestId} />
                    </code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollableTable>
      )}
    </AdminPanel>
  );
}
