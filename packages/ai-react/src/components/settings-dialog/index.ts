export { SettingsDialog, SettingsDialogContent, SettingsDialogForm, SettingsDialogRoot, SettingsDialogTrigger } from './settings-dialog.js';
export type { SettingsDialogContentProps, SettingsDialogProps, SettingsDialogRootProps, SettingsDialogTriggerProps } from './settings-dialog.js';
export { defaultSettingsDialogLabels, DEFAULT_SETTINGS_DIALOG_LABELS } from './settings-dialog-labels.js';
export type { SettingsDialogLabels } from './settings-dialog-labels.js';
export type { SettingsDialogSlot } from './settings-dialog-context.js';
// The sections, to rebuild the dialog's body (inside `SettingsDialog.Root`).
export { SettingsSection } from './settings-section.js';
export { LiveTestSection } from './live-test-section.js';
export type { LiveTestSectionProps } from './live-test-section.js';
export { ProviderKeySection } from './provider-key-section.js';
export { LimitsSection } from './limits-section.js';
export { RequestPreviewSection } from './request-preview-section.js';
