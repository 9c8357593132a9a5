'use client';
import { memo, type CSSProperties, type ReactNode } from 'react';
import type { ModelEntry } from '../../core/chat-types.js';
import { classes } from '../../primitives/ai-root.js';
import { visuallyHidden } from '../../primitives/visually-hidden.js';
import { ModelFacts } from './model-facts.js';
import { isFreeModel } from './model-filters.js';
import type { ModelPickerLabels } from './model-picker-labels.js';

/** The parts of a ModelPicker that take a class name of their own. */
export type ModelPickerSlot =
  | 'root'
  | 'label'
  | 'control'
  | 'input'
  | 'toggle'
  | 'popup'
  | 'filters'
  | 'filter'
  | 'status'
  | 'listbox'
  | 'group'
  | 'groupLabel'
  | 'option'
  | 'optionName'
  | 'badge'
  | 'facts';

export type ModelPickerClassNames = Partial<Record<ModelPickerSlot, string>>;

export interface ModelOptionProps {
  id: string;
  model: ModelEntry;
  index: number;
  setSize: number;
  /** The option the keyboard is on (`aria-selected`, as the APG combobox marks it). */
  active: boolean;
  /** The model chosen (the picker's value). */
  checked: boolean;
  style: CSSProperties;
  labels: ModelPickerLabels;
  classNames: ModelPickerClassNames | undefined;
  unstyled: boolean | undefined;
  onSelect(index: number): void;
  onHighlight(index: number): void;
}

/**
 * One model in the list; memoised, so moving the highlight re-renders two options, not the window.
 *
 * The option holds the model's name only, which is its accessible name (what a screen reader says on each arrow
 * key, and what a user or a test looks for). The badge and the facts lie over the same row, `aria-hidden` and
 * transparent to the pointer, and are the option's description: axe's label-content-name-mismatch wants every
 * text inside an option to be part of its name.
 */
export const ModelOption = /* @__PURE__ */ memo(function ModelOption(props: ModelOptionProps): ReactNode {
  const { id, model, index, setSize, active, checked, style, labels, classNames, unstyled, onSelect, onHighlight } = props;
  const free = isFreeModel(model);
  const state = checked ? 'checked' : 'unchecked';
  const highlighted = active ? '' : undefined;
  return (
    <div className={classes(unstyled, 'ia-model-option__row')} style={style} data-state={state} data-highlighted={highlighted}>
      <div
        role="option"
        id={id}
        aria-selected={active}
        aria-posinset={index + 1}
        aria-setsize={setSize}
        aria-describedby={[free ? `${id}-free` : '', `${id}-facts`, checked ? `${id}-checked` : ''].filter(Boolean).join(' ')}
        data-state={state}
        data-highlighted={highlighted}
        data-model-id={model.id}
        className={classes(unstyled, 'ia-model-option', classNames?.option)}
        // The input keeps the focus (the listbox is reached through aria-activedescendant).
        onMouseDown={(event) => event.preventDefault()}
        onClick={() => onSelect(index)}
        onPointerMove={active ? undefined : () => onHighlight(index)}
      >
        <span className={classes(unstyled, 'ia-model-option__name', classNames?.optionName)}>{model.name}</span>
      </div>
      <div aria-hidden="true" className={classes(unstyled, 'ia-model-option__details')}>
        <span className={classes(unstyled, 'ia-model-option__marks')}>
          {free ? (
            <span id={`${id}-free`} className={classes(unstyled, 'ia-model-option__badge', classNames?.badge)} data-kind="free">
              {labels.free}
            </span>
          ) : null}
          {checked ? <span className={classes(unstyled, 'ia-model-option__check')}>✓</span> : null}
        </span>{' '}
        <ModelFacts id={`${id}-facts`} model={model} labels={labels} unstyled={unstyled} className={classes(unstyled, 'ia-model-option__facts', classNames?.facts)} />
        {checked ? (
          <span id={`${id}-checked`} style={visuallyHidden}>
            {labels.selected}
          </span>
        ) : null}
      </div>
    </div>
  );
});
