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

/** How many lines of code make a group: the unit in which a growing code block is kept and rendered. */
export const CODE_GROUP_LINES = 64;

type LineGroups = readonly (readonly string[])[];
const codeGroups = new WeakMap<MarkdownBlock, LineGroups>();

/** `groups` with `more` lines after them, in new groups of `CODE_GROUP_LINES`; the full groups stay shared. */
function appendLines(groups: LineGroups, more: readonly string[]): LineGroups {
  if (more.length === 0) return groups;
  const next = groups.slice();
  let last = (groups.at(-1)?.length ?? CODE_GROUP_LINES) < CODE_GROUP_LINES ? (next.pop() as string[]).slice() : [];
  for (const line of more) {
    if (last.length === CODE_GROUP_LINES) {
      next.push(last);
      last = [];
    }
    last.push(line);
  }
  next.push(last);
  return next;
}

/**
 * A code block's lines in groups of `CODE_GROUP_LINES`. Those of a parsed block are kept, not split again: while a
 * long block streams, its code is a concatenation of what arrived, which would cost the whole block to read.
 *
 * @example
 * codeLineGroups(parseMarkdown('```\na\nb\n```')[0].block); // [['a', 'b']]
 */
export function codeLineGroups(block: Extract<MarkdownBlock, { type: 'code' }>): LineGroups {
  return codeGroups.get(block) ?? [block.code.split('\n')];
}

function parseFence(lines: readonly string[], at: number, match: RegExpExecArray, resumes?: Resumes): Parsed {
  const indent = (match[1] ?? '').length;
  const fence = match[2] ?? '```';
  const language = (match[3] ?? '').trim().split(/\s+/)[0] ?? '';
  const char = fence[0] === '`' ? '`' : '~';
  const closing = new RegExp(`^ {0,3}${char}{${fence.length},}[ \\t]*$`);
  const taken = resumed(resumes, at, 'code');
  // The body lines of an earlier frame are kept (in groups, and joined in `code`), then the lines read now.
  const from = taken ? taken.line : at + 1;
  const body: string[] = [];
  let end = from;
  while (end < lines.length && !closing.test(lines[end] ?? '')) {
    const line = lines[end++] ?? '';
    body.push(line.slice(Math.min(indent, indentOf(line))));
  }
  const closed = end < lines.length;
  // Still arriving: a last line of only fence characters is the closing fence half-way in; do not show it.
  if (!closed && new RegExp(`^ {0,3}${char}+[ \\t]*$`).test(body.at(-1) ?? '')) body.pop();
  const line = resumes ? Math.min(end, resumes.last) : 0;
  const final = body.slice(0, Math.max(0, line - from));
  const groups = appendLines(taken?.groups ?? [], final);
  const block: MarkdownBlock = { type: 'code', language, code: joinCode(taken?.code, body) ?? '', closed };
  codeGroups.set(block, appendLines(groups, body.slice(final.length)));
  const after = closed ? end + 1 : end;
  return resumable(lines, at, block, after, line, resumes, taken, () => ({ type: 'code', groups, code: joinCode(taken?.code, final) }));
}

/** Code lines joined after `known`, the lines before them joined (undefined when there are none). */
const joinCode = (known: string | undefined, more: readonly string[]) => (more.length === 0 ? known : known === undefined ? more.join('\n') : `${known}\n${more.join('\n')}`);

/**
 * Where the parse of a block of a stream can be taken up again on a longer text: its state before line `line`, a line
 * that is final (see `Resumes`). A list keeps its items before the last (each line goes to the last item, so they never
 * change) and its state, and its last item as a quote keeps its contents. A code fence keeps its body lines joined. A
 * quote keeps its final lines and the parse of them, which resumes in turn (see `continueLines`).
 */
type Resume = { line: number; raw: string } & (
  | ({ type: 'list'; items: MarkdownBlock[][]; parse: LinesParse } & ListState)
  | { type: 'table'; rows: string[][] }
  | { type: 'code'; groups: LineGroups; code: string | undefined }
  | { type: 'quote'; quoted: FinalLines; parse: LinesParse }
);

/**
 * A list's state before a line: whether it is tight so far, and its last item's: its lines, the blank lines after
 * them (they go in the item only if more of it follows), and what decides where its next line goes.
 */
interface ListState {
  tight: boolean;
  blankBefore: boolean;
  lines: FinalLines;
  blanks: number;
  hasText: boolean;
  contentOffset: number;
}

/**
 * The final lines of a frame of a stream: the first `count` of `lines`, an array the frames share. A frame that goes
 * on from the newest one pushes its lines onto it (copying them each frame would cost the whole answer); one that goes
 * on from an older frame (the same frame rendered twice) copies them.
 */
interface FinalLines {
  lines: string[];
  count: number;
}

/** How many lines of each shared array are final: no frame changes those. */
const finalCounts = new WeakMap<string[], number>();

/** The final lines of `known`, as an array to push more onto (see `FinalLines`). */
function reopen(known: FinalLines | undefined): string[] {
  if (!known) return [];
  const { lines, count } = known;
  if (finalCounts.get(lines) !== count) return lines.slice(0, count);
  lines.length = count;
  return lines;
}

/** The first `count` of `lines` as final. */
function settle(lines: string[], count: number): FinalLines {
  finalCounts.set(lines, count);
  return { lines, count };
}

/** A block parsed from lines: its first line, the line after it, and its source when a resume has it joined. */
interface Parsed {
  block: MarkdownBlock;
  start?: number;
  end: number;
  raw?: string | undefined;
}

/** A parse of lines of which the first `settled` were final, with the resumes of its blocks (see `continueLines`). */
interface LinesParse {
  entries: Parsed[];
  settled: number;
  resumes: ReadonlyMap<number, Resume>;
}

const resumed = <T extends Resume['type']>(resumes: Resumes | undefined, at: number, type: T) => {
  const resume = resumes?.previous?.get(at);
  return resume?.type === type ? (resume as Extract<Resume, { type: T }>) : undefined;
};

/**
 * A block parsed from line `at` to `end`, with its resume at `line` (a final line after `at`; none when it is not):
 * `state` is its state there. Its source is joined from the resume's, so a growing block's is not joined again.
 */
function resumable(lines: readonly string[], at: number, block: MarkdownBlock, end: number, line: number, resumes: Resumes | undefined, taken: Resume | undefined, state: () => DistributiveOmit<Resume, 'line' | 'raw'>): Parsed {
  if (!resumes || line <= at) return { block, end };
  // Inside a quote or a list item, a block's source is never read: it is not joined.
  const raw = resumes.inner ? '' : joinLines(lines, at, line, taken);
  resumes.next.set(at, { ...state(), line, raw } as Resume);
  return { block, end, raw: resumes.inner ? undefined : joinLines(lines, at, end, { line, raw }) };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Lines `at` to `to` joined, from `known` lines `at` to `known.line` already joined: a growing block's source is not
 * joined again each frame (a concatenation of strings is cheap until it is read).
 */
function joinLines(lines: readonly string[], at: number, to: number, known: { line: number; raw: string } | undefined): string {
  if (!known || known.line > to || known.line === at) return lines.slice(at, to).join('\n');
  return known.line === to ? known.raw : `${known.raw}\n${lines.slice(known.line, to).join('\n')}`;
}

/**
 * The resumes of a stream's lists, tables, code fences and quotes, by their first line: those of the last parse (`previous`),
 * and those of this one (`next`), which may start at lines up to `last`: that line and those before it are final (a
 * settled line break ends each), as they must be, since deciding a line can read the next (a delimiter row). A list's
 * may start after `last` when that line starts an item: deciding that reads no other line.
 */
interface Resumes {
  previous: ReadonlyMap<number, Resume> | undefined;
  next: Map<number, Resume>;
  last: number;
  inner?: boolean;
}

function parseList(lines: readonly string[], at: number, first: RegExpExecArray, depth: number, resumes?: Resumes): Parsed {
  const baseIndent = (first[1] ?? '').length;
  const marker = first[2] ?? '-';
  const ordered = /\d/.test(marker);
  const kind = ordered ? marker.at(-1) : marker;
  const taken = resumed(resumes, at, 'list');
  // The items parsed by an earlier frame, then the lines of those read now, the first the one it left open.
  const done = taken ? taken.items : [];
  const items: string[][] = taken ? [reopen(taken.lines)] : [];
  let { tight, blankBefore, blanks, hasText, contentOffset, line: end } = taken ?? { tight: true, blankBefore: false, blanks: 0, hasText: false, contentOffset: 0, line: at };
  const last = resumes ? resumes.last : -1;
  // The state before the last final line (or the end, when the list ends before it; or after it, when it starts an
  // item, which reads no other line), for the next frame; until then, the one taken up.
  const state = (line: number) => ({ line, tight, blankBefore, blanks, hasText, contentOffset, index: items.length - 1, count: items.at(-1)?.length ?? 0 });
  let checkpoint = taken && state(end);
  for (; end < lines.length; end++) {
    if (end === last) checkpoint = state(end);
    const line = lines[end] ?? '';
    if (BLANK.test(line)) {
      blanks++;
      blankBefore = true;
      continue;
    }
    const item = RULE.test(line) ? null : LIST_ITEM.exec(line);
    const itemIndent = item ? (item[1] ?? '').length : 0;
    const sibling = item && itemIndent <= baseIndent + 1 && (ordered ? /\d/.test(item[2] ?? '') && item[2]?.at(-1) === kind : item[2] === kind);
    const indent = sibling ? 0 : indentOf(line);
    // Inside the item (lenient: two spaces of nesting are enough, as models often write), or a lazy continuation of its paragraph.
    const inside = indent >= Math.min(contentOffset, baseIndent + 2);
    if (!sibling && !inside && (blankBefore || interrupts(lines, end) || LIST_ITEM.test(line))) break;
    for (; blanks > 0; blanks--) items.at(-1)?.push('');
    if (sibling) {
      if (blankBefore && done.length + items.length > 0) tight = false;
      const spaces = (item[3] ?? ' ').length;
      contentOffset = itemIndent + (item[2] ?? '').length + (spaces > 4 || item[4] === undefined ? 1 : spaces);
      items.push([item[4] ?? '']);
      hasText = item[4] !== undefined && !BLANK.test(item[4]);
    } else {
      if (inside && blankBefore && hasText) tight = false;
      items.at(-1)?.push(inside ? line.slice(Math.min(indent, contentOffset)) : line.trim());
      hasText = true;
    }
    blankBefore = false;
    if (sibling && end === last) checkpoint = state(end + 1);
  }
  const cut = end <= last ? state(end) : checkpoint;
  end -= blanks;
  const start = ordered ? Number.parseInt(marker, 10) : 1;
  // The item open at the checkpoint is parsed for the next frame to take up; the one an earlier frame left open, from there.
  const parses = items.map((item, index) => {
    const isOpen = index === cut?.index;
    return isOpen || (index === 0 && taken) ? continueLines(item, isOpen ? cut.count : 0, depth + 1, index === 0 ? taken?.parse : undefined) : undefined;
  });
  const parsed = done.concat(items.map((item, index) => (parses[index]?.entries ?? parseLines(item, depth + 1)).map((entry) => entry.block)));
  const block: MarkdownBlock = { type: 'list', ordered, start, tight, items: parsed };
  const parse = cut && parses[cut.index];
  if (!cut || !parse) return { block, end };
  return resumable(lines, at, block, end, cut.line, resumes, taken, () => ({ type: 'list', ...cut, items: parsed.slice(0, done.length + cut.index), lines: settle(items[cut.index] as string[], cut.count), parse }));
}

function parseTable(lines: readonly string[], at: number, table: { align: TableAlign[]; head: string[] }, resumes?: Resumes): Parsed {
  const taken = resumed(resumes, at, 'table');
  // Rows never change once the lines after them are final: an earlier frame's rows are kept.
  const added: string[][] = [];
  let end = taken ? taken.line : at + 2;
  while (end < lines.length && !BLANK.test(lines[end] ?? '') && (lines[end] ?? '').includes('|') && !interrupts(lines, end)) {
    const cells = splitRow(lines[end] ?? '');
    added.push(table.head.map((_, index) => cells[index] ?? ''));
    end++;
  }
  const rows = taken ? taken.rows.concat(added) : added;
  const block: MarkdownBlock = { type: 'table', ...table, rows };
  const line = resumes ? Math.min(end, resumes.last) : 0;
  // Not before the first row: the header and delimiter rows are read again.
  return resumable(lines, at, block, end, line < at + 2 ? at : line, resumes, taken, () => ({ type: 'table', rows: rows.slice(0, line - at - 2) }));
}

/**
 * A block quote from line `at`: its lines without their `>` (lazy lines as they are), parsed as markdown. In a stream,
 * it takes up the lines an earlier frame found final, and their parse.
 */
function parseQuote(lines: readonly string[], at: number, depth: number, resumes?: Resumes): Parsed {
  const taken = resumed(resumes, at, 'quote');
  const quoted = reopen(taken?.quoted);
  // A quoted line is final when the line after it is: whether it is quoted can depend on that one (a delimiter row).
  const last = resumes ? resumes.last : -1;
  let settled = 0;
  let end = taken ? taken.line : at;
  for (; end < lines.length; end++) {
    if (end === last) settled = quoted.length;
    const match = QUOTE.exec(lines[end] ?? '');
    if (match) quoted.push(match[1] ?? '');
    else if (!BLANK.test(lines[end] ?? '') && !BLANK.test(quoted.at(-1) ?? '') && !interrupts(lines, end)) quoted.push(lines[end] ?? '');
    else break;
  }
  if (end <= last) settled = quoted.length;
  const parse = continueLines(quoted, settled, depth + 1, taken?.parse);
  const block: MarkdownBlock = { type: 'quote', children: parse.entries.map((entry) => entry.block) };
  const line = Math.min(end, last);
  return resumable(lines, at, block, end, line, resumes, taken, () => ({ type: 'quote', quoted: settle(quoted, settled), parse }));
}

/**
 * Parses `lines`, the first `settled` of them final, taking up `previous`, a parse of the same lines as far as its
 * final ones went: its blocks that only final lines decided are kept (deciding a block reads at most the first two
 * lines of the next), the others parsed again, their lists, tables, fences and quotes resumed.
 */
function continueLines(lines: readonly string[], settled: number, depth: number, previous: LinesParse | undefined): LinesParse {
  const old = previous?.entries ?? [];
  let keep = old.length - 1;
  while (keep > 0 && (old[keep]?.start ?? 0) + 2 > (previous?.settled ?? 0)) keep--;
  const resumes: Resumes = { previous: previous?.resumes, next: new Map(), last: settled - 1, inner: true };
  const entries = keep > 0 ? old.slice(0, keep).concat(parseLines(lines, depth, old[keep]?.start, resumes)) : parseLines(lines, depth, 0, resumes);
  return { entries, settled, resumes: resumes.next };
}

/**
 * Parses lines from `from` into blocks, each with its first line and the line after it. `resumes` are for a stream:
 * its lists, tables, fences and quotes are taken up where an earlier frame left them.
 */
function parseLines(lines: readonly string[], depth = 0, from = 0, resumes?: Resumes): Array<Parsed & { start: number }> {
  const blocks: Array<Parsed & { start: number }> = [];
  let at = from;
  while (at < lines.length) {
    const line = lines[at] ?? '';
    const start = at;
    if (BLANK.test(line)) {
      at++;
      continue;
    }
    const add = (block: MarkdownBlock, end: number, raw?: string) => {
      blocks.push({ block, start, end, raw });
      at = end;
    };
    const fence = FENCE.exec(line);
    const heading = readHeading(line);
    const item = LIST_ITEM.exec(line);
    const table = tableAt(lines, at);
    if (fence && !(fence[2]?.startsWith('`') && fence[3]?.includes('`'))) {
      const parsed = parseFence(lines, at, fence, resumes);
      add(parsed.block, parsed.end, parsed.raw);
    } else if (heading) {
      add({ type: 'heading', ...heading }, at + 1);
    } else if (RULE.test(line)) {
      add({ type: 'rule' }, at + 1);
    } else if (depth < MAX_DEPTH && QUOTE.test(line)) {
      const parsed = parseQuote(lines, at, depth, resumes);
      add(parsed.block, parsed.end, parsed.raw);
    } else if (depth < MAX_DEPTH && item && (item[1] ?? '').length < 4) {
      const parsed = parseList(lines, at, item, depth, resumes);
      add(parsed.block, parsed.end, parsed.raw);
    } else if (table) {
      const parsed = parseTable(lines, at, table, resumes);
      add(parsed.block, parsed.end, parsed.raw);
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
 * code fence is a code block in progress (`closed: false`), and unclosed emphasis stays text. The blocks are those
 * `continueMarkdown` gives, without the state it keeps for the next frame of a stream.
 *
 * @example
 * parseMarkdown('# Title\n\n- one\n- two').map((entry) => entry.block.type); // ['heading', 'list']
 */
export function parseMarkdown(source: string): SourceBlock[] {
  const lines = toLines(source);
  return parseLines(lines).map((entry) => sourceBlock(lines, entry));
}

/** A top-level block and its source: the one a resume joined, or its lines joined. */
const sourceBlock = (lines: readonly string[], { block, start, end, raw }: { block: MarkdownBlock; start: number; end: number; raw?: string | undefined }): SourceBlock => ({ block, raw: raw ?? joinLines(lines, start, end, undefined) });

/** A parse that the next, longer text of a stream can continue from (see `continueMarkdown`). */
export interface MarkdownParse {
  source: string;
  blocks: SourceBlock[];
  /** The line each block starts on. */
  starts: number[];
}

// Leading tabs count as four spaces each, as CommonMark's tab stops mostly do.
const toLines = (source: string) => source.replace(/\r\n?/g, '\n').split('\n').map((line) => line.replace(/^\t+/, (tabs) => '    '.repeat(tabs.length)));

/** What a parse keeps for the next frame of its stream, beside what it shows. */
interface ParseState {
  /** The final lines: each ends in a line break that more text cannot change. */
  lines: FinalLines;
  /** Where the text after them starts. */
  tail: number;
  resumes: ReadonlyMap<number, Resume>;
}

const states = new WeakMap<MarkdownParse, ParseState>();

/** The offset after the last line break of `source` that more text cannot change (a last `\r` may become `\r\n`). */
function settledTail(source: string): number {
  const end = source.endsWith('\r') ? source.length - 2 : source.length - 1;
  const newline = source.lastIndexOf('\n', end);
  // A lone `\r` breaks a line too; only one after the last `\n` is looked for (not through the whole text).
  const carriage = source.slice(newline + 1, end + 1).lastIndexOf('\r');
  return (carriage === -1 ? newline : newline + 1 + carriage) + 1;
}

const lineBreaks = (text: string) => text.replace(/\r\n?/g, '\n').split('\n').length - 1;

/**
 * Parses `source`, reusing a parse of text it continues (a stream's previous frame): only the last two blocks are
 * parsed again, since text added at the end can change only the block it extends and, through its first line, the
 * one before (a `#` that becomes `#a` is no heading but the paragraph's next line). A list, table, fence or quote among
 * them is taken up at its last line that more text can still change (a list inside its last item, whose contents
 * resume in turn), so a frame costs what arrived, not the block. Earlier blocks keep their objects, so their rendering
 * is skipped too. Any other `previous` is ignored.
 *
 * @example
 * let parse = continueMarkdown(undefined, 'Hello');
 * parse = continueMarkdown(parse, 'Hello, world\n\n- one'); // parse.blocks: paragraph, list
 */
export function continueMarkdown(previous: MarkdownParse | undefined, source: string): MarkdownParse {
  // Compared as a slice: `startsWith` reads one character at a time, a cost each frame of a long answer.
  const state = previous && source.slice(0, previous.source.length) === previous.source ? states.get(previous) : undefined;
  const from = state?.tail ?? 0;
  // Only the text after the last settled line break is split again, its lines put after the final ones.
  const more = toLines(source.slice(from));
  const lines = state ? reopen(state.lines) : more;
  if (state) for (const line of more) lines.push(line);
  const tail = settledTail(source);
  const settled = (state?.lines.count ?? 0) + lineBreaks(source.slice(from, tail));
  const keep = state && previous ? Math.max(0, previous.blocks.length - 2) : 0;
  const blocks = previous && state ? previous.blocks.slice(0, keep) : [];
  const starts = previous && state ? previous.starts.slice(0, keep) : [];
  // A resume's line and the one before it must be final: deciding a line can read the next.
  const resumes: Resumes = { previous: state?.resumes, next: new Map(), last: settled - 1 };
  for (const entry of parseLines(lines, 0, keep > 0 ? (previous?.starts[keep] as number) : 0, resumes)) {
    blocks.push(sourceBlock(lines, entry));
    starts.push(entry.start);
  }
  const parse = { source, blocks, starts };
  states.set(parse, { lines: settle(lines, settled), tail, resumes: resumes.next });
  return parse;
}

/** Whether two lists hold equal entries, in order (the same list object is equal at once). */
const sameList = <T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean) => a === b || (a.length === b.length && a.every((value, index) => same(value, b[index] as T)));

/** Whether two lists hold the same values, entry by entry (table cells, column alignments). */
export const sameStrings = <T>(a: readonly T[], b: readonly T[]): boolean => sameList(a, b, Object.is);

/** Whether two parsed blocks are equal, field by field (a list item parsed again each frame of a stream is a new object). */
export function sameBlock(a: MarkdownBlock, b: MarkdownBlock): boolean {
  if (a === b) return true;
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
      return b.type === 'table' && sameStrings(a.align, b.align) && sameStrings(a.head, b.head) && sameList(a.rows, b.rows, sameStrings);
  }
}

/** Whether two lists of blocks are equal (see `sameBlock`). */
export function sameBlocks(a: readonly MarkdownBlock[], b: readonly MarkdownBlock[]): boolean {
  return sameList(a, b, sameBlock);
}
