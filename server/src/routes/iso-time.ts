/** Epoch milliseconds as the ISO strings the API answers with; a missing time (`null`, `undefined`) is `null`. */
export function isoTime(epochMs: number): string;
export function isoTime(epochMs: number | null | undefined): string | null;
export function isoTime(epochMs: number | null | undefined): string | null {
  return epochMs === null || epochMs === undefined ? null : new Date(epochMs).toISOString();
}
