import type { ModelEntry } from '../../core/chat-types.js';
import type { ModelGroup } from './model-filters.js';

/** Heights of the list's rows in pixels; fixed, so the list is windowed without measuring anything. */
export const GROUP_ROW_HEIGHT = 28;
export const OPTION_ROW_HEIGHT = 58;

export type ModelListRow = { kind: 'group'; group: ModelGroup; groupIndex: number } | { kind: 'option'; model: ModelEntry; optionIndex: number; groupIndex: number };

/** The grouped list flattened into rows (a label row, then its models), with each option's row. */
export interface ModelListLayout {
  rows: ModelListRow[];
  heights: number[];
  /** The options in the order shown: what the arrow keys walk through. */
  options: ModelEntry[];
  rowOfOption: number[];
  groups: ModelGroup[];
}

export const EMPTY_LAYOUT: ModelListLayout = { rows: [], heights: [], options: [], rowOfOption: [], groups: [] };

export function layoutModelList(groups: ModelGroup[]): ModelListLayout {
  const layout: ModelListLayout = { rows: [], heights: [], options: [], rowOfOption: [], groups };
  groups.forEach((group, groupIndex) => {
    layout.rows.push({ kind: 'group', group, groupIndex });
    layout.heights.push(GROUP_ROW_HEIGHT);
    for (const model of group.models) {
      layout.rowOfOption.push(layout.rows.length);
      layout.rows.push({ kind: 'option', model, optionIndex: layout.options.length, groupIndex });
      layout.heights.push(OPTION_ROW_HEIGHT);
      layout.options.push(model);
    }
  });
  return layout;
}

/** The rows from `start` to `end`, cut into runs of one group each (a run may start below its group's label). */
export function segmentRows(rows: readonly ModelListRow[], start: number, end: number): Array<{ groupIndex: number; group: ModelGroup; labelled: boolean; options: Array<Extract<ModelListRow, { kind: 'option' }>> }> {
  const segments: ReturnType<typeof segmentRows> = [];
  for (let index = start; index < end; index += 1) {
    const row = rows[index];
    if (!row) break;
    const last = segments.at(-1);
    if (row.kind === 'group') segments.push({ groupIndex: row.groupIndex, group: row.group, labelled: true, options: [] });
    else if (last && last.groupIndex === row.groupIndex) last.options.push(row);
    else {
      // The window starts inside a group: its label row lies above, the nearest group row.
      let above = index - 1;
      while (above > 0 && rows[above]?.kind !== 'group') above -= 1;
      const header = rows[above];
      if (header?.kind === 'group') segments.push({ groupIndex: row.groupIndex, group: header.group, labelled: false, options: [row] });
    }
  }
  return segments;
}
