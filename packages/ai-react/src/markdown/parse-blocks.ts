/** Column alignment of a GFM table, from its delimiter row. */
export type TableAlign = 'left' | 'center' | 'right' | undefined;

/** Block markdown as a tree; inline text stays a string, parsed by `parseInline` when it is rendered. */
export type MarkdownBlock =
  | { type: 'paragraph'; text: string }
  | { type: 'heading'; level: 1 | 2 | 3 | 4 | 5 | 6; text: string }
  /** `closed` is false while the closing fence has not arrived: a code block in progress. */
  | { type: 'code'; language: string; code: string; closed: boolean }
  | { type: 'list'; ordered: boolean; start: number; tight: boolean; items: MarkdownBlock[][] }
  | { type: 'table'; align: TableAlign[]; head: string[]; rows: string[][] }
  | { type: 'quote'; children: MarkdownBlock[] }
  | { type: 'rule' };

/** A top-level block with the source lines it came from: equal `raw` means an equal rendering (memoize on it). */
export interface SourceBlock {
  block: MarkdownBlock;
  raw: string;
}

const BLANK = /^\s*$/;
const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:([ \t]+)(.*))?$/;
const DELIMITER_CELL = /^:?-+:?$/;
/** Nesting deeper than this (lists in quotes in lists…) is shown as a paragraph: bounded recursion. */
const MAX_DEPTH = 16;

const indentOf = (line: string) => line.length - line.trimStart().length;

// Headings and delimiter rows are read by hand, once forward: their regular expressions backtracked quadratically
// on long runs of spaces (`# a` + spaces + `b` took seconds).
const isBlank = (char: string | undefined) => char === ' ' || char === '\t';
const trimBlanks = (text: string) => {
  let start = 0;
  let end = text.length;
  while (isBlank(text[start])) start++;
  while (end > start && isBlank(text[end - 1])) end--;
  return text.slice(start, end);
};

/** An ATX heading (`## Title ##`): its level and text, or undefined. */
function readHeading(line: string): { level: 1 | 2 | 3 | 4 | 5 | 6; text: string } | undefined {
  let at = 0;
  while (at < 3 && line[at] === ' ') at++;
  let level = 0;
  while (line[at + level] === '#') level++;
  const after = at + level;
  if (level < 1 || level > 6 || (after < line.length && !isBlank(line[after]))) return undefined;
  let text = trimBlanks(line.slice(after));
  // A closing run of #s goes when it is all there is, or follows a space.
  let hashes = text.length;
  while (hashes > 0 && text[hashes - 1] === '#') hashes--;
  if (hashes < text.length && (hashes === 0 || isBlank(text[hashes - 1]))) text = trimBlanks(text.slice(0, hashes));
  return { level: level as 1, text };
}

/** A table's delimiter row (`| :-- | --: |`): cells of dashes with optional colons, outer pipes optional. */
function isDelimiterRow(line: string): boolean {
  let lead = 0;
  while (isBlank(line[lead])) lead++;
  if (line[lead] === '|' && (lead > 3 || line.slice(0, lead).includes('\t'))) return false;
  let row = trimBlanks(line);
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|')) row = row.slice(0, -1);
  return row !== '' && row.split('|').every((cell) => DELIMITER_CELL.test(trimBlanks(cell)));
}

/** A table row's cells: split on unescaped pipes, outer pipes dropped, `\|` kept as a pipe. */
function splitRow(line: string): string[] {
  const trimmed = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

function tableAt(lines: readonly string[], at: number): { align: TableAlign[]; head: string[] } | undefined {
  const header = lines[at] ?? '';
  const delimiter = lines[at + 1] ?? '';
  if (!header.includes('|') || !isDelimiterRow(delimiter)) return undefined;
  const head = splitRow(header);
  const align = splitRow(delimiter).map((cell): TableAlign => {
    const left = cell.startsWith(':');
    const right = cell.endsWith(':');
    return left && right ? 'center' : right ? 'right' : left ? 'left' : undefined;
  });
  return head.length === align.length ? { align, head } : undefined;
}

/** Whether a line starts a block that ends a paragraph (and is not a lazy continuation of a list or quote). */
const interrupts = (lines: readonly string[], at: number) => {
  const line = lines[at] ?? '';
  const item = LIST_ITEM.exec(line);
  // As in CommonMark, only an ordered list starting at 1 interrupts a paragraph ("2019. was a year" does not).
  const listStarts = item !== null && item[4] !== undefined && (item[1] ?? '').length < 4 && /^(?:[-*+]|1[.)])$/.test(item[2] ?? '');
  return listStarts || FENCE.test(line) || readHeading(line) !== undefined || RULE.test(line) || QUOTE.test(line) || tableAt(lines, at) !== undefined;
};

function parseFence(lines: readonly string[], at: number, match: RegExpExecArray): { block: MarkdownBlock; end: number } {
  const indent = (match[1] ?? '').length;
  const fence = match[2] ?? '```';
  const language = (match[3] ?? '').trim().split(/\s+/)[0] ?? '';
  const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`);
  const body: string[] = [];
  let end = at + 1;
  for (; end < lines.length; end++) {
    const line = lines[end] ?? '';
    if (closing.test(line)) return { block: { type: 'code', language, code: body.join('\n'), closed: true }, end: end + 1 };
    body.push(line.slice(Math.min(indent, indentOf(line))));
  }
  // Still arriving: a last line of only fence characters is the closing fence half-way in; do not show it.
  if (body.length > 0 && new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}+[ \\t]*$`).test(body.at(-1) ?? '')) body.pop();
  return { block: { type: 'code', language, code: body.join('\n'), closed: false }, end };
}

function parseList(lines: readonly string[], at: number, first: RegExpExecArray, depth: number): { block: MarkdownBlock; end: number } {
  const baseIndent = (first[1] ?? '').length;
  const marker = first[2] ?? '-';
  const ordered = /\d/.test(marker);
  const kind = ordered ? marker.at(-1) : marker;
  const items: string[][] = [];
  let tight = true;
  let contentOffset = 0;
  let end = at;
  let blankBefore = false;
  for (; end < lines.length; end++) {
    const line = lines[end] ?? '';
    const item = RULE.test(line) ? null : LIST_ITEM.exec(line);
    const itemIndent = item ? (item[1] ?? '').length : 0;
    if (item && itemIndent <= baseIndent + 1 && (ordered ? /\d/.test(item[2] ?? '') && item[2]?.at(-1) === kind : item[2] === kind)) {
      // A sibling item.
      if (blankBefore && items.length > 0) tight = false;
      const spaces = (item[3] ?? ' ').length;
      contentOffset = itemIndent + (item[2] ?? '').length + (spaces > 4 || item[4] === undefined ? 1 : spaces);
      items.push([item[4] ?? '']);
      blankBefore = false;
      continue;
    }
    const current = items.at(-1) as string[];
    if (BLANK.test(line)) {
      current.push('');
      blankBefore = true;
      continue;
    }
    const indent = indentOf(line);
    if (indent >= Math.min(contentOffset, baseIndent + 2)) {
      // Inside the item (lenient: two spaces of nesting are enough, as models often write).
      if (blankBefore && current.some((text) => !BLANK.test(text))) tight = false;
      current.push(line.slice(Math.min(indent, contentOffset)));
    } else if (!blankBefore && !interrupts(lines, end) && !LIST_ITEM.test(line)) {
      current.push(line.trim()); // a lazy continuation of the item's paragraph
    } else {
      break;
    }
    blankBefore = false;
  }
  // Blank lines after the last item belong to what follows.
  while (end > at && BLANK.test(lines[end - 1] ?? '')) {
    end--;
    (items.at(-1) as string[]).pop();
  }
  const start = ordered ? Number.parseInt(marker, 10) : 1;
  return { block: { type: 'list', ordered, start, tight, items: items.map((item) => parseLines(item, depth + 1).map((entry) => entry.block)) }, end };
}

/** Parses lines into blocks, each with the index of the line after it. */
function parseLines(lines: readonly string[], depth = 0): Array<{ block: MarkdownBlock; start: number; end: number }> {
  const blocks: Array<{ block: MarkdownBlock; start: number; end: number }> = [];
  let at = 0;
  while (at < lines.length) {
    const line = lines[at] ?? '';
    const start = at;
    if (BLANK.test(line)) {
      at++;
      continue;
    }
    const add = (block: MarkdownBlock, end: number) => {
      blocks.push({ block, start, end });
      at = end;
    };
    const fence = FENCE.exec(line);
    const heading = readHeading(line);
    const item = LIST_ITEM.exec(line);
    const table = tableAt(lines, at);
    if (fence && !(fence[2]?.startsWith('`') && fence[3]?.includes('`'))) {
      const parsed = parseFence(lines, at, fence);
      add(parsed.block, parsed.end);
    } else if (heading) {
      add({ type: 'heading', ...heading }, at + 1);
    } else if (RULE.test(line)) {
      add({ type: 'rule' }, at + 1);
    } else if (depth < MAX_DEPTH && QUOTE.test(line)) {
      const quoted: string[] = [];
      let end = at;
      for (; end < lines.length; end++) {
        const match = QUOTE.exec(lines[end] ?? '');
        if (match) quoted.push(match[1] ?? '');
        else if (!BLANK.test(lines[end] ?? '') && !BLANK.test(quoted.at(-1) ?? '') && !interrupts(lines, end)) quoted.push(lines[end] ?? '');
        else break;
      }
      add({ type: 'quote', children: parseLines(quoted, depth + 1).map((entry) => entry.block) }, end);
    } else if (depth < MAX_DEPTH && item && (item[1] ?? '').length < 4) {
      const parsed = parseList(lines, at, item, depth);
      add(parsed.block, parsed.end);
    } else if (table) {
      let end = at + 2;
      const rows: string[][] = [];
      while (end < lines.length && !BLANK.test(lines[end] ?? '') && (lines[end] ?? '').includes('|') && !interrupts(lines, end)) {
        const cells = splitRow(lines[end] ?? '');
        rows.push(table.head.map((_, index) => cells[index] ?? ''));
        end++;
      }
      add({ type: 'table', ...table, rows }, end);
    } else {
      let end = at + 1;
      while (end < lines.length && !BLANK.test(lines[end] ?? '') && !interrupts(lines, end)) end++;
      add({ type: 'paragraph', text: lines.slice(at, end).map((text) => text.trimStart()).join('\n').trimEnd() }, end);
    }
  }
  return blocks;
}

/**
 * Parses markdown into top-level blocks, each with its source. Tolerant of text still arriving: an unclosed
 * code fence is a code block in progress (`closed: false`), and unclosed emphasis stays text.
 *
 * @example
 * parseMarkdown('# Title\n\n- one\n- two').map((entry) => entry.block.type); // ['heading', 'list']
 */
export function parseMarkdown(source: string): SourceBlock[] {
  return continueMarkdown(undefined, source).blocks;
}

/** A parse that the next, longer text of a stream can continue from (see `continueMarkdown`). */
export interface MarkdownParse {
  source: string;
  blocks: SourceBlock[];
  /** The line each block starts on. */
  starts: number[];
}

// Leading tabs count as four spaces each, as CommonMark's tab stops mostly do.
const toLines = (source: string) => source.replace(/\r\n?/g, '\n').split('\n').map((line) => line.replace(/^\t+/, (tabs) => '    '.repeat(tabs.length)));

/**
 * Parses `source`, reusing a parse of text it continues (a stream's previous frame): only the last two blocks are
 * parsed again, since text added at the end can change only the block it extends and, through its first line, the
 * one before (a `#` that becomes `#a` is no heading but the paragraph's next line). Earlier blocks keep their
 * objects, so their rendering is skipped too. Any other `previous` is ignored.
 *
 * @example
 * let parse = continueMarkdown(undefined, 'Hello');
 * parse = continueMarkdown(parse, 'Hello, world\n\n- one'); // parse.blocks: paragraph, list
 */
export function continueMarkdown(previous: MarkdownParse | undefined, source: string): MarkdownParse {
  const lines = toLines(source);
  const keep = previous && source.startsWith(previous.source) ? Math.max(0, previous.blocks.length - 2) : 0;
  const from = keep > 0 ? (previous?.starts[keep] as number) : 0;
  const blocks = previous ? previous.blocks.slice(0, keep) : [];
  const starts = previous ? previous.starts.slice(0, keep) : [];
  for (const { block, start, end } of parseLines(lines.slice(from))) {
    blocks.push({ block, raw: lines.slice(from + start, from + end).join('\n') });
    starts.push(from + start);
  }
  return { source, blocks, starts };
}

const sameList = <T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean) => a.length === b.length && a.every((value, index) => same(value, b[index] as T));
const sameText = (a: string | undefined, b: string | undefined) => a === b;

/** Whether two parsed blocks are equal, field by field (a list item parsed again each frame of a stream is a new object). */
export function sameBlock(a: MarkdownBlock, b: MarkdownBlock): boolean {
  switch (a.type) {
    case 'paragraph':
      return b.type === 'paragraph' && a.text === b.text;
    case 'heading':
      return b.type === 'heading' && a.level === b.level && a.text === b.text;
    case 'code':
      return b.type === 'code' && a.language === b.language && a.code === b.code && a.closed === b.closed;
    case 'rule':
      return b.type === 'rule';
    case 'quote':
      return b.type === 'quote' && sameBlocks(a.children, b.children);
    case 'list':
      return b.type === 'list' && a.ordered === b.ordered && a.start === b.start && a.tight === b.tight && sameList(a.items, b.items, sameBlocks);
    case 'table':
      return b.type === 'table' && sameList(a.align, b.align, sameText) && sameList(a.head, b.head, sameText) && sameList(a.rows, b.rows, (x, y) => sameList(x, y, sameText));
  }
}

/** Whether two lists of blocks are equal (see `sameBlock`). */
export function sameBlocks(a: readonly MarkdownBlock[], b: readonly MarkdownBlock[]): boolean {
  return sameList(a, b, sameBlock);
}
