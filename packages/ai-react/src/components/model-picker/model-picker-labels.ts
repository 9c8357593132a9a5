import type { ModelModality, ModelPickerSort } from './model-filters.js';

/** Every string a ModelPicker shows; pass any of them in `labels` to translate or reword it. */
export interface ModelPickerLabels {
  /** The combobox's name. */
  label: string;
  placeholder: string;
  /** The button that opens and closes the list. */
  toggle: string;
  listbox: string;
  loading: string;
  empty: string;
  retry: string;
  free: string;
  /** Hidden text after the chosen model's name in the list. */
  selected: string;
  filters: string;
  modality: string;
  anyModality: string;
  modalities: Record<ModelModality, string>;
  provider: string;
  anyProvider: string;
  maxPrice: string;
  anyPrice: string;
  minContext: string;
  anyContext: string;
  sort: string;
  sorts: Record<ModelPickerSort, string>;
  /** "42 models". */
  count(count: number): string;
  /** "128K context". */
  contextLength(tokens: string): string;
  /** "16K max output". */
  maxOutput(tokens: string): string;
  /** "$0.15/M in". */
  inputPrice(price: string): string;
  /** "$0.60/M out". */
  outputPrice(price: string): string;
  /** "$0.04/image". */
  imagePrice(price: string): string;
  /** A price ceiling choice: "Up to $1/M". */
  priceCeiling(price: string): string;
  /** A context floor choice: "128K+". */
  contextFloor(tokens: string): string;
  formatTokens(tokens: number): string;
  formatPrice(usd: number): string;
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** Cents as prices are written ($2.50, $10, $0.15), and a small price to two significant digits ($0.0075). */
function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 0.01) return `$${usd.toFixed(2).replace(/\.00$/, '')}`;
  return `$${Number(usd.toPrecision(2))}`;
}

export const defaultModelPickerLabels: ModelPickerLabels = {
  label: 'Model',
  placeholder: 'Search models…',
  toggle: 'Show models',
  listbox: 'Models',
  loading: 'Loading models…',
  empty: 'No models match these filters.',
  retry: 'Retry',
  free: 'Free',
  selected: '(selected)',
  filters: 'Filters',
  modality: 'Modality',
  anyModality: 'Any modality',
  modalities: { text: 'Text', image: 'Image', embedding: 'Embedding' },
  provider: 'Provider',
  anyProvider: 'Any provider',
  maxPrice: 'Max input price',
  anyPrice: 'Any price',
  minContext: 'Min context',
  anyContext: 'Any context',
  sort: 'Sort by',
  sorts: { provider: 'Provider', price: 'Price (lowest)', context: 'Context (largest)', newest: 'Newest' },
  count: (count) => `${count} model${count === 1 ? '' : 's'}`,
  contextLength: (tokens) => `${tokens} context`,
  maxOutput: (tokens) => `${tokens} max output`,
  inputPrice: (price) => `${price}/M in`,
  outputPrice: (price) => `${price}/M out`,
  imagePrice: (price) => `${price}/image`,
  priceCeiling: (price) => (price === '$0' ? 'Free only' : `Up to ${price}/M`),
  contextFloor: (tokens) => `${tokens}+`,
  formatTokens: (tokens) => compact.format(tokens),
  formatPrice: formatUsd,
};
