'use client';
import { useCallback, useId, useLayoutEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent, type MouseEvent } from 'react';
import type { ModelEntry } from '../../core/chat-types.js';
import type { AiError } from '../../core/errors.js';
import { classes, type AiTheme } from '../../primitives/ai-root.js';
import { createScopedContext } from '../../primitives/create-scoped-context.js';
import { useControllableState } from '../../primitives/use-controllable-state.js';
import { filterModels, groupModelsByProvider, providersOf, sortModels, type ModelModality, type ModelPickerSort } from './model-filters.js';
import { EMPTY_LAYOUT, layoutModelList } from './model-list-layout.js';
import type { ModelPickerClassNames, ModelPickerSlot } from './model-option.js';
import type { ModelPickerFilterValues } from './model-picker-filters.js';
import { defaultModelPickerLabels, type ModelPickerLabels } from './model-picker-labels.js';
import { useWindowedRows } from './use-windowed-rows.js';

/** What the combobox's state is made from: every prop of `ModelCombobox` but the root element's own. */
export interface ModelComboboxOptions {
  /** Every model the picker may offer (the filters and the search narrow them). */
  models: readonly ModelEntry[];
  status?: 'idle' | 'loading' | 'ready' | 'error' | undefined;
  error?: AiError | undefined;
  /** Shown as a "Retry" button next to an error. */
  onRetry?: (() => void) | undefined;
  /** The chosen model's id (controlled). */
  value?: string | undefined;
  /** The model chosen at first (uncontrolled). */
  defaultValue?: string | undefined;
  onValueChange?: ((modelId: string, model: ModelEntry | undefined) => void) | undefined;
  open?: boolean | undefined;
  defaultOpen?: boolean | undefined;
  onOpenChange?: ((open: boolean) => void) | undefined;
  /** Only models of this modality; the modality filter is then hidden. */
  modality?: ModelModality | undefined;
  defaultFilters?: ModelPickerFilterValues | undefined;
  defaultSort?: ModelPickerSort | undefined;
  /** False hides the filter and sort controls (the search stays). */
  showFilters?: boolean | undefined;
  /** The price ceilings offered, USD per million input tokens. */
  priceCeilings?: readonly number[] | undefined;
  /** The context floors offered, in tokens. */
  contextFloors?: readonly number[] | undefined;
  /** The combobox's name; default "Model". */
  label?: string | undefined;
  labels?: Partial<ModelPickerLabels> | undefined;
  /** A hidden input of this name carries the value in a form. */
  name?: string | undefined;
  disabled?: boolean | undefined;
  /** The list's height in pixels (it shows only the rows in view). */
  listHeight?: number | undefined;
  classNames?: ModelPickerClassNames | undefined;
  unstyled?: boolean | undefined;
  theme?: AiTheme | undefined;
}

const OWN_CLASSES: Record<ModelPickerSlot, string> = {
  root: 'ia-model-picker',
  label: 'ia-model-picker__label',
  control: 'ia-model-picker__control',
  input: 'ia-model-picker__input',
  toggle: 'ia-model-picker__toggle',
  popup: 'ia-model-picker__popup',
  filters: 'ia-model-picker__filters',
  filter: 'ia-model-picker__filter',
  status: 'ia-model-picker__status',
  listbox: 'ia-model-picker__listbox',
  group: 'ia-model-picker__group',
  groupLabel: 'ia-model-picker__group-label',
  option: 'ia-model-option',
  optionName: 'ia-model-option__name',
  badge: 'ia-model-option__badge',
  facts: 'ia-model-facts',
};

const PRICE_CEILINGS = [0, 0.5, 1, 3, 10];
const CONTEXT_FLOORS = [8_000, 32_000, 128_000, 200_000, 1_000_000];
const PAGE = 8;
const NO_FILTERS: ModelPickerFilterValues = {};

/** Where the highlight goes: an option's index, or the chosen model (else the first), or the last. */
type Highlight = number | 'selected' | 'last';

/**
 * The combobox's state and behaviour, shared by its parts: the search, filters and sort, the highlight and the
 * keys that move it, the windowed rows, opening, closing and choosing.
 *
 * @example
 * const combobox = useModelComboboxState({ models, value, onValueChange });
 */
export function useModelComboboxState(props: ModelComboboxOptions & { onBlur?: ((event: FocusEvent<HTMLDivElement>) => void) | undefined; onKeyDown?: ((event: KeyboardEvent<HTMLDivElement>) => void) | undefined }) {
  const {
    models,
    status = 'ready',
    error,
    onRetry,
    value,
    defaultValue,
    onValueChange,
    open: openProp,
    defaultOpen,
    onOpenChange,
    modality,
    defaultFilters,
    defaultSort,
    showFilters = true,
    priceCeilings = PRICE_CEILINGS,
    contextFloors = CONTEXT_FLOORS,
    label,
    labels: labelOverrides,
    name,
    disabled,
    listHeight = 320,
    classNames,
    unstyled,
    onBlur,
    onKeyDown,
  } = props;

  const labels = useMemo<ModelPickerLabels>(() => ({ ...defaultModelPickerLabels, ...labelOverrides, ...(label ? { label } : {}) }), [labelOverrides, label]);
  const cx = (slot: ModelPickerSlot, ...extra: Array<string | undefined>) => classes(unstyled, OWN_CLASSES[slot], classNames?.[slot], ...extra);
  const baseId = useId();
  const inputId = `${baseId}-input`;
  const listboxId = `${baseId}-listbox`;
  const inputRef = useRef<HTMLInputElement>(null);

  const byId = useMemo(() => new Map(models.map((model) => [model.id, model])), [models]);
  const [selectedId, setSelectedId] = useControllableState({ value, defaultValue: defaultValue ?? '', onChange: (next: string) => onValueChange?.(next, byId.get(next)) });
  const [open, setOpen] = useControllableState({ value: openProp, defaultValue: defaultOpen ?? false, onChange: onOpenChange });
  const [query, setQuery] = useState('');
  // Until the user types, the text shows the chosen model's name and searches nothing.
  const [typing, setTyping] = useState(false);
  const [filters, setFilters] = useState<ModelPickerFilterValues>(defaultFilters ?? NO_FILTERS);
  const [sort, setSort] = useState<ModelPickerSort>(defaultSort ?? 'provider');
  const [highlight, setHighlight] = useState<Highlight>('selected');
  // How the next highlight change scrolls: into the middle on opening, just into view on a key, not on hover.
  const scrollToHighlight = useRef<'center' | 'nearest' | false>('center');

  // Each step is memoised on its own inputs: a keystroke re-filters (one `includes` per word per model) and
  // re-sorts; a closed picker does no work at all.
  const search = typing ? query : '';
  const effectiveModality = modality ?? filters.modality;
  const filtered = useMemo(
    () => (open ? filterModels(models, { search, modality: effectiveModality, provider: filters.provider, maxPrice: filters.maxPrice, minContext: filters.minContext }) : []),
    [open, models, search, effectiveModality, filters.provider, filters.maxPrice, filters.minContext],
  );
  const layout = useMemo(() => (open ? layoutModelList(groupModelsByProvider(sortModels(filtered, sort))) : EMPTY_LAYOUT), [open, filtered, sort]);
  const providers = useMemo(() => (open && showFilters ? providersOf(modality ? models : filterModels(models, { modality: filters.modality })) : []), [open, showFilters, models, modality, filters.modality]);
  const windowed = useWindowedRows(layout.heights, listHeight);

  const { options } = layout;
  const selectedIndex = useMemo(() => options.findIndex((model) => model.id === selectedId), [options, selectedId]);
  const activeIndex = options.length === 0 ? -1 : highlight === 'last' ? options.length - 1 : highlight === 'selected' ? Math.max(0, selectedIndex) : Math.min(highlight, options.length - 1);

  const { scrollRowIntoView, scrollRowToCenter } = windowed;
  useLayoutEffect(() => {
    const mode = scrollToHighlight.current;
    if (!open || activeIndex < 0 || !mode) return;
    scrollToHighlight.current = false;
    const row = layout.rowOfOption[activeIndex] ?? 0;
    // The first model of a group brings its group's label into view with it.
    if (mode === 'center' && activeIndex > 0) scrollRowToCenter(row);
    else scrollRowIntoView(row, layout.rows[row - 1]?.kind === 'group' ? 1 : 0);
  }, [open, activeIndex, layout, scrollRowIntoView, scrollRowToCenter]);

  const moveHighlight = useCallback((next: Highlight, scroll: 'center' | 'nearest' = 'nearest') => {
    scrollToHighlight.current = scroll;
    setHighlight(next);
  }, []);
  // After a filter or sort change the chosen model stays highlighted where it is still listed.
  const changeFilters = useCallback((next: ModelPickerFilterValues) => (setFilters(next), moveHighlight('selected')), [moveHighlight]);
  const changeSort = useCallback((next: ModelPickerSort) => (setSort(next), moveHighlight('selected')), [moveHighlight]);
  const openList = (next: Highlight = 'selected') => {
    moveHighlight(next, 'center');
    setOpen(true);
  };
  const close = useCallback(() => {
    setOpen(false);
    setTyping(false);
    setQuery('');
    setHighlight('selected');
    scrollToHighlight.current = 'center';
  }, [setOpen]);
  const latestOptions = useRef(options);
  latestOptions.current = options;
  const select = useCallback(
    (index: number) => {
      const model = latestOptions.current[index];
      if (!model) return;
      setSelectedId(model.id);
      close();
      inputRef.current?.focus();
    },
    [setSelectedId, close],
  );
  const highlightByPointer = useCallback((index: number) => setHighlight(index), []);

  const onInputKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.nativeEvent.isComposing) return;
    const last = options.length - 1;
    const from = activeIndex;
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        if (!open) openList('selected');
        else if (!event.altKey) moveHighlight(from < 0 ? 0 : Math.min(from + 1, last));
        return;
      case 'ArrowUp':
        event.preventDefault();
        if (!open) openList(selectedId ? 'selected' : 'last');
        else if (event.altKey) close();
        else moveHighlight(Math.max(from - 1, 0));
        return;
      case 'PageDown':
      case 'PageUp':
        if (!open) return;
        event.preventDefault();
        moveHighlight(Math.max(0, Math.min(last, from + (event.key === 'PageDown' ? PAGE : -PAGE))));
        return;
      case 'Home':
      case 'End':
        if (!open || options.length === 0) return;
        event.preventDefault();
        moveHighlight(event.key === 'Home' ? 0 : last);
        return;
      case 'Enter':
        if (!open) return;
        // Also keeps a surrounding form from being submitted while choosing.
        event.preventDefault();
        if (from >= 0) select(from);
        return;
      case 'Escape':
        if (!open) return;
        event.preventDefault();
        // A dialog around the picker closes on its next Escape, not this one.
        event.stopPropagation();
        close();
        return;
    }
  };

  const onRootKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    onKeyDown?.(event);
    // Escape in a filter closes the list and returns to the text, as it would from the text.
    if (!event.defaultPrevented && event.key === 'Escape' && open) {
      event.preventDefault();
      event.stopPropagation();
      close();
      inputRef.current?.focus();
    }
  };
  const onRootBlur = (event: FocusEvent<HTMLDivElement>) => {
    onBlur?.(event);
    if (open && !event.currentTarget.contains(event.relatedTarget as Node | null)) close();
  };
  // A press on the list's padding or scrollbar keeps the focus where it is, so the list stays open.
  const keepFocus = (event: MouseEvent<HTMLDivElement>) => {
    if (!(event.target as HTMLElement).closest('select, input, button, textarea, a')) event.preventDefault();
  };

  const selected = byId.get(selectedId);
  const inputValue = typing ? query : (selected?.name ?? selectedId);
  const state = open ? 'open' : 'closed';
  const loading = status === 'loading' || (status === 'idle' && models.length === 0);

  return {
    models,
    status,
    error,
    onRetry,
    modality,
    showFilters,
    priceCeilings,
    contextFloors,
    name,
    disabled,
    listHeight,
    classNames,
    unstyled,
    labels,
    cx,
    baseId,
    inputId,
    listboxId,
    inputRef,
    selectedId,
    open,
    filters,
    sort,
    providers,
    layout,
    windowed,
    options,
    activeIndex,
    changeFilters,
    changeSort,
    openList,
    close,
    select,
    highlightByPointer,
    moveHighlight,
    setQuery,
    setTyping,
    setOpen,
    onInputKeyDown,
    onRootKeyDown,
    onRootBlur,
    keepFocus,
    selected,
    inputValue,
    state,
    loading,
  };
}

export type ModelComboboxState = ReturnType<typeof useModelComboboxState>;

export const [ModelComboboxContext, useModelComboboxContext] = createScopedContext<ModelComboboxState>('ModelCombobox.Root');
