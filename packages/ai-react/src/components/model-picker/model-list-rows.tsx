'use client';
import type { ReactNode } from 'react';
import { classes } from '../../primitives/ai-root.js';
import { GROUP_ROW_HEIGHT, OPTION_ROW_HEIGHT, segmentRows, type ModelListLayout } from './model-list-layout.js';
import { ModelOption, type ModelPickerClassNames } from './model-option.js';
import type { ModelPickerLabels } from './model-picker-labels.js';

export interface ModelListRowsProps {
  /** Prefix of the option and group ids (the combobox's `aria-activedescendant` points at an option id). */
  idPrefix: string;
  layout: ModelListLayout;
  /** The rows in view, from the windowing hook. */
  start: number;
  end: number;
  offsets: readonly number[];
  activeIndex: number;
  selectedId: string;
  labels: ModelPickerLabels;
  classNames: ModelPickerClassNames | undefined;
  unstyled: boolean | undefined;
  onSelect(index: number): void;
  onHighlight(index: number): void;
}

const OPTION_STYLE = { height: OPTION_ROW_HEIGHT };
const GROUP_LABEL_STYLE = { height: GROUP_ROW_HEIGHT };

/** The id of option `index` of a list. */
export const optionIdOf = (idPrefix: string, index: number) => `${idPrefix}-option-${index}`;

/**
 * The rows of the listbox that are in view: a spacer as tall as the whole list, and inside it, moved down to the
 * first row shown, each provider's `role="group"` (labelled by its label row, or by `aria-label` when the window
 * starts below it) with its options.
 */
export function ModelListRows(props: ModelListRowsProps): ReactNode {
  const { idPrefix, layout, start, end, offsets, activeIndex, selectedId, labels, classNames, unstyled, onSelect, onHighlight } = props;
  if (layout.rows.length === 0) return null;
  const setSize = layout.options.length;
  return (
    <div style={{ height: offsets.at(-1), position: 'relative' }}>
      <div style={{ transform: `translateY(${offsets[start] ?? 0}px)` }}>
        {segmentRows(layout.rows, start, end).map((segment) => {
          const groupLabelId = `${idPrefix}-group-${segment.groupIndex}`;
          return (
            <div
              key={segment.groupIndex}
              role="group"
              aria-labelledby={segment.labelled ? groupLabelId : undefined}
              aria-label={segment.labelled ? undefined : segment.group.label}
              className={classes(unstyled, 'ia-model-picker__group', classNames?.group)}
              data-provider={segment.group.provider}
            >
              {segment.labelled ? (
                <div id={groupLabelId} className={classes(unstyled, 'ia-model-picker__group-label', classNames?.groupLabel)} style={GROUP_LABEL_STYLE}>
                  {segment.group.label}
                </div>
              ) : null}
              {segment.options.map(({ model, optionIndex }) => (
                <ModelOption
                  key={model.id}
                  id={optionIdOf(idPrefix, optionIndex)}
                  model={model}
                  index={optionIndex}
                  setSize={setSize}
                  active={optionIndex === activeIndex}
                  checked={model.id === selectedId}
                  style={OPTION_STYLE}
                  labels={labels}
                  classNames={classNames}
                  unstyled={unstyled}
                  onSelect={onSelect}
                  onHighlight={onHighlight}
                />
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
