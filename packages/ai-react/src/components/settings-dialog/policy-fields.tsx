'use client';
import { useId, useState, type ReactNode } from 'react';
import type { AiError } from '../../core/errors.js';
import type { FeatureConfigFields } from '../../core/admin-types.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import type { SettingsDialogLabels } from './settings-dialog-labels.js';

export const MAX_CACHE_TTL_SECONDS = 30 * 86_400;

/**
 * What is wrong with the draft's cache and guardrails before it is sent, by field path (`cache.ttlSeconds`,
 * `guardrails.1.kinds`): a draft with any of them cannot be saved. What only the gateway can judge (a regular
 * expression that could backtrack) comes back from it on save; see `fieldErrorOf`.
 */
export function policyProblems(draft: FeatureConfigFields, labels: SettingsDialogLabels): Record<string, string> {
  const problems: Record<string, string> = {};
  const whole = (path: string, value: number | undefined, min: number, max: number, optional: boolean) => {
    if (value === undefined) {
      if (!optional) problems[path] = labels.outOfRange(min, max);
    } else if (!Number.isInteger(value)) problems[path] = labels.wholeNumber;
    else if (value < min || value > max) problems[path] = labels.outOfRange(min, max);
  };
  if (draft.modality !== 'image') whole('cache.ttlSeconds', draft.cache.ttlSeconds, 1, MAX_CACHE_TTL_SECONDS, false);
  draft.guardrails.forEach((guardrail, index) => {
    if (guardrail.type === 'pii' && guardrail.kinds?.length === 0) problems[`guardrails.${index}.kinds`] = labels.piiKindsNeeded;
    if (guardrail.type === 'size') {
      whole(`guardrails.${index}.maxInputCharacters`, guardrail.maxInputCharacters, 1, Number.MAX_SAFE_INTEGER, true);
      whole(`guardrails.${index}.maxMessages`, guardrail.maxMessages, 1, Number.MAX_SAFE_INTEGER, true);
    }
  });
  return problems;
}

/**
 * The gateway's refusal of a save, when it names `path` or a field under it (`guardrails.1` for
 * `guardrails.1.patterns.0`): its message without the path it starts with.
 */
export function fieldErrorOf(error: AiError | undefined, path: string): string | undefined {
  const param = error?.param;
  if (!error || param === undefined || (param !== path && !param.startsWith(`${path}.`))) return undefined;
  return error.message.startsWith(`${param}: `) ? error.message.slice(param.length + 2) : error.message;
}

interface FieldFrame {
  name: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  dirty: boolean;
}

function ids(id: string, { hint, error }: Pick<FieldFrame, 'hint' | 'error'>): string | undefined {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}

function FieldNotes({ id, hint, error }: { id: string; hint?: string | undefined; error?: string | undefined }): ReactNode {
  const { className } = useSettingsDialogContext('SettingsDialog field');
  return (
    <>
      {hint && (
        <p id={`${id}-hint`} className="ia-settings__hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className={className('error', 'ia-settings__field-error')}>
          {error}
        </p>
      )}
    </>
  );
}

/** A checkbox of the dialog, with its hint. */
export function CheckboxField(props: FieldFrame & { checked: boolean; disabled?: boolean | undefined; onCheckedChange(checked: boolean): void }): ReactNode {
  const { className } = useSettingsDialogContext('CheckboxField');
  const id = useId();
  return (
    <div className={className('field', 'ia-settings__field')} data-field={props.name} data-state={props.dirty ? 'dirty' : 'saved'} data-disabled={props.disabled ? '' : undefined}>
      <label className="ia-settings__check" htmlFor={id}>
        <input id={id} type="checkbox" checked={props.checked} disabled={props.disabled} aria-describedby={ids(id, props)} onChange={(event) => props.onCheckedChange(event.target.checked)} />
        <span className="ia-settings__label">{props.label}</span>
      </label>
      <FieldNotes id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

const parseWhole = (text: string) => (text.trim() === '' ? undefined : Number(text));

/**
 * A whole number of the dialog (or a decimal one with a `step` below 1); empty is `undefined` (unset), text that is no
 * number is `NaN` (a problem).
 */
export function WholeNumberField(props: FieldFrame & { value: number | undefined; min: number; max?: number | undefined; step?: number | undefined; placeholder?: string | undefined; onValueChange(value: number | undefined): void }): ReactNode {
  const { className } = useSettingsDialogContext('WholeNumberField');
  const id = useId();
  // The text typed, kept while it reads as the value; a value set from outside (reset, reload) replaces it.
  const format = (value: number | undefined) => (value === undefined ? '' : String(value));
  const [text, setText] = useState(format(props.value));
  const [shown, setShown] = useState(props.value);
  if (!Object.is(shown, props.value)) {
    setShown(props.value);
    if (!Object.is(parseWhole(text), props.value)) setText(format(props.value));
  }
  return (
    <div className={className('field', 'ia-settings__field')} data-field={props.name} data-state={props.dirty ? 'dirty' : 'saved'} data-invalid={props.error ? '' : undefined}>
      <label className="ia-settings__label" htmlFor={id}>
        {props.label}
      </label>
      <input
        id={id}
        className={className('input', 'ia-settings__input')}
        type="number"
        inputMode={(props.step ?? 1) < 1 ? 'decimal' : 'numeric'}
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        value={text}
        placeholder={props.placeholder}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={ids(id, props)}
        onChange={(event) => {
          setText(event.target.value);
          props.onValueChange(parseWhole(event.target.value));
        }}
      />
      <FieldNotes id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/** A line or lines of text of the dialog (`rows` makes it a textarea). */
export function TextField(props: FieldFrame & { value: string; rows?: number | undefined; placeholder?: string | undefined; onValueChange(value: string): void }): ReactNode {
  const { className } = useSettingsDialogContext('TextField');
  const id = useId();
  const shared = {
    id,
    className: className('input', 'ia-settings__input'),
    value: props.value,
    placeholder: props.placeholder,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': ids(id, props),
  } as const;
  return (
    <div className={className('field', 'ia-settings__field')} data-field={props.name} data-state={props.dirty ? 'dirty' : 'saved'} data-invalid={props.error ? '' : undefined}>
      <label className="ia-settings__label" htmlFor={id}>
        {props.label}
      </label>
      {props.rows ? <textarea {...shared} rows={props.rows} onChange={(event) => props.onValueChange(event.target.value)} /> : <input {...shared} type="text" onChange={(event) => props.onValueChange(event.target.value)} />}
      <FieldNotes id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/** A labelled select of the dialog. */
export function SelectField<Value extends string>(props: FieldFrame & { value: Value; options: readonly Value[]; optionLabel(value: Value): string; onValueChange(value: Value): void }): ReactNode {
  const { className } = useSettingsDialogContext('SelectField');
  const id = useId();
  return (
    <div className={className('field', 'ia-settings__field')} data-field={props.name} data-state={props.dirty ? 'dirty' : 'saved'}>
      <label className="ia-settings__label" htmlFor={id}>
        {props.label}
      </label>
      <select id={id} className={className('input', 'ia-settings__input')} value={props.value} aria-describedby={ids(id, props)} onChange={(event) => props.onValueChange(event.target.value as Value)}>
        {props.options.map((option) => (
          <option key={option} value={option}>
            {props.optionLabel(option)}
          </option>
        ))}
      </select>
      <FieldNotes id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/**
 * A choice between modes as a radio group (allow, forbid, always on): its name and hint beside the choices. An option
 * the model cannot use is disabled, and why is said under them.
 */
export function ModeField<Mode extends string>(props: FieldFrame & { value: Mode; options: readonly Mode[]; optionLabel(mode: Mode): string; unavailable?: Partial<Record<Mode, string>> | undefined; onValueChange(mode: Mode): void }): ReactNode {
  const { className } = useSettingsDialogContext('ModeField');
  const id = useId();
  const reasons = [...new Set(props.options.flatMap((mode) => props.unavailable?.[mode] ?? []))];
  const describedBy = [ids(id, props), reasons.length > 0 ? `${id}-reason` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className('field', 'ia-settings__field', 'ia-settings__mode-field')} data-field={props.name} data-state={props.dirty ? 'dirty' : 'saved'} data-value={props.value} data-invalid={props.error ? '' : undefined}>
      <div className="ia-settings__mode-text">
        <span id={`${id}-label`} className="ia-settings__label">
          {props.label}
        </span>
        {props.hint && (
          <p id={`${id}-hint`} className="ia-settings__hint">
            {props.hint}
          </p>
        )}
      </div>
      <div role="radiogroup" aria-labelledby={`${id}-label`} aria-describedby={describedBy} className="ia-settings__modes">
        {props.options.map((mode) => {
          const reason = props.unavailable?.[mode];
          return (
            <label key={mode} className="ia-settings__mode" data-mode={mode} data-disabled={reason ? '' : undefined}>
              <input type="radio" name={id} value={mode} checked={props.value === mode} disabled={reason !== undefined} onChange={() => props.onValueChange(mode)} />
              <span>{props.optionLabel(mode)}</span>
            </label>
          );
        })}
      </div>
      {reasons.length > 0 && (
        <p id={`${id}-reason`} className="ia-settings__reason">
          {reasons.join(' ')}
        </p>
      )}
      <FieldNotes id={id} error={props.error} />
    </div>
  );
}

const splitList = (text: string) => text.split(',').map((item) => item.trim()).filter((item) => item !== '');
const joinList = (list: readonly string[] | undefined) => (list ?? []).join(', ');

/** A short list typed as comma-separated text: kept as typed while it reads as the list, empty for none. */
export function CommaListField(props: FieldFrame & { list: readonly string[] | undefined; placeholder?: string | undefined; onListChange(list: string[] | undefined): void }): ReactNode {
  const [text, setText] = useState(joinList(props.list));
  const [shown, setShown] = useState(joinList(props.list));
  if (shown !== joinList(props.list)) {
    setShown(joinList(props.list));
    if (joinList(splitList(text)) !== joinList(props.list)) setText(joinList(props.list));
  }
  return (
    <TextField
      name={props.name}
      label={props.label}
      hint={props.hint}
      error={props.error}
      dirty={props.dirty}
      placeholder={props.placeholder}
      value={text}
      onValueChange={(value) => {
        setText(value);
        const list = splitList(value);
        props.onListChange(list.length > 0 ? list : undefined);
      }}
    />
  );
}
