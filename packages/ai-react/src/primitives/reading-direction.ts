/** Which way an element's text and inline content run. */
export type ReadingDirection = 'ltr' | 'rtl';

/**
 * The direction an element is drawn in, as the browser computed it: a `dir` on it or on any ancestor (the page's, or
 * only an app's wrapper), or CSS `direction`. Read when it is needed (a key pressed, a dialog opened), so a page that
 * switches direction is followed.
 *
 * @example
 * readingDirection(event.currentTarget); // 'rtl' inside <div dir="rtl">
 */
export function readingDirection(element: Element): ReadingDirection {
  return getComputedStyle(element).direction === 'rtl' ? 'rtl' : 'ltr';
}

/**
 * The step an arrow key takes through items drawn in a row, as WAI-ARIA's patterns and native radios move: → to the
 * next item left to right, but to the previous one right to left (it sits on the right there), ← the other way;
 * with `vertical`, ↓ the next and ↑ the previous in either direction. 0 for any other key.
 *
 * @example
 * const step = arrowStep(event.key, event.currentTarget); // -1 for → in a right-to-left page
 */
export function arrowStep(key: string, element: Element, { vertical = false }: { vertical?: boolean } = {}): -1 | 0 | 1 {
  if (vertical && (key === 'ArrowDown' || key === 'ArrowUp')) return key === 'ArrowDown' ? 1 : -1;
  if (key !== 'ArrowRight' && key !== 'ArrowLeft') return 0;
  return (key === 'ArrowRight') === (readingDirection(element) === 'ltr') ? 1 : -1;
}
