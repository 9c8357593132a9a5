'use client';
import { useId, useState, type ReactNode } from 'react';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import type { ParameterRange } from './parameter-support.js';

export interface NumberParameterFieldProps {
  name: string;
  label: string;
  value: number | undefined;
  /** The value saved (what the field inherits), or undefined for the model's default. */
  saved: number | undefined;
  range: ParameterRange;
  /** Why the field is disabled (the model does not take it), or undefined when it is enabled. */
  unsupportedReason: string | undefined;
  error: string | undefined;
  hint?: ReactNode;
  onValueChange(value: number | undefined): void;
}

const format = (value: number | undefined) => (value === undefined ? '' : String(value));
const parse = (text: string) => (text.trim() === '' || !Number.isFinite(Number(text)) ? undefined : Number(text));

/**
 * One numeric parameter: a spin button, the value it inherits, its reset, and the reason it is disabled when the
 * chosen model does not take it. An empty field means "the model's default".
 */
export function NumberParameterField(props: NumberParameterFieldProps): ReactNode {
  const { name, label, value, saved, range, unsupportedReason, error, hint, onValueChange } = props;
  const { labels, className } = useSettingsDialogContext('NumberParameterField');
  const id = useId();
  // The text typed, kept while it reads as the value (so "0." survives); a value set from outside replaces it.
  const [text, setText] = useState(format(value));
  const [shown, setShown] = useState(value);
  if (!Object.is(shown, value)) {
    setShown(value);
    if (!Object.is(parse(text), value)) setText(format(value));
  }
  const dirty = !Object.is(value, saved);
  const disabled = unsupportedReason !== undefined;
  const describedBy = [`${id}-inherited`, unsupportedReason ? `${id}-reason` : '', error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div
      className={className('field', 'ia-settings__field')}
      data-field={name}
      data-state={dirty ? 'dirty' : 'saved'}
      data-disabled={disabled ? '' : undefined}
      data-invalid={error ? '' : undefined}
    >
      <label className="ia-settings__label" htmlFor={id}>
        {label}
      </label>
      <div className="ia-settings__control-row">
        <input
          id={id}
          className={className('input', 'ia-settings__input')}
          type="number"
          inputMode="decimal"
          min={range.min}
          max={range.max}
          step={range.step}
          value={text}
          placeholder={labels.modelDefault}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          onChange={(event) => {
            setText(event.target.value);
            onValueChange(parse(event.target.value));
          }}
        />
        {dirty && (
          <button type="button" className={className('button', 'ia-settings__button', 'ia-settings__button--quiet')} onClick={() => onValueChange(saved)}>
            {labels.resetField(label)}
          </button>
        )}
        {disabled && value !== undefined && (
          <button type="button" className={className('button', 'ia-settings__button', 'ia-settings__button--quiet')} onClick={() => onValueChange(undefined)}>
            {labels.clearField(label)}
          </button>
        )}
      </div>
      <p id={`${id}-inherited`} className="ia-settings__inherited">
        {labels.savedValue(saved === undefined ? labels.modelDefault : String(saved))}
      </p>
      {hint && (
        <p id={`${id}-hint`} className="ia-settings__hint">
          {hint}
        </p>
      )}
      {unsupportedReason && (
        <p id={`${id}-reason`} className="ia-settings__reason">
          {unsupportedReason}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className={className('error', 'ia-settings__field-error')}>
          {error}
        </p>
      )}
    </div>
  );
}
