'use client';
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { showInvisibleCharacters } from '../../core/invisible-characters.js';
import { useProviderKey } from '../../react/use-provider-key.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { SettingsSection } from './settings-section.js';

type Outcome = 'set' | 'test' | 'remove';

/**
 * The project's OpenRouter key: masked, set or replaced (OpenRouter checks it first, and what it said is shown),
 * tested and removed; a refused key is explained in plain words and the key in use stays.
 */
export function ProviderKeySection(): ReactNode {
  const { labels, className } = useSettingsDialogContext('ProviderKeySection');
  const key = useProviderKey();
  const id = useId();
  const [draft, setDraft] = useState('');
  const [outcome, setOutcome] = useState<Outcome>();
  const [confirmingRemove, setConfirmingRemove] = useState(false);
  // The remove button and its confirmation take each other's place: the focus follows, or it falls to the dialog.
  const fieldRef = useRef<HTMLInputElement>(null);
  const removeRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const focusNext = useRef<'remove' | 'cancel' | undefined>(undefined);
  useEffect(() => {
    (focusNext.current === 'cancel' ? cancelRef : focusNext.current === 'remove' ? removeRef : undefined)?.current?.focus();
    focusNext.current = undefined;
  }, [confirmingRemove]);
  const confirmRemove = (confirming: boolean, focus: 'remove' | 'cancel' | undefined) => {
    focusNext.current = focus;
    setConfirmingRemove(confirming);
  };
  const busy = key.status === 'saving';
  const run = async (action: Outcome, call: () => Promise<unknown>) => {
    setOutcome(undefined);
    const done = await call();
    if (done !== undefined) setOutcome(action);
    return done;
  };
  // The key's label is OpenRouter's, as its owner typed it: a bidi control in it would reorder the limit after it.
  const message =
    key.status === 'saving'
      ? labels.savingKey
      : outcome === 'set'
        ? labels.keyAccepted(typeof key.facts.label === 'string' ? { ...key.facts, label: showInvisibleCharacters(key.facts.label) } : key.facts)
        : outcome === 'test' && key.facts.valid
          ? labels.keyWorks
          : outcome === 'remove'
            ? labels.keyRemoved
            : '';
  const button = (extra?: string) => className('button', 'ia-settings__button', extra);
  return (
    <SettingsSection name="key" title={labels.sectionKey}>
      <p className="ia-settings__key-state" data-source={key.source ?? 'unknown'}>
        {key.masked ? (
          <>
            {labels.keyInUse(key.masked)} <span className="ia-settings__muted">({labels.keySource[key.source ?? 'none']})</span>
          </>
        ) : key.status === 'ready' ? (
          labels.noKey
        ) : null}
      </p>
      <form
        className="ia-settings__inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          const value = draft.trim();
          if (value === '') return;
          void run('set', () => key.set(value)).then((stored) => stored !== undefined && setDraft(''));
        }}
      >
        <label className="ia-settings__label" htmlFor={id}>
          {labels.newKey}
        </label>
        <div className="ia-settings__control-row">
          <input
            ref={fieldRef}
            id={id}
            className={className('input', 'ia-settings__input')}
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="sk-or-v1-…"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
          />
          <button type="submit" className={button('ia-settings__button--primary')} disabled={busy || draft.trim() === ''}>
            {key.configured ? labels.replaceKey : labels.setKey}
          </button>
        </div>
      </form>
      <div className="ia-settings__control-row">
        <button type="button" className={button()} disabled={busy || !key.configured} onClick={() => void run('test', () => key.test())}>
          {labels.testKey}
        </button>
        {key.source === 'stored' &&
          (confirmingRemove ? (
            <>
              <button
                type="button"
                className={button('ia-settings__button--danger')}
                disabled={busy}
                onClick={() => {
                  // The remove button is disabled while the key goes, and then gone: the field for a new key is next.
                  fieldRef.current?.focus();
                  confirmRemove(false, undefined);
                  void run('remove', () => key.remove());
                }}
              >
                {labels.confirmRemoveKey}
              </button>
              <button ref={cancelRef} type="button" className={button()} onClick={() => confirmRemove(false, 'remove')}>
                {labels.cancel}
              </button>
            </>
          ) : (
            <button ref={removeRef} type="button" className={button('ia-settings__button--danger')} disabled={busy} onClick={() => confirmRemove(true, 'cancel')}>
              {labels.removeKey}
            </button>
          ))}
      </div>
      <p role="status" className="ia-settings__status">
        {message}
      </p>
      {key.status === 'error' && key.error && (
        <p role="alert" className={className('error', 'ia-settings__error')}>
          {key.error.userMessage}
        </p>
      )}
    </SettingsSection>
  );
}
