'use client';
import { useId, type ReactNode } from 'react';
import { AiRoot, classes, type AiTheme } from '../primitives/ai-root.js';

/** The slots every admin panel shares: its frame, its controls and its messages. */
export type AdminPanelSlot = 'root' | 'header' | 'title' | 'controls' | 'input' | 'button' | 'status' | 'error';

/** A panel's own class name for a slot, then the extra built-in ones, then the app's (styles dropped when unstyled). */
export type SlotClasses<Slot extends string> = (slot: Slot, own: string, ...extra: string[]) => string | undefined;

export function slotClasses<Slot extends string>(unstyled: boolean | undefined, classNames: Partial<Record<Slot, string>> | undefined): SlotClasses<Slot> {
  return (slot, own, ...extra) => classes(unstyled, own, ...extra.map((name) => (unstyled ? undefined : name)), classNames?.[slot]);
}

/** Where a panel's data stands, as `data-state` says it and `aria-busy` follows it. */
export type AdminPanelState = 'loading' | 'refreshing' | 'ready' | 'error';

export interface AdminPanelProps {
  cx: SlotClasses<AdminPanelSlot>;
  unstyled: boolean | undefined;
  theme: AiTheme | undefined;
  state: AdminPanelState;
  /** Added to the root's built-in class names (the panel's own block name). */
  rootClass?: string | undefined;
  title: string;
  /** The controls before the Refresh button (filters, pickers). */
  controls: ReactNode;
  refreshLabel: string;
  onRefresh: () => void;
  /** The controls after the Refresh button (e.g. a download). */
  actions?: ReactNode;
  /** The live status line (empty when there is nothing to say). */
  status: string;
  /** Each message shown as an alert; empty ones are skipped. */
  alerts: ReadonlyArray<string | undefined>;
  children: ReactNode;
}

/**
 * The frame of the admin panels: a labelled region with a title, its controls and a Refresh button, a status line and
 * the alerts, around the panel's own content.
 */
export function AdminPanel(props: AdminPanelProps): ReactNode {
  const { cx, unstyled, state } = props;
  const id = useId();
  return (
    <AiRoot theme={props.theme} unstyled={unstyled ?? false} role="region" aria-labelledby={`${id}-title`} aria-busy={state === 'loading' || state === 'refreshing' || undefined} className={cx('root', 'ia-usage', ...(props.rootClass ? [props.rootClass] : []))} data-state={state}>
      <div className={cx('header', 'ia-usage__header')}>
        <h2 id={`${id}-title`} className={cx('title', 'ia-usage__title')}>
          {props.title}
        </h2>
        <div className={cx('controls', 'ia-usage__controls')}>
          {props.controls}
          <button type="button" className={cx('button', 'ia-usage__button')} onClick={props.onRefresh}>
            {props.refreshLabel}
          </button>
          {props.actions}
        </div>
      </div>
      <p role="status" className={cx('status', 'ia-usage__status')}>
        {props.status}
      </p>
      {props.alerts.map(
        (message, index) =>
          message && (
            <p key={index} role="alert" className={cx('error', 'ia-usage__error')}>
              {message}
            </p>
          ),
      )}
      {props.children}
    </AiRoot>
  );
}

export interface SelectFieldProps<Value extends string> {
  label: string;
  value: Value;
  options: readonly Value[];
  optionLabel: (value: Value) => string;
  onChange: (value: Value) => void;
  cx: SlotClasses<'input'>;
  unstyled: boolean | undefined;
}

/** A labelled native select of an admin panel's header (period, window, class). */
export function SelectField<Value extends string>({ label, value, options, optionLabel, onChange, cx, unstyled }: SelectFieldProps<Value>): ReactNode {
  return (
    <label className={unstyled ? undefined : 'ia-usage__label'}>
      {label}{' '}
      <select className={cx('input', 'ia-usage__input')} value={value} onChange={(event) => onChange(event.target.value as Value)}>
        {options.map((option) => (
          <option key={option} value={option}>
            {optionLabel(option)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A table wider than its panel scrolls inside this; it is focusable, so a keyboard can scroll it too. */
export function ScrollableTable({ label, unstyled, children }: { label: string; unstyled: boolean | undefined; children: ReactNode }): ReactNode {
  return (
    <div className={unstyled ? undefined : 'ia-usage__table-scroll'} role="group" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/** A header row of column headers. */
export function ColumnHeaders({ headers }: { headers: readonly string[] }): ReactNode {
  return (
    <thead>
      <tr>
        {headers.map((header) => (
          <th key={header} scope="col">
            {header}
          </th>
        ))}
      </tr>
    </thead>
  );
}
