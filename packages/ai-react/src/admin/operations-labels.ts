import type { CircuitInfo, GatewayErrorEntry, ModelHealthWindow } from '../core/operations-client.js';

const milliseconds = (ms: number | null) => (ms === null ? '—' : ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`);

/** Every string the model health panel shows; pass some of them as `labels` to translate or reword. */
export interface ModelHealthLabels {
  title: string;
  window: string;
  windows: Record<ModelHealthWindow, string>;
  refresh: string;
  loading: string;
  empty: string;
  breakersOff: string;
  circuitsTitle: string;
  noOpenCircuits: string;
  circuitStates: Record<CircuitInfo['state'], string>;
  scopes: Record<CircuitInfo['scope'], string>;
  retryAt(time: string): string;
  tableCaption: string;
  model: string;
  provider: string;
  circuit: string;
  requests: string;
  errorRate: string;
  latencyP50: string;
  latencyP95: string;
  firstToken: string;
  tokensPerSecond: string;
  costPerRequest: string;
  none: string;
  formatPercent(rate: number | null): string;
  formatMilliseconds(ms: number | null): string;
  formatNumber(value: number | null): string;
  formatMoney(usd: number | null): string;
  formatTime(iso: string): string;
}

export const DEFAULT_MODEL_HEALTH_LABELS: ModelHealthLabels = {
  title: 'Model health',
  window: 'Window',
  windows: { '15m': 'Last 15 minutes', '1h': 'Last hour', '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days' },
  refresh: 'Refresh',
  loading: 'Loading model health…',
  empty: 'No requests reached a model in this window.',
  breakersOff: 'Circuit breakers are off on this gateway.',
  circuitsTitle: 'Circuits',
  noOpenCircuits: 'Every circuit is closed: all models are being called.',
  circuitStates: { closed: 'Closed', open: 'Open', half_open: 'Probing' },
  scopes: { model: 'Model', provider: 'Provider' },
  retryAt: (time) => `probe at ${time}`,
  tableCaption: 'Latency, errors and cost by model',
  model: 'Model',
  provider: 'Provider',
  circuit: 'Circuit',
  requests: 'Requests',
  errorRate: 'Error rate',
  latencyP50: 'Latency p50',
  latencyP95: 'Latency p95',
  firstToken: 'First token p50',
  tokensPerSecond: 'Tokens/s',
  costPerRequest: 'Cost/request',
  none: '—',
  formatPercent: (rate) => (rate === null ? '—' : `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)}%`),
  formatMilliseconds: milliseconds,
  formatNumber: (value) => (value === null ? '—' : Math.round(value).toLocaleString('en-US')),
  formatMoney: (usd) => (usd === null ? '—' : usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`),
  formatTime: (iso) => new Date(iso).toLocaleTimeString('en-US'),
};

/** Every string the errors table shows. */
export interface ErrorsTableLabels {
  title: string;
  class: string;
  classes: Record<GatewayErrorEntry['class'] | 'all', string>;
  kinds: Record<GatewayErrorEntry['kind'], string>;
  refresh: string;
  loading: string;
  empty: string;
  tableCaption: string;
  time: string;
  code: string;
  model: string;
  feature: string;
  requestId: string;
  kind: string;
  none: string;
  formatTime(iso: string): string;
}

export const DEFAULT_ERRORS_TABLE_LABELS: ErrorsTableLabels = {
  title: 'Recent errors',
  class: 'Class',
  classes: { all: 'All', upstream: 'Provider', timeout: 'Timeout', rate_limit: 'Rate limit', limit: 'Limit', request: 'Request', auth: 'Auth', internal: 'Gateway' },
  kinds: { attempt: 'Attempt', request: 'Request' },
  refresh: 'Refresh',
  loading: 'Loading errors…',
  empty: 'No errors recorded.',
  tableCaption: 'Recent upstream and gateway errors, newest first',
  time: 'Time',
  code: 'Code',
  model: 'Model',
  feature: 'Feature',
  requestId: 'Request id',
  kind: 'Kind',
  none: '—',
  formatTime: (iso) => new Date(iso).toLocaleString('en-US'),
};
