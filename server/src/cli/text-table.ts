/**
 * Lays rows out in left-aligned columns under a header, two spaces apart, without trailing spaces.
 * @example
 * formatTable(['name', 'model'], [['chat', 'openai/gpt-4o-mini']]); // ['name  model', 'chat  openai/gpt-4o-mini']
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((width, column) => (cells[column] ?? '').padEnd(width))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** Epoch milliseconds as `2025-01-31 14:05:09Z` (UTC, to the second); `-` for none. */
export function formatTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return '-';
  return new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}
