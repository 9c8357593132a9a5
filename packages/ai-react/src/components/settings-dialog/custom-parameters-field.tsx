'use client';
import { useId, type ReactNode } from 'react';
import { useSettingsDialogContext } from './settings-dialog-context.js';

export interface CustomParametersFieldProps {
  text: string;
  /** What the saved configuration holds, as the editor would show it. */
  savedText: string;
  /** The custom parameters differ from the saved ones, or the text is not valid yet. */
  dirty: boolean;
  error: string | undefined;
  /** Parameters set here that the chosen model ignores. */
  ignored: string | undefined;
  onTextChange(text: string): void;
}

/** The JSON editor of custom parameters: invalid JSON is shown as an error (and blocks saving). */
export function CustomParametersField({ text, savedText, dirty, error, ignored, onTextChange }: CustomParametersFieldProps): ReactNode {
  const { labels, className } = useSettingsDialogContext('CustomParametersField');
  const id = useId();
  const describedBy = [`${id}-hint`, `${id}-inherited`, error ? `${id}-error` : '', ignored ? `${id}-ignored` : ''].filter(Boolean).join(' ');
  return (
    <div className={className('field', 'ia-settings__field', 'ia-settings__field--wide')} data-field="custom" data-state={dirty ? 'dirty' : 'saved'} data-invalid={error ? '' : undefined}>
      <label className="ia-settings__label" htmlFor={id}>
        {labels.customParameters}
      </label>
      <p id={`${id}-hint`} className="ia-settings__hint">
        {labels.customParametersHint}
      </p>
      <textarea
        id={id}
        className={className('input', 'ia-settings__input', 'ia-settings__code')}
        rows={6}
        spellCheck={false}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) => onTextChange(event.target.value)}
      />
      <div className="ia-settings__control-row">
        <p id={`${id}-inherited`} className="ia-settings__inherited">
          {labels.savedValue(savedText === '{}' ? '{}' : savedText.replace(/\s+/g, ' '))}
        </p>
        {dirty && (
          <button type="button" className={className('button', 'ia-settings__button', 'ia-settings__button--quiet')} onClick={() => onTextChange(savedText)}>
            {labels.resetField(labels.customParameters)}
          </button>
        )}
      </div>
      {error && (
        <p id={`${id}-error`} className={className('error', 'ia-settings__field-error')} role="alert">
          {error}
        </p>
      )}
      {ignored && (
        <p id={`${id}-ignored`} className="ia-settings__reason">
          {ignored}
        </p>
      )}
    </div>
  );
}
