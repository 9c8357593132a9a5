'use client';
import { useId, useMemo, type ReactNode } from 'react';
import type { ModelHealthWindow } from '../core/operations-client.js';
import { AiRoot, classes, type AiTheme } from '../primitives/ai-root.js';
import { useControllableState } from '../primitives/use-controllable-state.js';
import { useModelHealth } from '../react/use-model-health.js';
import { DEFAULT_MODEL_HEALTH_LABELS, type ModelHealthLabels } from './operations-labels.js';

/** The parts of the model health panel an app can add class names to. */
export type ModelHealthSlot = 'root' | 'header' | 'title' | 'controls' | 'input' | 'button' | 'circuits' | 'table' | 'status' | 'error';

export interface ModelHealthProps {
  /** The window the figures cover (controlled); default "1h". */
  window?: ModelHealthWindow | undefined;
  defaultWindow?: ModelHealthWindow | undefined;
  onWindowChange?: ((window: ModelHealthWindow) => void) | undefined;
  /** Reads again every this many milliseconds (circuits change on their own); default 30 s, 0 to never. */
  refreshMs?: number | undefined;
  labels?: Partial<ModelHealthLabels> | undefined;
  classNames?: Partial<Record<ModelHealthSlot, string>> | undefined;
  unstyled?: boolean | undefined;
  theme?: AiTheme | undefined;
}

const WINDOWS: readonly ModelHealthWindow[] = ['15m', '1h', '24h', '7d', '30d'];

/**
 * Model health for an admin: the circuit of each upstream model and provider (open ones first, with when they are
 * probed again), and per model its latency, time to first token, tokens per second, error rate and cost per request.
 * Circuit states are `data-state="closed|open|half_open"` for styling.
 *
 * @example
 * import { ModelHealth } from '@insforge/ai-react/admin';
 * <ModelHealth defaultWindow="24h" />
 */
export function ModelHealth(props: ModelHealthProps): ReactNode {
  const { classNames, unstyled, theme = 'system' } = props;
  const labels = useMemo(() => ({ ...DEFAULT_MODEL_HEALTH_LABELS, ...props.labels }), [props.labels]);
  const [window, setWindow] = useControllableState({ value: props.window, defaultValue: props.defaultWindow ?? '1h', onChange: props.onWindowChange });
  const { report, status, error, refresh } = useModelHealth({ window, refreshMs: props.refreshMs ?? 30_000 });
  const id = useId();
  const cx = (slot: ModelHealthSlot, own: string, ...extra: string[]) => classes(unstyled, own, ...extra.map((name) => (unstyled ? undefined : name)), classNames?.[slot]);
  const state = error ? 'error' : report === undefined ? 'loading' : status === 'loading' ? 'refreshing' : 'ready';
  const unhealthy = report?.circuits.filter((circuit) => circuit.state !== 'closed') ?? [];

  return (
    <AiRoot theme={theme} unstyled={unstyled ?? false} role="region" aria-labelledby={`${id}-title`} aria-busy={state === 'loading' || state === 'refreshing' || undefined} className={cx('root', 'ia-usage', 'ia-model-health')} data-state={state}>
      <div className={cx('header', 'ia-usage__header')}>
        <h2 id={`${id}-title`} className={cx('title', 'ia-usage__title')}>
          {labels.title}
        </h2>
        <div className={cx('controls', 'ia-usage__controls')}>
          <label className={unstyled ? undefined : 'ia-usage__label'}>
            {labels.window}{' '}
            <select className={cx('input', 'ia-usage__input')} value={window} onChange={(event) => setWindow(event.target.value as ModelHealthWindow)}>
              {WINDOWS.map((name) => (
                <option key={name} value={name}>
                  {labels.windows[name]}
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
      {report && (
        <>
          <h3 className={unstyled ? undefined : 'ia-model-health__subtitle'}>{labels.circuitsTitle}</h3>
          {!report.circuitBreakers.enabled ? (
            <p className={unstyled ? undefined : 'ia-usage__empty'}>{labels.breakersOff}</p>
          ) : unhealthy.length === 0 ? (
            <p className={unstyled ? undefined : 'ia-usage__empty'}>{labels.noOpenCircuits}</p>
          ) : (
            <ul className={cx('circuits', 'ia-model-health__circuits')}>
              {unhealthy.map((circuit) => (
                <li key={`${circuit.scope}:${circuit.name}`} data-state={circuit.state} className={unstyled ? undefined : 'ia-model-health__circuit'}>
                  <span className={unstyled ? undefined : 'ia-model-health__badge'} data-state={circuit.state}>
                    {labels.circuitStates[circuit.state]}
                  </span>{' '}
                  {labels.scopes[circuit.scope]} <strong>{circuit.name}</strong>
                  {circuit.retryAt && <> — {labels.retryAt(labels.formatTime(circuit.retryAt))}</>}
                </li>
              ))}
            </ul>
          )}
          {report.models.length === 0 ? (
            <p className={unstyled ? undefined : 'ia-usage__empty'}>{labels.empty}</p>
          ) : (
            // Focusable, so a keyboard can scroll a table wider than the panel.
            <div className={unstyled ? undefined : 'ia-usage__table-scroll'} role="group" aria-label={labels.tableCaption} tabIndex={0}>
              <table className={cx('table', 'ia-usage__table')}>
                <caption>{labels.tableCaption}</caption>
                <thead>
                  <tr>
                    {[labels.model, labels.provider, labels.circuit, labels.requests, labels.errorRate, labels.latencyP50, labels.latencyP95, labels.firstToken, labels.tokensPerSecond, labels.costPerRequest].map((header) => (
                      <th key={header} scope="col">
                        {header}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {report.models.map((row) => (
                    <tr key={`${row.model}\u0000${row.provider ?? ''}`} data-model={row.model} data-circuit={row.circuit}>
                      <th scope="row">{row.model}</th>
                      <td>{row.provider ?? labels.none}</td>
                      <td>
                        <span className={unstyled ? undefined : 'ia-model-health__badge'} data-state={row.circuit}>
                          {labels.circuitStates[row.circuit]}
                        </span>
                      </td>
                      <td>{labels.formatNumber(row.requests)}</td>
                      <td>{labels.formatPercent(row.errorRate)}</td>
                      <td>{labels.formatMilliseconds(row.latencyP50Ms)}</td>
                      <td>{labels.formatMilliseconds(row.latencyP95Ms)}</td>
                      <td>{labels.formatMilliseconds(row.timeToFirstTokenP50Ms)}</td>
                      <td>{labels.formatNumber(row.tokensPerSecond)}</td>
                      <td>{labels.formatMoney(row.costPerRequestUsd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </AiRoot>
  );
}
