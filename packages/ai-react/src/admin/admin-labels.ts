import type { ConfigurationChangeLabels } from './configuration-changes.js';
import type { UsageMetric } from './usage-series.js';

/** The periods the usage panel offers (the gateway's `period` values). */
export type UsagePeriod = 'day' | 'week' | 'month';

// The sign before the dollar sign (a credit, a correction): `-$5.00`, not `$-5.0`.
const money = (usd: number): string => (usd < 0 ? `-${money(-usd)}` : usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`);
const whole = (value: number) => Math.round(value).toLocaleString('en-US');

/** Every string the usage panel shows; pass some of them as `labels` to translate or reword. */
export interface UsagePanelLabels {
  title: string;
  period: string;
  periods: Record<UsagePeriod, string>;
  metric: string;
  metrics: Record<UsageMetric, string>;
  refresh: string;
  downloadCsv: string;
  downloading: string;
  downloaded(fileName: string): string;
  loading: string;
  empty: string;
  totals: string;
  overTime(metric: string): string;
  byFeature(metric: string): string;
  byModel(metric: string): string;
  /** The chart's description for screen readers (the table below it has every value). */
  chartSummary(points: number, highest: string | undefined, total: string): string;
  showData: string;
  feature: string;
  model: string;
  day: string;
  requests: string;
  promptTokens: string;
  completionTokens: string;
  cost: string;
  errors: string;
  latency: string;
  none: string;
  /** The model of requests no model answered (refused or failed before an answer). */
  notServed: string;
  formatMoney(usd: number): string;
  formatNumber(value: number): string;
  formatMilliseconds(ms: number | null): string;
}

export const defaultUsagePanelLabels: UsagePanelLabels = {
  title: 'Usage',
  period: 'Period',
  periods: { day: 'Last 24 hours', week: 'Last 7 days', month: 'Last 30 days' },
  metric: 'Chart',
  metrics: { costUsd: 'Cost', totalTokens: 'Tokens', requests: 'Requests' },
  refresh: 'Refresh',
  downloadCsv: 'Download CSV',
  downloading: 'Preparing the CSV…',
  downloaded: (fileName) => `Downloaded ${fileName}.`,
  loading: 'Loading usage…',
  empty: 'No requests in this period.',
  totals: 'Totals',
  overTime: (metric) => `${metric} over time`,
  byFeature: (metric) => `${metric} by feature`,
  byModel: (metric) => `${metric} by model`,
  chartSummary: (points, highest, total) => `${points} bar${points === 1 ? '' : 's'}${highest ? `; highest: ${highest}` : ''}; total ${total}.`,
  showData: 'Show the data',
  feature: 'Feature',
  model: 'Model',
  day: 'Day',
  requests: 'Requests',
  promptTokens: 'Tokens in',
  completionTokens: 'Tokens out',
  cost: 'Cost',
  errors: 'Errors',
  latency: 'Median latency',
  none: '(none)',
  notServed: 'Not served',
  formatMoney: money,
  formatNumber: whole,
  formatMilliseconds: (ms) => (ms === null ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`),
};

/** Every string the configuration history shows. */
export interface FeatureHistoryLabels extends ConfigurationChangeLabels {
  title(feature: string): string;
  loading: string;
  empty: string;
  version(version: number): string;
  actions: Record<string, string>;
  /** Who saved a version and when; `actor` is undefined for a version the gateway's own options created. */
  by(actor: string | undefined, when: string): string;
  current: string;
  restore(version: number): string;
  restoring: string;
  restored(from: number, version: number): string;
  created: string;
}

export const defaultFeatureHistoryLabels: FeatureHistoryLabels = {
  title: (feature) => `History of “${feature}”`,
  loading: 'Loading the history…',
  empty: 'No saved versions yet.',
  version: (version) => `Version ${version}`,
  actions: { create: 'Created', seed: 'Created from the gateway options', update: 'Changed', restore: 'Restored', reset: 'Reset to the original' },
  by: (actor, when) => (actor === undefined ? `, ${when}` : ` by ${actor}, ${when}`),
  current: 'Current',
  restore: (version) => `Restore version ${version}`,
  restoring: 'Restoring…',
  restored: (from, version) => `Version ${from} is restored as version ${version}.`,
  created: 'First version.',
  model: (before, after) => `Model: ${before} → ${after}`,
  fallbackModels: (before, after) => `Fallback models: ${before} → ${after}`,
  systemPrompt: (before, after) => `System prompt: “${before}” → “${after}”`,
  parameterSet: (name, value) => `${name} set to ${value}`,
  parameterChanged: (name, before, after) => `${name}: ${before} → ${after}`,
  parameterRemoved: (name) => `${name} removed (the model's default)`,
  clientOverrides: 'What clients may override changed',
  roles: (before, after) => `Who may call it: ${before} → ${after}`,
  modality: (before, after) => `Modality: ${before} → ${after}`,
  none: 'Saved with no change.',
};

/** @deprecated The old name of `defaultUsagePanelLabels`. */
export const DEFAULT_USAGE_PANEL_LABELS = defaultUsagePanelLabels;
/** @deprecated The old name of `defaultFeatureHistoryLabels`. */
export const DEFAULT_FEATURE_HISTORY_LABELS = defaultFeatureHistoryLabels;
