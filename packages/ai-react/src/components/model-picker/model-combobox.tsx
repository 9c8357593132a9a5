'use client';
import type { ComponentPropsWithoutRef, ReactNode } from 'react';
import { AiRoot, type AiTheme } from '../../primitives/ai-root.js';
import { ModelComboboxContext, useModelComboboxContext, useModelComboboxState, type ModelComboboxOptions } from './model-combobox-state.js';
import { ModelListRows, optionIdOf } from './model-list-rows.js';
import { ModelPickerFilters } from './model-picker-filters.js';

export interface ModelComboboxRootProps extends ModelComboboxOptions, Omit<ComponentPropsWithoutRef<'div'>, 'defaultValue' | 'onChange'> {
  theme?: AiTheme | undefined;
}

export type ModelComboboxProps = Omit<ModelComboboxRootProps, 'children'>;

// Props the state or the root handles itself; every other one goes to the root element.
const HANDLED = new Set<string>([
  ...(['models', 'status', 'error', 'onRetry', 'value', 'defaultValue', 'onValueChange', 'open', 'defaultOpen', 'onOpenChange', 'modality'] satisfies Array<keyof ModelComboboxOptions>),
  ...(['defaultFilters', 'defaultSort', 'showFilters', 'priceCeilings', 'contextFloors', 'label', 'labels', 'name', 'disabled', 'listHeight', 'classNames', 'unstyled'] satisfies Array<keyof ModelComboboxOptions>),
  ...(['theme', 'className', 'children', 'onBlur', 'onKeyDown'] satisfies Array<keyof ModelComboboxRootProps>),
]);

/**
 * Holds the combobox's state for its parts and is its root element: a focus that leaves it closes the list, and
 * Escape anywhere in it closes the list and returns to the text.
 *
 * @example
 * <ModelCombobox.Root models={entries} value={model} onValueChange={setModel}>
 *   <ModelCombobox.Input />
 *   <ModelCombobox.Popup />
 * </ModelCombobox.Root>
 */
export function ModelComboboxRoot(props: ModelComboboxRootProps): ReactNode {
  const combobox = useModelComboboxState(props);
  const { theme, className, children } = props;
  // What is left are the root element's own attributes (id, style, data-*…).
  const rest = Object.fromEntries(Object.entries(props).filter(([key]) => !HANDLED.has(key)));
  const { cx, state, status, disabled, unstyled, onRootBlur, onRootKeyDown } = combobox;
  return (
    <ModelComboboxContext.Provider value={combobox}>
      <AiRoot
        {...(theme ? { theme } : {})}
        unstyled={unstyled === true}
        data-state={state}
        data-status={status}
        data-disabled={disabled ? '' : undefined}
        {...rest}
        className={cx('root', className)}
        onBlur={onRootBlur}
        onKeyDown={onRootKeyDown}
      >
        {children}
      </AiRoot>
    </ModelComboboxContext.Provider>
  );
}

/**
 * The label and the text field (role combobox) with its toggle: type to search, arrows, Page, Home and End to
 * move, Enter to choose, Escape to close.
 *
 * @example
 * <ModelCombobox.Input />
 */
export function ModelComboboxInput(): ReactNode {
  const { cx, labels, inputId, inputRef, listboxId, open, activeIndex, baseId, disabled, selected, inputValue, state, name, selectedId, setQuery, setTyping, moveHighlight, setOpen, onInputKeyDown, openList, close } =
    useModelComboboxContext('ModelCombobox.Input');
  return (
    <>
      <label htmlFor={inputId} className={cx('label')}>
        {labels.label}
      </label>
      <div className={cx('control')} data-state={state}>
        <input
          ref={inputRef}
          id={inputId}
          type="text"
          role="combobox"
          aria-expanded={open}
          aria-controls={listboxId}
          aria-autocomplete="list"
          aria-activedescendant={open && activeIndex >= 0 ? optionIdOf(baseId, activeIndex) : undefined}
          autoComplete="off"
          spellCheck={false}
          disabled={disabled}
          placeholder={selected?.name ?? labels.placeholder}
          value={inputValue}
          className={cx('input')}
          data-state={state}
          onChange={(event) => {
            setQuery(event.target.value);
            setTyping(true);
            moveHighlight(0);
            if (!open) setOpen(true);
          }}
          onKeyDown={onInputKeyDown}
          onFocus={(event) => event.currentTarget.select()}
          onClick={(event) => {
            if (open) return;
            event.currentTarget.select();
            openList();
          }}
        />
        <button
          type="button"
          tabIndex={-1}
          aria-label={labels.toggle}
          aria-expanded={open}
          aria-controls={listboxId}
          disabled={disabled}
          className={cx('toggle')}
          data-state={state}
          onMouseDown={(event) => event.preventDefault()}
          onClick={() => {
            if (open) close();
            else openList();
            inputRef.current?.focus();
          }}
        >
          <svg aria-hidden="true" width="12" height="12" viewBox="0 0 12 12" focusable="false">
            <path d="M2 4l4 4 4-4" fill="none" stroke="currentColor" strokeWidth="1.5" />
          </svg>
        </button>
        {name ? <input type="hidden" name={name} value={selectedId} /> : null}
      </div>
    </>
  );
}

/**
 * The list's popup: by default the filters, the status line and the list; give children to arrange your own.
 *
 * @example
 * <ModelCombobox.Popup><ModelCombobox.Status /><ModelCombobox.List /></ModelCombobox.Popup>
 */
export function ModelComboboxPopup({ children }: { children?: ReactNode }): ReactNode {
  const { cx, state, open, keepFocus } = useModelComboboxContext('ModelCombobox.Popup');
  return (
    <div className={cx('popup')} data-state={state} hidden={!open} onMouseDown={keepFocus}>
      {children ?? (
        <>
          <ModelComboboxFilters />
          <ModelComboboxStatus />
          <ModelComboboxList />
        </>
      )}
    </div>
  );
}

/**
 * Modality, provider, price, context and sort (hidden with `showFilters={false}`).
 *
 * @example
 * <ModelCombobox.Filters />
 */
export function ModelComboboxFilters(): ReactNode {
  const { open, showFilters, filters, changeFilters, sort, changeSort, providers, modality, priceCeilings, contextFloors, labels, classNames, unstyled } = useModelComboboxContext('ModelCombobox.Filters');
  if (!open || !showFilters) return null;
  return (
    <ModelPickerFilters
      filters={filters}
      onFiltersChange={changeFilters}
      sort={sort}
      onSortChange={changeSort}
      providers={providers}
      showModality={!modality}
      priceCeilings={priceCeilings}
      contextFloors={contextFloors}
      labels={labels}
      classNames={classNames}
      unstyled={unstyled}
    />
  );
}

/**
 * A failed catalog read (with Retry) and the live count of models shown.
 *
 * @example
 * <ModelCombobox.Status />
 */
export function ModelComboboxStatus(): ReactNode {
  const { cx, open, status, error, onRetry, labels, loading, options } = useModelComboboxContext('ModelCombobox.Status');
  return (
    <>
      {open && status === 'error' && error ? (
        <div role="alert" className={cx('status')} data-state="error">
          {error.userMessage}{' '}
          {onRetry ? (
            <button type="button" onClick={onRetry}>
              {labels.retry}
            </button>
          ) : null}
        </div>
      ) : null}
      <div role="status" className={cx('status')} data-state={loading ? 'loading' : options.length === 0 ? 'empty' : 'ready'}>
        {open ? (loading ? labels.loading : options.length === 0 ? labels.empty : labels.count(options.length)) : null}
      </div>
    </>
  );
}

/**
 * The listbox, grouped by provider, rendering only the rows in view.
 *
 * @example
 * <ModelCombobox.List />
 */
export function ModelComboboxList(): ReactNode {
  const { cx, windowed, listboxId, labels, state, listHeight, open, baseId, layout, activeIndex, selectedId, classNames, unstyled, select, highlightByPointer } = useModelComboboxContext('ModelCombobox.List');
  return (
    <div
      ref={windowed.viewportRef}
      role="listbox"
      id={listboxId}
      aria-label={labels.listbox}
      tabIndex={-1}
      className={cx('listbox')}
      data-state={state}
      style={{ maxHeight: listHeight, overflowY: 'auto', position: 'relative' }}
      onScroll={windowed.onScroll}
    >
      {open ? (
        <ModelListRows
          idPrefix={baseId}
          layout={layout}
          start={windowed.start}
          end={windowed.end}
          offsets={windowed.offsets}
          activeIndex={activeIndex}
          selectedId={selectedId}
          labels={labels}
          classNames={classNames}
          unstyled={unstyled}
          onSelect={select}
          onHighlight={highlightByPointer}
        />
      ) : null}
    </div>
  );
}

/**
 * The model combobox without a data source: give it `models` (and `status`), get a searchable, filterable,
 * windowed list grouped by provider. `ModelPicker` is this with the provider's catalog. Built from
 * `ModelCombobox.Root`, `.Input`, `.Popup`, `.Filters`, `.Status` and `.List`.
 *
 * @example
 * <ModelCombobox models={entries} value={model} onValueChange={setModel} />
 */
export function ModelCombobox(props: ModelComboboxProps): ReactNode {
  return (
    <ModelComboboxRoot {...props}>
      <ModelComboboxInput />
      <ModelComboboxPopup />
    </ModelComboboxRoot>
  );
}

ModelCombobox.Root = ModelComboboxRoot;
ModelCombobox.Input = ModelComboboxInput;
ModelCombobox.Popup = ModelComboboxPopup;
ModelCombobox.Filters = ModelComboboxFilters;
ModelCombobox.Status = ModelComboboxStatus;
ModelCombobox.List = ModelComboboxList;
