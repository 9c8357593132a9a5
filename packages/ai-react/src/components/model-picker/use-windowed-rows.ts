'use client';
import { useCallback, useLayoutEffect, useMemo, useRef, useState, type RefObject, type UIEvent } from 'react';

export interface WindowedRows {
  /** The first row to render, and one past the last. */
  start: number;
  end: number;
  /** `offsets[i]`: the top of row `i`; `offsets[rows]`: the height of them all. */
  offsets: readonly number[];
  viewportRef: RefObject<HTMLDivElement | null>;
  onScroll(event: UIEvent<HTMLElement>): void;
  /** Scrolls just enough for row `index` (and `rowsAbove` rows above it, a group's label) to be in view. */
  scrollRowIntoView(index: number, rowsAbove?: number): void;
  /** Scrolls to put row `index` in the middle of the viewport (as far as the list allows). */
  scrollRowToCenter(index: number): void;
}

/** The first row whose bottom lies below `y`. */
function rowAt(offsets: readonly number[], y: number): number {
  let low = 0;
  let high = offsets.length - 2;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((offsets[middle + 1] ?? 0) > y) high = middle;
    else low = middle + 1;
  }
  return Math.max(0, low);
}

/**
 * A list of rows of known heights in a scrolling viewport of known height: only the rows in view (plus
 * `overscan` either side) are rendered, so several hundred models cost what a dozen do. The heights are given,
 * not measured, so it works the same where nothing is laid out (jsdom, a server).
 *
 * @example
 * const rows = useWindowedRows(heights, 320);
 * <div ref={rows.viewportRef} onScroll={rows.onScroll}>…rows.start to rows.end…</div>
 */
export function useWindowedRows(heights: readonly number[], viewportHeight: number, overscan = 2): WindowedRows {
  const offsets = useMemo(() => {
    const tops = [0];
    for (const height of heights) tops.push((tops.at(-1) ?? 0) + height);
    return tops;
  }, [heights]);
  const [scrollTop, setScrollTop] = useState(0);
  const viewportRef = useRef<HTMLDivElement | null>(null);
  const total = offsets.at(-1) ?? 0;
  const top = Math.min(scrollTop, Math.max(0, total - viewportHeight));

  // What the state says is where the element is: set it before paint, as the window was computed for it.
  useLayoutEffect(() => {
    const viewport = viewportRef.current;
    if (viewport && Math.abs(viewport.scrollTop - top) > 1) viewport.scrollTop = top;
  }, [top]);

  const onScroll = useCallback((event: UIEvent<HTMLElement>) => setScrollTop(event.currentTarget.scrollTop), []);
  const latest = useRef({ offsets, top, viewportHeight });
  latest.current = { offsets, top, viewportHeight };
  const scrollRowIntoView = useCallback((index: number, rowsAbove = 0) => {
    const { offsets: tops, top: current, viewportHeight: height } = latest.current;
    const rowTop = tops[Math.max(0, index - rowsAbove)];
    const rowBottom = tops[index + 1];
    if (rowTop === undefined || rowBottom === undefined) return;
    if (rowTop < current) setScrollTop(rowTop);
    else if (rowBottom > current + height) setScrollTop(rowBottom - height);
  }, []);
  const scrollRowToCenter = useCallback((index: number) => {
    const { offsets: tops, viewportHeight: height } = latest.current;
    const rowTop = tops[index] ?? 0;
    const rowHeight = (tops[index + 1] ?? rowTop) - rowTop;
    setScrollTop(Math.max(0, rowTop - (height - rowHeight) / 2));
  }, []);

  const rows = heights.length;
  const first = rows === 0 ? 0 : rowAt(offsets, top);
  const last = rows === 0 ? 0 : rowAt(offsets, top + viewportHeight - 1) + 1;
  return { start: Math.max(0, first - overscan), end: Math.min(rows, last + overscan), offsets, viewportRef, onScroll, scrollRowIntoView, scrollRowToCenter };
}
