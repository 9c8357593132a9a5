'use client';
// The admin entry point (`@insforge/ai-react/admin`): settings and usage widgets, kept out of the chat bundle.
export { UsagePanel } from './usage-panel.js';
export type { UsagePanelProps, UsagePanelSlot } from './usage-panel.js';
export { FeatureHistory } from './feature-history.js';
export type { FeatureHistoryProps, FeatureHistorySlot } from './feature-history.js';
export { defaultFeatureHistoryLabels, defaultUsagePanelLabels, DEFAULT_FEATURE_HISTORY_LABELS, DEFAULT_USAGE_PANEL_LABELS } from './admin-labels.js';
export type { FeatureHistoryLabels, UsagePanelLabels, UsagePeriod } from './admin-labels.js';
export type { UsageCsvReader } from './usage-csv.js';
export type { UsageMetric } from './usage-series.js';
export { ModelHealth } from './model-health.js';
export type { ModelHealthProps, ModelHealthSlot } from './model-health.js';
export { ErrorsTable } from './errors-table.js';
export type { ErrorsTableProps, ErrorsTableSlot } from './errors-table.js';
export { DEFAULT_ERRORS_TABLE_LABELS, DEFAULT_MODEL_HEALTH_LABELS } from './operations-labels.js';
export type { ErrorsTableLabels, ModelHealthLabels } from './operations-labels.js';
export type { CircuitInfo, GatewayErrorEntry, ModelHealthReport, ModelHealthWindow, ModelPerformanceRow } from '../core/operations-client.js';
// The settings dialog lives in the main entry (a chat app may offer it to its admins) and is re-exported here.
export { SettingsDialog, SettingsDialogContent, SettingsDialogForm, SettingsDialogRoot, SettingsDialogTrigger, defaultSettingsDialogLabels } from '../components/settings-dialog/index.js';
export type { SettingsDialogLabels, SettingsDialogProps, SettingsDialogSlot } from '../components/settings-dialog/index.js';
