'use client';
import { useEffect, useId, useState, type ReactNode } from 'react';
import type { FeatureConfig, FeatureParams } from '../../core/admin-types.js';
import { useFeatureSettings } from '../../react/use-feature-settings.js';
import { useModels } from '../../react/use-models.js';
import { ModelPicker } from '../model-picker/model-picker.js';
import { ConflictNotice } from './conflict-notice.js';
import { CustomParametersField } from './custom-parameters-field.js';
import { customParametersText, parseCustomParameters, withCustomParameters } from './custom-parameters.js';
import { LimitsSection } from './limits-section.js';
import { LiveTestSection } from './live-test-section.js';
import { NumberParameterField } from './number-parameter-field.js';
import { ignoredParameters, NUMERIC_PARAMETERS, parameterProblem, rangeOf, supportsParameter, type NumericParameter } from './parameter-support.js';
import { ProviderKeySection } from './provider-key-section.js';
import { RequestPreviewSection } from './request-preview-section.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { SettingsSection } from './settings-section.js';

export interface FeatureSettingsFormProps {
  feature: string;
  /** Hears whether there are edits that a close would lose (a draft that differs, or JSON not valid yet). */
  onDirtyChange(dirty: boolean): void;
  onSaved?: ((config: FeatureConfig) => void) | undefined;
}

const shortened = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The settings of one feature: every field, the preview, the live test, the key and the limits, and saving. */
export function FeatureSettingsForm({ feature, onDirtyChange, onSaved }: FeatureSettingsFormProps): ReactNode {
  const { labels, className, theme, unstyled } = useSettingsDialogContext('FeatureSettingsForm');
  const settings = useFeatureSettings(feature);
  const { config, draft, status, error } = settings;
  const { models } = useModels({ modality: draft?.modality ?? 'text' });
  const model = draft ? models.find((entry) => entry.id === draft.model) : undefined;
  const promptId = useId();

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
  const invalid = customError !== undefined || Object.values(problems).some(Boolean);
  const unsaved = settings.dirty.length > 0 || customError !== undefined;
  useEffect(() => {
    onDirtyChange(unsaved);
    return () => onDirtyChange(false);
  }, [unsaved, onDirtyChange]);

  const [savedVersion, setSavedVersion] = useState<number>();
  const conflict = error?.code === 'conflict';
  const busy = status === 'saving' || status === 'loading';

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

  const setParam = (name: NumericParameter, value: number | undefined) => {
    // An emptied field leaves the parameter out: the model's default applies.
    const params = Object.fromEntries(Object.entries({ ...draft.params, [name]: value }).filter(([, set]) => set !== undefined)) as FeatureParams;
    settings.change({ params });
  };
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

  const reason = (name: string) => (supportsParameter(model, name) ? undefined : labels.notSupportedBy(draft.model));
  const ignoredCustom = ignoredParameters(withCustomParameters({}, parsedCustom.ok ? parsedCustom.value : {}), model);
  const text = draft.modality === 'text';
  const footerStatus = invalid ? labels.fixErrors : unsaved ? '' : savedVersion !== undefined && savedVersion === config.version ? labels.saved(savedVersion) : '';

  return (
    <div className="ia-settings__form" data-status={conflict ? 'conflict' : status} data-state={unsaved ? 'dirty' : 'saved'}>
      <div className={className('body', 'ia-settings__body')}>
        <SettingsSection name="model" title={labels.sectionModel}>
          <div className={className('field', 'ia-settings__field', 'ia-settings__field--wide')} data-field="model" data-state={draft.model === config.model ? 'saved' : 'dirty'}>
            <ModelPicker value={draft.model} onValueChange={(next) => settings.change({ model: next })} modality={draft.modality} theme={theme} unstyled={unstyled} />
            <div className="ia-settings__control-row">
              <p className="ia-settings__inherited">{labels.savedValue(config.model)}</p>
              {draft.model !== config.model && (
                <button type="button" className={className('button', 'ia-settings__button', 'ia-settings__button--quiet')} onClick={() => settings.change({ model: config.model })}>
                  {labels.resetField(labels.model)}
                </button>
              )}
            </div>
          </div>
          {text && (
            <div className={className('field', 'ia-settings__field', 'ia-settings__field--wide')} data-field="systemPrompt" data-state={draft.systemPrompt === config.systemPrompt ? 'saved' : 'dirty'}>
              <label className="ia-settings__label" htmlFor={promptId}>
                {labels.systemPrompt}
              </label>
              <textarea
                id={promptId}
                className={className('input', 'ia-settings__input')}
                rows={4}
                value={draft.systemPrompt}
                aria-describedby={`${promptId}-hint ${promptId}-inherited`}
                onChange={(event) => settings.change({ systemPrompt: event.target.value })}
              />
              <p id={`${promptId}-hint`} className="ia-settings__hint">
                {labels.systemPromptHint}
              </p>
              <div className="ia-settings__control-row">
                <p id={`${promptId}-inherited`} className="ia-settings__inherited">
                  {labels.savedValue(config.systemPrompt === '' ? '—' : shortened(config.systemPrompt))}
                </p>
                {draft.systemPrompt !== config.systemPrompt && (
                  <button type="button" className={className('button', 'ia-settings__button', 'ia-settings__button--quiet')} onClick={() => settings.change({ systemPrompt: config.systemPrompt })}>
                    {labels.resetField(labels.systemPrompt)}
                  </button>
                )}
              </div>
            </div>
          )}
        </SettingsSection>
        {text && (
          <SettingsSection name="parameters" title={labels.sectionParameters}>
            <div className="ia-settings__grid">
              {NUMERIC_PARAMETERS.map((name) => (
                <NumberParameterField
                  key={name}
                  name={name}
                  label={labels.parameterNames[name]}
                  value={draft.params[name]}
                  saved={config.params[name]}
                  range={rangeOf(name, model)}
                  unsupportedReason={reason(name)}
                  error={problems[name]}
                  hint={name === 'max_tokens' && model?.maxOutputTokens !== undefined ? labels.maxOutputHint(model.maxOutputTokens, model.id) : undefined}
                  onValueChange={(value) => setParam(name, value)}
                />
              ))}
            </div>
          </SettingsSection>
        )}
        {text && (
          <SettingsSection name="custom" title={labels.sectionCustom}>
            <CustomParametersField
              text={custom.text}
              savedText={savedCustom}
              dirty={customError !== undefined || draftCustom !== savedCustom}
              error={customError}
              ignored={ignoredCustom.length > 0 ? labels.ignoredByModel(ignoredCustom, draft.model) : undefined}
              onTextChange={editCustom}
            />
          </SettingsSection>
        )}
        {text && <RequestPreviewSection draft={draft} model={model} />}
        {text && <LiveTestSection state={settings.testState} blocked={invalid} onRun={(prompt) => void settings.test(prompt)} />}
        <ProviderKeySection />
        <LimitsSection feature={feature} />
      </div>
      <div className={className('footer', 'ia-settings__footer')}>
        {conflict && <ConflictNotice feature={feature} base={config} currentVersion={error?.currentVersion} busy={busy} onReloadTheirs={() => void reloadTheirs()} onKeepMine={() => void keepMine()} />}
        {error && !conflict && (
          <p role="alert" className={className('error', 'ia-settings__error')}>
            {error.userMessage}
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
  );
}
