'use client';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { FeatureConfig } from '../../core/admin-types.js';
import { useFeatureSettings } from '../../react/use-feature-settings.js';
import { useModels } from '../../react/use-models.js';
import { ConflictNotice } from './conflict-notice.js';
import { customParametersText, parseCustomParameters, withCustomParameters } from './custom-parameters.js';
import { extensionProblems } from './extension-policy.js';
import { policyProblems } from './policy-fields.js';
import { ignoredParameters, NUMERIC_PARAMETERS, parameterProblem, type NumericParameter } from './parameter-support.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { SettingsFormContext, type SettingsFormValue } from './settings-form-context.js';
import { SettingsDefaultSections } from './settings-form-sections.js';

export interface FeatureSettingsFormProps {
  feature: string;
  /** Hears whether there are edits that a close would lose (a draft that differs, or JSON not valid yet). */
  onDirtyChange(dirty: boolean): void;
  onSaved?: ((config: FeatureConfig) => void) | undefined;
  /** The sections shown, in order; default every one (`SettingsDefaultSections`). */
  children?: ReactNode;
}

/**
 * The settings of one feature: its sections (by default every field, the preview, the live test, the key and the
 * limits) over one draft, and saving with a version check.
 */
export function FeatureSettingsForm({ feature, onDirtyChange, onSaved, children }: FeatureSettingsFormProps): ReactNode {
  const { labels, className } = useSettingsDialogContext('FeatureSettingsForm');
  const settings = useFeatureSettings(feature);
  const { config, draft, status, error } = settings;
  const { models } = useModels({ modality: draft?.modality ?? 'text' });
  const model = draft ? models.find((entry) => entry.id === draft.model) : undefined;

  // The JSON editor's text: kept while it reads as the draft's custom parameters (or is not valid yet); a
  // change of the draft from elsewhere (reset, reload) replaces it.
  const draftCustom = draft ? customParametersText(draft.params) : '{}';
  const savedCustom = config ? customParametersText(config.params) : '{}';
  const [custom, setCustom] = useState({ text: draftCustom, source: draftCustom });
  const parsedCustom = parseCustomParameters(custom.text, labels);
  if (custom.source !== draftCustom) {
    const same = parsedCustom.ok && customParametersText(withCustomParameters({}, parsedCustom.value)) === draftCustom;
    setCustom({ text: same ? custom.text : draftCustom, source: draftCustom });
  }
  const customError = parsedCustom.ok ? undefined : parsedCustom.error;

  const problems = Object.fromEntries(NUMERIC_PARAMETERS.map((name) => [name, draft ? parameterProblem(name, draft.params[name], model, labels) : undefined])) as Record<NumericParameter, string | undefined>;
  const policy = draft ? { ...policyProblems(draft, labels), ...extensionProblems(draft, labels) } : {};
  const invalid = customError !== undefined || Object.values(problems).some(Boolean) || Object.keys(policy).length > 0;
  const unsaved = settings.dirty.length > 0 || customError !== undefined;
  useEffect(() => {
    onDirtyChange(unsaved);
    return () => onDirtyChange(false);
  }, [unsaved, onDirtyChange]);

  const [savedVersion, setSavedVersion] = useState<number>();
  const conflict = error?.code === 'conflict';
  const busy = status === 'saving' || status === 'loading';
  // A save the gateway refused naming a field: the field shown invalid takes the focus (the Save button keeps it
  // when no field on show is named, and the footer's alert says why).
  const formRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error?.param === undefined || conflict) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error, conflict]);

  if (!draft || !config) {
    return status === 'error' && error ? (
      <p role="alert" className={className('error', 'ia-settings__error')}>
        {error.userMessage}
      </p>
    ) : (
      <p role="status" className="ia-settings__muted">
        {labels.loading}
      </p>
    );
  }

  const editCustom = (text: string) => {
    setCustom((current) => ({ ...current, text }));
    const result = parseCustomParameters(text, labels);
    if (result.ok) settings.change({ params: withCustomParameters(draft.params, result.value) });
  };
  const saved = (result: FeatureConfig | undefined) => {
    if (!result) return;
    setSavedVersion(result.version);
    onSaved?.(result);
  };
  const save = async () => saved(await settings.save());
  const resetAll = () => {
    settings.discard();
    setCustom({ text: savedCustom, source: savedCustom });
  };
  const reloadTheirs = async () => {
    settings.discard();
    await settings.reload();
  };
  const keepMine = async () => {
    // The edits stay over the newer version (fields only they changed are theirs), then save over it.
    await settings.reload();
    saved(await settings.save());
  };

  const ignoredCustom = ignoredParameters(withCustomParameters({}, parsedCustom.ok ? parsedCustom.value : {}), model);
  const footerStatus = invalid ? labels.fixErrors : unsaved ? '' : savedVersion !== undefined && savedVersion === config.version ? labels.saved(savedVersion) : '';

  const form: SettingsFormValue = {
    feature,
    settings,
    config,
    draft,
    model,
    custom: { text: custom.text, savedText: savedCustom, error: customError, dirty: customError !== undefined || draftCustom !== savedCustom, ignored: ignoredCustom },
    editCustom,
    problems,
    policyProblems: policy,
    invalid,
  };

  return (
    <SettingsFormContext.Provider value={form}>
      <div ref={formRef} className="ia-settings__form" data-status={conflict ? 'conflict' : status} data-state={unsaved ? 'dirty' : 'saved'}>
        <div className={className('body', 'ia-settings__body')}>{children ?? <SettingsDefaultSections />}</div>
        <div className={className('footer', 'ia-settings__footer')}>
          {conflict && <ConflictNotice feature={feature} base={config} currentVersion={error?.currentVersion} busy={busy} onReloadTheirs={() => void reloadTheirs()} onKeepMine={() => void keepMine()} />}
          {error && !conflict && (
            <p role="alert" className={className('error', 'ia-settings__error')}>
              {/* A refusal shown under its own field (cache, guardrails) is pointed at, not repeated. */}
              {error.param !== undefined && /^(cache|guardrails|guardrailMessage|extensions|clientOverrides\.(tools|reasoning)|params\.extra\.provider)(\.|$)/.test(error.param) ? labels.fixErrors : error.userMessage}
            </p>
          )}
          <p role="status" className="ia-settings__status">
            {status === 'saving' ? labels.saving : footerStatus}
          </p>
          <div className="ia-settings__actions">
            <button type="button" className={className('button', 'ia-settings__button')} disabled={!unsaved || busy} onClick={resetAll}>
              {labels.resetAll}
            </button>
            <button type="button" className={className('button', 'ia-settings__button', 'ia-settings__button--primary')} disabled={settings.dirty.length === 0 || invalid || busy || conflict} onClick={() => void save()}>
              {status === 'saving' ? labels.saving : labels.save}
            </button>
          </div>
        </div>
      </div>
    </SettingsFormContext.Provider>
  );
}
