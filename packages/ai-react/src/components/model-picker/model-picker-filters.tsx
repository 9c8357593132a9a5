'use client';
import { memo, type ReactNode } from 'react';
import { classes } from '../../primitives/ai-root.js';
import type { ModelFilters, ModelModality, ModelPickerSort } from './model-filters.js';
import type { ModelPickerLabels } from './model-picker-labels.js';
import type { ModelPickerClassNames } from './model-option.js';

/** The filters a picker offers, without the search (the combobox's text is the search). */
export type ModelPickerFilterValues = Omit<ModelFilters, 'search'>;

export interface ModelPickerFiltersProps {
  filters: ModelPickerFilterValues;
  onFiltersChange(filters: ModelPickerFilterValues): void;
  sort: ModelPickerSort;
  onSortChange(sort: ModelPickerSort): void;
  providers: ReadonlyArray<{ provider: string; label: string }>;
  /** False when the picker's modality is fixed by its `modality` prop. */
  showModality: boolean;
  priceCeilings: readonly number[];
  contextFloors: readonly number[];
  labels: ModelPickerLabels;
  classNames: ModelPickerClassNames | undefined;
  unstyled: boolean | undefined;
}

const MODALITIES: readonly ModelModality[] = ['text', 'image', 'embedding'];
const SORTS: readonly ModelPickerSort[] = ['provider', 'price', 'context', 'newest'];

const numberOrUndefined = (value: string) => (value === '' ? undefined : Number(value));

/**
 * Modality, provider, price ceiling, minimum context and sort, as native selects (the most accessible control).
 * Memoised: a keystroke in the search re-renders the list, not these.
 */
export const ModelPickerFilters = /* @__PURE__ */ memo(function ModelPickerFilters(props: ModelPickerFiltersProps): ReactNode {
  const { filters, onFiltersChange, sort, onSortChange, providers, showModality, priceCeilings, contextFloors, labels, classNames, unstyled } = props;
  const filterClass = classes(unstyled, 'ia-model-picker__filter', classNames?.filter);
  const set = (patch: ModelPickerFilterValues) => onFiltersChange({ ...filters, ...patch });
  return (
    <div role="group" aria-label={labels.filters} className={classes(unstyled, 'ia-model-picker__filters', classNames?.filters)}>
      {showModality ? (
        <label className={filterClass}>
          <span>{labels.modality}</span>
          <select value={filters.modality ?? ''} onChange={(event) => set({ modality: (event.target.value || undefined) as ModelModality | undefined })}>
            <option value="">{labels.anyModality}</option>
            {MODALITIES.map((modality) => (
              <option key={modality} value={modality}>
                {labels.modalities[modality]}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label className={filterClass}>
        <span>{labels.provider}</span>
        <select value={filters.provider ?? ''} onChange={(event) => set({ provider: event.target.value || undefined })}>
          <option value="">{labels.anyProvider}</option>
          {providers.map(({ provider, label }) => (
            <option key={provider} value={provider}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label className={filterClass}>
        <span>{labels.maxPrice}</span>
        <select value={filters.maxPrice ?? ''} onChange={(event) => set({ maxPrice: numberOrUndefined(event.target.value) })}>
          <option value="">{labels.anyPrice}</option>
          {priceCeilings.map((ceiling) => (
            <option key={ceiling} value={ceiling}>
              {labels.priceCeiling(labels.formatPrice(ceiling))}
            </option>
          ))}
        </select>
      </label>
      <label className={filterClass}>
        <span>{labels.minContext}</span>
        <select value={filters.minContext ?? ''} onChange={(event) => set({ minContext: numberOrUndefined(event.target.value) })}>
          <option value="">{labels.anyContext}</option>
          {contextFloors.map((floor) => (
            <option key={floor} value={floor}>
              {labels.contextFloor(labels.formatTokens(floor))}
            </option>
          ))}
        </select>
      </label>
      <label className={filterClass}>
        <span>{labels.sort}</span>
        <select value={sort} onChange={(event) => onSortChange(event.target.value as ModelPickerSort)}>
          {SORTS.map((option) => (
            <option key={option} value={option}>
              {labels.sorts[option]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
});
