'use client';
import { useId, type ReactNode } from 'react';
import type { FeatureParams } from '../../core/admin-types.js';
import { ModelPicker } from '../model-picker/model-picker.js';
import { CustomParametersField } from './custom-parameters-field.js';
import { SettingsExtensionsSection } from './extension-policy-section.js';
import { LimitsSection } from './limits-section.js';
import { LiveTestSection } from './live-test-section.js';
import { NumberParameterField } from './number-parameter-field.js';
import { SettingsCacheSection, SettingsGuardrailsSection } from './policy-sections.js';
import { NUMERIC_PARAMETERS, rangeOf, supportsParameter, type NumericParameter } from './parameter-support.js';
import { ProviderKeySection } from './provider-key-section.js';
import { RequestPreviewSection } from './request-preview-section.js';
import { useSettingsDialogContext } from './settings-dialog-context.js';
import { useSettingsFormContext } from './settings-form-context.js';
import { SettingsSection } from './settings-section.js';

const shortened = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The model (a picker over the catalog) and, for text features, the system prompt; each with what is saved and a
 * reset.
 *
 * @example
 * <SettingsDialog.Form><SettingsDialog.ModelSection /></SettingsDialog.Form>
 */
export function SettingsModelSection(): ReactNode {
  const { labels, className, theme, unstyled } = useSettingsDialogContext('SettingsDialog.ModelSection');
  const { settings, draft, config } = useSettingsFormContext('SettingsDialog.ModelSection');
  const promptId = useId();
  return (
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
      {draft.modality === 'text' && (
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
  );
}

/**
 * Temperature, top-p, max tokens and the penalties, bounded by what the draft's model supports (the others disabled
 * with the reason). Text features only.
 *
 * @example
 * <SettingsDialog.ParametersSection />
 */
export function SettingsParametersSection(): ReactNode {
  const { labels } = useSettingsDialogContext('SettingsDialog.ParametersSection');
  const { settings, draft, config, model, problems } = useSettingsFormContext('SettingsDialog.ParametersSection');
  if (draft.modality !== 'text') return null;
  const setParam = (name: NumericParameter, value: number | undefined) => {
    // An emptied field leaves the parameter out: the model's default applies.
    const params = Object.fromEntries(Object.entries({ ...draft.params, [name]: value }).filter(([, set]) => set !== undefined)) as FeatureParams;
    settings.change({ params });
  };
  return (
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
            unsupportedReason={supportsParameter(model, name) ? undefined : labels.notSupportedBy(draft.model)}
            error={problems[name]}
            hint={name === 'max_tokens' && model?.maxOutputTokens !== undefined ? labels.maxOutputHint(model.maxOutputTokens, model.id) : undefined}
            onValueChange={(value) => setParam(name, value)}
          />
        ))}
      </div>
    </SettingsSection>
  );
}

/**
 * Any other OpenRouter parameter as JSON, validated as it is typed. Text features only.
 *
 * @example
 * <SettingsDialog.CustomParametersSection />
 */
export function SettingsCustomParametersSection(): ReactNode {
  const { labels } = useSettingsDialogContext('SettingsDialog.CustomParametersSection');
  const { draft, custom, editCustom } = useSettingsFormContext('SettingsDialog.CustomParametersSection');
  if (draft.modality !== 'text') return null;
  return (
    <SettingsSection name="custom" title={labels.sectionCustom}>
      <CustomParametersField
        text={custom.text}
        savedText={custom.savedText}
        dirty={custom.dirty}
        error={custom.error}
        ignored={custom.ignored.length > 0 ? labels.ignoredByModel(custom.ignored, draft.model) : undefined}
        onTextChange={editCustom}
      />
    </SettingsSection>
  );
}

/**
 * The request body the draft makes, and a live test of it against the real model (text features only).
 *
 * @example
 * <SettingsDialog.PreviewSection /><SettingsDialog.TestSection />
 */
export function SettingsPreviewSection(): ReactNode {
  const { draft, model } = useSettingsFormContext('SettingsDialog.PreviewSection');
  return draft.modality === 'text' ? <RequestPreviewSection draft={draft} model={model} /> : null;
}

/** The live test of the draft (text features only); see `LiveTestSection`. */
export function SettingsTestSection(): ReactNode {
  const { settings, draft, invalid } = useSettingsFormContext('SettingsDialog.TestSection');
  return draft.modality === 'text' ? <LiveTestSection state={settings.testState} blocked={invalid} onRun={(prompt) => void settings.test(prompt)} /> : null;
}

/** The project's OpenRouter key; see `ProviderKeySection`. */
export function SettingsKeySection(): ReactNode {
  useSettingsFormContext('SettingsDialog.KeySection');
  return <ProviderKeySection />;
}

/** The feature's limits; see `LimitsSection`. */
export function SettingsLimitsSection(): ReactNode {
  const { feature } = useSettingsFormContext('SettingsDialog.LimitsSection');
  return <LimitsSection feature={feature} />;
}

/** Every section, in the dialog's order: what `SettingsDialog.Form` shows without children. */
export function SettingsDefaultSections(): ReactNode {
  return (
    <>
      <SettingsModelSection />
      <SettingsParametersSection />
      <SettingsCustomParametersSection />
      <SettingsPreviewSection />
      <SettingsTestSection />
      <SettingsCacheSection />
      <SettingsGuardrailsSection />
      <SettingsExtensionsSection />
      <SettingsKeySection />
      <SettingsLimitsSection />
    </>
  );
}
