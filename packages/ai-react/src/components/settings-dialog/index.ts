export { SettingsDialog, SettingsDialogContent, SettingsDialogForm, SettingsDialogRoot, SettingsDialogTrigger } from './settings-dialog.js';
export type { SettingsDialogContentProps, SettingsDialogProps, SettingsDialogRootProps, SettingsDialogTriggerProps } from './settings-dialog.js';
export { defaultSettingsDialogLabels, DEFAULT_SETTINGS_DIALOG_LABELS } from './settings-dialog-labels.js';
export type { SettingsDialogLabels } from './settings-dialog-labels.js';
export type { SettingsDialogSlot } from './settings-dialog-context.js';
// The sections, to rebuild the dialog's body: inside `SettingsDialog.Form` they read its draft; the ones below them
// take props, for a form of your own over `useFeatureSettings`.
export {
  SettingsCustomParametersSection,
  SettingsDefaultSections,
  SettingsKeySection,
  SettingsLimitsSection,
  SettingsModelSection,
  SettingsParametersSection,
  SettingsPreviewSection,
  SettingsTestSection,
} from './settings-form-sections.js';
export { SettingsCacheSection, SettingsGuardrailsSection } from './policy-sections.js';
export { SettingsExtensionsSection } from './extension-policy-section.js';
export { useSettingsFormContext } from './settings-form-context.js';
export type { SettingsFormValue } from './settings-form-context.js';
export { SettingsSection } from './settings-section.js';
export { LiveTestSection } from './live-test-section.js';
export type { LiveTestSectionProps } from './live-test-section.js';
export { ProviderKeySection } from './provider-key-section.js';
export { LimitsSection } from './limits-section.js';
export { RequestPreviewSection } from './request-preview-section.js';
