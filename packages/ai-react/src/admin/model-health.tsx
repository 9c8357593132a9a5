'use client';
import { useMemo, type ReactNode } from 'react';
import type { ModelHealthWindow } from '../core/operations-client.js';
import type { AiTheme } from '../primitives/ai-root.js';
import { useControllableState } from '../primitives/use-controllable-state.js';
import { AdminPanel, ColumnHeaders, ScrollableTable, SelectField, slotClasses } from './admin-panel.js';
import { useModelHealth } from '../react/use-model-health.js';
import { DEFAULT_MODEL_HEALTH_LABELS, type ModelHealthLabels } from './operations-labels.js';
import { VisibleName } from './visible-name.js';

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
 * A figure as the formatters take it: a gateway of another version may send none, or a string; that reads "—", not a
 * crash. Typed as the protocol types the figures, so a change there still breaks this widget's compile.
 */
const figure = (value: number | null | undefined): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

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
  const { classNames, unstyled, theme } = props;
  const labels = useMemo(() => ({ ...DEFAULT_MODEL_HEALTH_LABELS, ...props.labels }), [props.labels]);
  const [window, setWindow] = useControllableState({ value: props.window, defaultValue: props.defaultWindow ?? '1h', onChange: props.onWindowChange });
  const { report, status, error, refresh } = useModelHealth({ window, refreshMs: props.refreshMs ?? 30_000 });
  const cx = slotClasses<ModelHealthSlot>(unstyled, classNames);
  const state = error ? 'error' : report === undefined ? 'loading' : status === 'loading' ? 'refreshing' : 'ready';
  const unhealthy = report?.circuits.filter((circuit) => circuit.state !== 'closed') ?? [];

  return (
    <AdminPanel
      cx={cx}
      unstyled={unstyled}
      theme={theme}
      state={state}
      rootClass="ia-model-health"
      title={labels.title}
      controls={<SelectField label={labels.window} value={window} options={WINDOWS} optionLabel={(name) => labels.windows[name]} onChange={setWindow} cx={cx} unstyled={unstyled} />}
      refreshLabel={labels.refresh}
      onRefresh={() => void refresh()}
      status={state === 'loading' ? labels.loading : ''}
      alerts={[error?.userMessage]}
    >
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
                  {labels.scopes[circuit.scope]} <strong>
                    <VisibleName name={circuit.name} />
                  </strong>
                  {circuit.retryAt && <> — {labels.retryAt(labels.formatTime(circuit.retryAt))}</>}
                </li>
              ))}
            </ul>
          )}
          {report.models.length === 0 ? (
            <p className={unstyled ? undefined : 'ia-usage__empty'}>{labels.empty}</p>
          ) : (
            <ScrollableTable label={labels.tableCaption} unstyled={unstyled}>
              <table className={cx('table', 'ia-usage__table')}>
                <caption>{labels.tableCaption}</caption>
                <ColumnHeaders headers={[labels.model, labels.provider, labels.circuit, labels.requests, labels.errorRate, labels.latencyP50, labels.latencyP95, labels.firstToken, labels.tokensPerSecond, labels.costPerRequest]} />
                <tbody>
                  {report.models.map((row) => (
                    <tr key={`${row.model}\u0000${row.provider ?? ''}`} data-model={row.model} data-circuit={row.circuit}>
                      <th scope="row">
                        <VisibleName name={row.model} />
                      </th>
                      <td>{row.provider === null ? labels.none : <VisibleName name={row.provider} />}</td>
                      <td>
                        <span className={unstyled ? undefined : 'ia-model-health__badge'} data-state={row.circuit}>
                          {labels.circuitStates[row.circuit]}
                        </span>
                      </td>
                      <td>{labels.formatNumber(figure(row.requests))}</td>
                      <td>{labels.formatPercent(figure(row.errorRate))}</td>
                      <td>{labels.formatMilliseconds(figure(row.latencyP50Ms))}</td>
                      <td>{labels.formatMilliseconds(figure(row.latencyP95Ms))}</td>
                      <td>{labels.formatMilliseconds(figure(row.timeToFirstTokenP50Ms))}</td>
                      <td>{labels.formatNumber(figure(row.tokensPerSecond))}</td>
                      <td>{labels.formatMoney(figure(row.costPerRequestUsd))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollableTable>
          )}
        </>
      )}
    </AdminPanel>
  );
}
