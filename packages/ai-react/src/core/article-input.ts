import type { ArticleInput, JobItem } from './jobs-client.js';

/** The formats `parseArticles` reads. */
export type ArticleFormat = 'json' | 'csv' | 'markdown' | 'text';

/**
 * Reads articles from pasted or uploaded text: JSON (an array of articles, or of strings), CSV with a header
 * (`content` or `text`, and optionally `id`, `title`, `url`, `source`), Markdown (one article per `# ` heading, the
 * heading as its title) or plain text (articles separated by a line of `---`). The format comes from a file name
 * when there is one, else from the text itself. Articles without an id are numbered.
 *
 * @example
 * parseArticles('First story\n---\nSecond story'); // [{ id: '1', content: 'First story' }, { id: '2', content: 'Second story' }]
 */
export function parseArticles(text: string, fileName?: string): ArticleInput[] {
  const format = formatOf(text, fileName);
  const articles = format === 'json' ? fromJson(text) : format === 'csv' ? fromCsv(text) : format === 'markdown' ? fromMarkdown(text) : fromText(text);
  return articles.filter((article) => article.content.trim() !== '').map((article, index) => ({ ...article, id: article.id || String(index + 1) }));
}

function formatOf(text: string, fileName: string | undefined): ArticleFormat {
  const extension = fileName?.toLowerCase().split('.').pop();
  if (extension === 'json') return 'json';
  if (extension === 'csv') return 'csv';
  if (extension === 'md' || extension === 'markdown') return 'markdown';
  if (extension === 'txt') return 'text';
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return 'json';
  if (/^#\s/m.test(text)) return 'markdown';
  const header = trimmed.split(/\r?\n/, 1)[0]?.toLowerCase() ?? '';
  if (header.includes(',') && /(^|,)\s*"?(content|text)"?\s*(,|$)/.test(header)) return 'csv';
  return 'text';
}

function fromJson(text: string): ArticleInput[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SyntaxError('The JSON could not be read: paste an array of articles like [{ "title": "…", "content": "…" }].');
  }
  const list = Array.isArray(value) ? value : typeof value === 'object' && value !== null && Array.isArray((value as { articles?: unknown }).articles) ? (value as { articles: unknown[] }).articles : [value];
  return list.map((entry) => {
    if (typeof entry === 'string') return { id: '', content: entry };
    const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const text = (name: string) => (typeof record[name] === 'string' || typeof record[name] === 'number' ? String(record[name]) : undefined);
    return withOptional({ id: text('id') ?? '', content: text('content') ?? text('text') ?? text('body') ?? '' }, { title: text('title'), url: text('url'), source: text('source') });
  });
}

function fromCsv(text: string): ArticleInput[] {
  const [header = [], ...rows] = csvRows(text);
  const column = (name: string) => header.findIndex((cell) => cell.trim().toLowerCase() === name);
  const content = column('content') >= 0 ? column('content') : column('text');
  const [id, title, url, source] = ['id', 'title', 'url', 'source'].map(column);
  const cell = (row: string[], at: number | undefined) => (at !== undefined && at >= 0 ? row[at] : undefined);
  return rows.map((row) => withOptional({ id: cell(row, id) ?? '', content: cell(row, content) ?? '' }, { title: cell(row, title), url: cell(row, url), source: cell(row, source) }));
}

/** RFC 4180 rows: quoted fields may hold commas, quotes (doubled) and line breaks. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (quoted) {
      if (char === '"' && text[at + 1] === '"') {
        field += '"';
        at += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[at + 1] === '\n') at += 1;
      row.push(field);
      if (row.some((value) => value !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  row.push(field);
  if (row.some((value) => value !== '')) rows.push(row);
  return rows;
}

function fromMarkdown(text: string): ArticleInput[] {
  const articles: ArticleInput[] = [];
  let current: ArticleInput | undefined;
  for (const line of text.split(/\r?\n/)) {
    const heading = /^#\s+(.*)$/.exec(line);
    if (heading) {
      current = { id: '', title: (heading[1] ?? '').trim(), content: '' };
      articles.push(current);
    } else if (current) current.content += `${line}\n`;
    else if (line.trim() !== '') articles.push((current = { id: '', content: `${line}\n` }));
  }
  return articles.map((article) => ({ ...article, content: article.content.trim() }));
}

function fromText(text: string): ArticleInput[] {
  return text.split(/^\s*---+\s*$/m).map((part) => ({ id: '', content: part.trim() }));
}

function withOptional(article: ArticleInput, optional: Partial<Record<'title' | 'url' | 'source', string | undefined>>): ArticleInput {
  const result = { ...article };
  for (const [name, value] of Object.entries(optional)) if (value !== undefined && value !== '') result[name as 'title'] = value;
  return result;
}

/** A field of a CSV file (RFC 4180); text a spreadsheet would run as a formula gets a leading `'`. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A summarization job's results as CSV, one row per article: its summary, key points, sentiment, cost, or error.
 *
 * @example
 * const csv = summariesToCsv(job.items ?? []);
 */
export function summariesToCsv(items: readonly JobItem[]): string {
  const header = ['index', 'id', 'status', 'summary', 'key_points', 'sentiment', 'sentiment_score', 'model', 'cost_usd', 'error'];
  const lines = [header.join(',')];
  for (const item of items) {
    const result = (item.result ?? {}) as { id?: string; summary?: string; key_points?: string[]; sentiment?: { label: string; score: number } };
    lines.push([item.index, result.id, item.status, result.summary, result.key_points?.join('\n'), result.sentiment?.label, result.sentiment?.score, item.model, item.costUsd, item.error?.message].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
