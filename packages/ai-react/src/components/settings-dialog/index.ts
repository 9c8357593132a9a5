export { SettingsDialog } from './settings-dialog.js';
export type { SettingsDialogProps } from './settings-dialog.js';
export { DEFAULT_SETTINGS_DIALOG_LABELS } from './settings-dialog-labels.js';
export type { SettingsDialogLabels } from './settings-dialog-labels.js';
export type { SettingsDialogSlot } from './settings-dialog-context.js';
