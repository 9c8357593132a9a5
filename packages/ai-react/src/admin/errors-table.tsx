'use client';
import { useId, useMemo, useState, type ReactNode } from 'react';
import type { GatewayErrorEntry } from '../core/operations-client.js';
import { AiRoot, classes, type AiTheme } from '../primitives/ai-root.js';
import { useGatewayErrors } from '../react/use-gateway-errors.js';
import { DEFAULT_ERRORS_TABLE_LABELS, type ErrorsTableLabels } from './operations-labels.js';

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
  const { classNames, unstyled, theme = 'system' } = props;
  const labels = useMemo(() => ({ ...DEFAULT_ERRORS_TABLE_LABELS, ...props.labels }), [props.labels]);
  const [errorClass, setErrorClass] = useState<ClassFilter>('all');
  const { errors, status, error, refresh } = useGatewayErrors({ limit: props.limit ?? 50, class: errorClass === 'all' ? undefined : errorClass });
  const id = useId();
  const cx = (slot: ErrorsTableSlot, own: string, ...extra: string[]) => classes(unstyled, own, ...extra.map((name) => (unstyled ? undefined : name)), classNames?.[slot]);
  const loaded = status === 'ready' || (status === 'loading' && errors.length > 0);
  const state = error ? 'error' : !loaded ? 'loading' : status === 'loading' ? 'refreshing' : 'ready';

  return (
    <AiRoot theme={theme} unstyled={unstyled ?? false} role="region" aria-labelledby={`${id}-title`} aria-busy={state === 'loading' || state === 'refreshing' || undefined} className={cx('root', 'ia-usage', 'ia-errors-table')} data-state={state}>
      <div className={cx('header', 'ia-usage__header')}>
        <h2 id={`${id}-title`} className={cx('title', 'ia-usage__title')}>
          {labels.title}
        </h2>
        <div className={cx('controls', 'ia-usage__controls')}>
          <label className={unstyled ? undefined : 'ia-usage__label'}>
            {labels.class}{' '}
            <select className={cx('input', 'ia-usage__input')} value={errorClass} onChange={(event) => setErrorClass(event.target.value as ClassFilter)}>
              {CLASSES.map((name) => (
                <option key={name} value={name}>
                  {labels.classes[name]}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className={cx('button', 'ia-usage__button')} onClick={() => void refresh()}>
            {labels.refresh}
          </button>
        </div>
      </div>
      <p role="status" className={cx('status', 'ia-usage__status')}>
        {state === 'loading' ? labels.loading : ''}
      </p>
      {error && (
        <p role="alert" className={cx('error', 'ia-usage__error')}>
          {error.userMessage}
        </p>
      )}
      {loaded && errors.length === 0 && <p className={unstyled ? undefined : 'ia-usage__empty'}>{labels.empty}</p>}
      {loaded && errors.length > 0 && (
        // Focusable, so a keyboard can scroll a table wider than the panel.
        <div className={unstyled ? undefined : 'ia-usage__table-scroll'} role="group" aria-label={labels.tableCaption} tabIndex={0}>
          <table className={cx('table', 'ia-usage__table')}>
            <caption>{labels.tableCaption}</caption>
            <thead>
              <tr>
                {[labels.time, labels.class, labels.code, labels.kind, labels.model, labels.feature, labels.requestId].map((header) => (
                  <th key={header} scope="col">
                    {header}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {errors.map((entry, index) => (
                <tr key={`${entry.requestId}-${entry.kind}-${index}`} data-class={entry.class} data-code={entry.code}>
                  <th scope="row">{labels.formatTime(entry.at)}</th>
                  <td>{labels.classes[entry.class]}</td>
                  <td>
                    <code>{entry.code}</code>
                  </td>
                  <td>{labels.kinds[entry.kind]}</td>
                  <td>{entry.model}</td>
                  <td>{entry.feature ?? labels.none}</td>
                  <td>
                    <code>{entry.requestId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </AiRoot>
  );
}
