/**
 * Lays rows out in left-aligned columns under a header, two spaces apart, without trailing spaces; each cell
 * `printable`.
 * @example
 * formatTable(['name', 'model'], [['chat', 'openai/gpt-4o-mini']]); // ['name  model', 'chat  openai/gpt-4o-mini']
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const cells = rows.map((row) => row.map(printable));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((width, column) => (cells[column] ?? '').padEnd(width))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)];
}

/** Epoch milliseconds as `2025-01-31 14:05:09Z` (UTC, to the second); `-` for none. */
export function formatTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return '-';
  return new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A stored text as it may reach a terminal: control characters (a line break that forges a table row, an escape
 * sequence that clears or recolours the screen), bidi controls and invisible characters written out as `\n` or
 * `\uXXXX`. Labels, user ids and error messages come from the admin API, end users and upstream answers.
 * @example
 * printable('intern\n\u001b[2K'); // 'intern\\n\\u001b[2K'
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (char) =>
    NAMED_ESCAPES[char] ?? char.replace(/[^]/g, (unit) => `\\u${(unit.charCodeAt(0) + 0x10000).toString(16).slice(1)}`),
  );
}
