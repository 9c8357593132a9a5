'use client';
import { createElement, memo, useEffect, useMemo, useState, type HTMLAttributes, type ReactNode } from 'react';
import { WrapIcon } from '../icons/wrap-icon.js';
import { classes } from '../primitives/ai-root.js';
import { safeHref } from './safe-url.js';
import { CopyStateIcon, useCopyFeedback } from './copy-button.js';
import type * as HighlightModule from './highlight-code.js';
import type { Token } from './highlight-code.js';
import { segmentInline, type InlineSegments } from './inline-segments.js';
import { defaultMarkdownLabels, type MarkdownLabels } from './markdown-labels.js';
import { CODE_GROUP_LINES, codeLineGroups, continueMarkdown, sameBlock, sameBlocks, sameStrings, type MarkdownBlock, type MarkdownParse, type SourceBlock, type TableAlign } from './parse-blocks.js';
import { parseInline, type InlineNode, type InlinePart } from './parse-inline.js';

/** A source that `[n]` markers in the text link to (an answer's `url_citation`s, numbered). */
export interface MarkdownCitation {
  number: number;
  url: string;
  title?: string | undefined;
}

/** The host of a URL ("developer.mozilla.org"), or the URL as written when it is none. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

type Highlighter = typeof HighlightModule;
let highlighter: Promise<Highlighter> | undefined;

/**
 * The code's tokens, in the groups of lines it renders in, once the highlighter is loaded (a dynamic import, the first
 * time a complete block shows), or undefined meanwhile, while the block still streams, and for languages it does not
 * know: the code shows plain.
 */
function useHighlighted(code: string, language: string, complete: boolean): Token[][] | undefined {
  const [result, setResult] = useState<{ code: string; language: string; tokens: Token[][] | undefined }>();
  useEffect(() => {
    if (!complete || language === '') return;
    let live = true;
    highlighter ??= import('./highlight-code.js');
    highlighter.then(
      (module) => {
        if (live) setResult({ code, language, tokens: module.highlightLineGroups(code, language, CODE_GROUP_LINES) });
      },
      () => {
        // A chunk that failed to load (offline) leaves the code plain, and the next block tries again.
        highlighter = undefined;
      },
    );
    return () => {
      live = false;
    };
  }, [code, language, complete]);
  return result?.code === code && result.language === language ? result.tokens : undefined;
}

export interface MarkdownProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** The markdown text; it may be half written (a stream still arriving). */
  source: string;
  labels?: Partial<MarkdownLabels> | undefined;
  /** Drops the `ia-` classes. */
  unstyled?: boolean | undefined;
  /** The sources `[n]` markers link to (keep the array stable while a stream grows: a new one renders every block). */
  citations?: readonly MarkdownCitation[] | undefined;
}

interface RenderContext {
  labels: MarkdownLabels;
  unstyled: boolean | undefined;
  citations: ReadonlyMap<number, MarkdownCitation> | undefined;
}

/** `[n]` as a superscript link to source n (through the same URL policy as links), or as written without one. */
function renderCitation(number: number, key: number, context: RenderContext): ReactNode {
  const source = context.citations?.get(number);
  const href = source ? safeHref(source.url) : undefined;
  if (!source || href === undefined) return `[${number}]`;
  const title = source.title ?? hostOf(source.url);
  return (
    <sup key={key} data-citation={number}>
      <a href={href} target="_blank" rel="noopener noreferrer nofollow" aria-label={context.labels.citation(number, title)} title={title}>
        {number}
      </a>
    </sup>
  );
}

/** Text before a linked citation ends in a no-break space: "turnover [1]." never wraps before the number. */
function gluedToCitation(text: string, next: InlineNode | undefined, context: RenderContext): string {
  return text.endsWith(' ') && typeof next === 'object' && next.type === 'citation' && context.citations?.has(next.number) ? `${text.slice(0, -1)}\u00a0` : text;
}

function renderInline(nodes: readonly InlineNode[], context: RenderContext): ReactNode[] {
  return nodes.map((node, index) => {
    if (typeof node === 'string') return gluedToCitation(node, nodes[index + 1], context);
    switch (node.type) {
      case 'code':
        return <code key={index}>{node.text}</code>;
      case 'em':
        return <em key={index}>{renderInline(node.children, context)}</em>;
      case 'strong':
        return <strong key={index}>{renderInline(node.children, context)}</strong>;
      case 'del':
        return <del key={index}>{renderInline(node.children, context)}</del>;
      case 'citation':
        return renderCitation(node.number, index, context);
      case 'break':
        return <br key={index} />;
      case 'link':
        // An unsafe URL (javascript:, data:…) keeps its words and loses its link.
        return node.href === undefined ? (
          <span key={index} data-unsafe-link="">
            {renderInline(node.children, context)}
          </span>
        ) : (
          <a key={index} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
            {renderInline(node.children, context)}
          </a>
        );
    }
  });
}

const inline = (text: string, context: RenderContext) => renderInline(parseInline(text), context);

/** A part of a paragraph's text (see `segmentInline`): rendered again only when it is a new part. */
const InlinePartView = memo(function InlinePartView({ part, context }: { part: InlinePart; context: RenderContext }) {
  return renderInline(part.nodes, context);
});

/**
 * A paragraph's inline content, in parts that render as the whole text would: while a stream grows one long
 * paragraph, each frame parses and renders its last part, not all of it.
 */
function ParagraphText({ text, context }: { text: string; context: RenderContext }) {
  const [segments, setSegments] = useState<InlineSegments | undefined>(undefined);
  const current = segments?.text === text ? segments : segmentInline(segments, text);
  if (current !== segments) setSegments(current);
  return current.parts.map((part, index) => <InlinePartView key={index} part={part} context={context} />);
}

/**
 * A group of a code block's lines, plain or as tokens, a block of its own (see the stylesheet): while a long block
 * streams, the groups already written are neither rendered nor laid out again.
 */
const CodeGroup = memo(
  function CodeGroup({ lines, last, tokens }: { lines: readonly string[]; last: boolean; tokens: readonly Token[] | undefined }) {
    return <span>{tokens ? tokens.map(([kind, text], index) => (kind ? <span key={index} data-token={kind}>{text}</span> : text)) : lines.join('\n') + (last ? '' : '\n')}</span>;
  },
  (previous, next) => previous.last === next.last && previous.tokens === next.tokens && sameStrings(previous.lines, next.lines),
);

function CodeBlock({ block, context }: { block: Extract<MarkdownBlock, { type: 'code' }>; context: RenderContext }) {
  const { labels, unstyled } = context;
  const tokens = useHighlighted(block.code, block.language, block.closed);
  const groups = codeLineGroups(block);
  const [wrap, setWrap] = useState(false);
  const copy = useCopyFeedback();
  const copyLabel = copy.state === 'copied' ? labels.copied : copy.state === 'failed' ? labels.copyFailed : labels.copyCode;
  const button = classes(unstyled, 'ia-code-button');
  return (
    <div className={classes(unstyled, 'ia-code')} data-state={block.closed ? 'complete' : 'streaming'} data-language={block.language || undefined} data-wrap={wrap ? '' : undefined} data-highlighted={tokens ? '' : undefined}>
      <div className={classes(unstyled, 'ia-code-header')}>
        <span className={classes(unstyled, 'ia-code-language')}>{block.language || labels.plainText}</span>
        <button type="button" className={button} aria-label={labels.wrapLines} data-tooltip={labels.wrapLines} aria-pressed={wrap} onClick={() => setWrap(!wrap)}>
          <WrapIcon />
        </button>
        <button
          type="button"
          className={classes(unstyled, 'ia-code-button ia-code-copy')}
          aria-label={copyLabel}
          data-tooltip={copyLabel}
          data-state={copy.state}
          onClick={() => copy.copyText(block.code)}
        >
          <CopyStateIcon state={copy.state} />
        </button>
      </div>
      {/* Focusable, so a long line can be scrolled with the keyboard. */}
      <pre tabIndex={0}>
        <code>
          {groups.map((lines, index) => (
            <CodeGroup key={index} lines={lines} last={index === groups.length - 1} tokens={tokens?.[index]} />
          ))}
        </code>
      </pre>
    </div>
  );
}

function renderBlock(block: MarkdownBlock, key: number, context: RenderContext, tight = false): ReactNode {
  switch (block.type) {
    case 'paragraph':
      return tight ? (
        <span key={key}>
          <ParagraphText text={block.text} context={context} />
        </span>
      ) : (
        <p key={key}>
          <ParagraphText text={block.text} context={context} />
        </p>
      );
    case 'heading':
      return createElement(`h${block.level}`, { key }, inline(block.text, context));
    case 'code':
      return <CodeBlock key={key} block={block} context={context} />;
    case 'rule':
      return <hr key={key} />;
    case 'quote':
      return (
        <blockquote key={key}>{renderGroups(block.children, sameBlock, [context], (child, index) => renderBlock(child, index, context))}</blockquote>
      );
    case 'list': {
      const items = renderGroups(block.items, sameBlocks, [context, block.tight], (item, index) => <ListItem key={index} blocks={item} tight={block.tight} context={context} />);
      return block.ordered ? (
        <ol key={key} start={block.start === 1 ? undefined : block.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'table':
      return (
        <div key={key} className={classes(context.unstyled, 'ia-table')} tabIndex={0}>
          <table>
            <thead>
              <tr>
                {block.head.map((cell, index) => (
                  <th key={index} scope="col" style={block.align[index] ? { textAlign: block.align[index] } : undefined}>
                    {inline(cell, context)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {renderGroups(block.rows, sameStrings, [context, ...block.align], (row, index) => <TableRow key={index} cells={row} align={block.align} context={context} />)}
            </tbody>
          </table>
        </div>
      );
  }
}

/** A list item: while a stream grows a long list, the items already written are not rendered again. */
const ListItem = memo(
  function ListItem({ blocks, tight, context }: { blocks: readonly MarkdownBlock[]; tight: boolean; context: RenderContext }) {
    return <li>{blocks.map((child, at) => renderBlock(child, at, context, tight))}</li>;
  },
  (previous, next) => previous.tight === next.tight && previous.context === next.context && sameBlocks(previous.blocks, next.blocks),
);

/** A table body row: while a stream grows a long table, the rows already written are not rendered again. */
const TableRow = memo(
  function TableRow({ cells, align, context }: { cells: readonly string[]; align: readonly TableAlign[]; context: RenderContext }) {
    return (
      <tr>
        {cells.map((cell, index) => (
          <td key={index} style={align[index] ? { textAlign: align[index] } : undefined}>
            {inline(cell, context)}
          </td>
        ))}
      </tr>
    );
  },
  (previous, next) => previous.context === next.context && sameStrings(previous.cells, next.cells) && sameStrings(previous.align, next.align),
);

/**
 * How many top-level blocks, list items or table rows render as a group: while a stream grows a long answer or list,
 * a frame compares the groups and renders the last one, instead of going through every block or item.
 */
const GROUP_SIZE = 64;

const groupStarts = (count: number) => Array.from({ length: Math.ceil(count / GROUP_SIZE) }, (_, index) => index * GROUP_SIZE);

/** Whether the group of `a` and `b` starting at `from` holds the same entries. */
function sameGroup<T>(a: readonly T[], b: readonly T[], from: number, same: (x: T, y: T) => boolean): boolean {
  const end = Math.min(a.length, from + GROUP_SIZE);
  if (end !== Math.min(b.length, from + GROUP_SIZE)) return false;
  for (let index = from; index < end; index++) if (!same(a[index] as T, b[index] as T)) return false;
  return true;
}

/**
 * Top-level blocks, list items, table rows or quoted blocks from `from`, rendered again only when one of them changed
 * (`same`) or one of `deps` did: while a stream grows a long answer or list, a frame compares the groups and renders
 * the last one.
 */
const Group = memo(
  function Group({ entries, from, render }: { entries: readonly unknown[]; from: number; same: (a: never, b: never) => boolean; deps: readonly unknown[]; render: (entry: never, index: number) => ReactNode }) {
    return entries.slice(from, from + GROUP_SIZE).map((entry, index) => render(entry as never, index));
  },
  (previous, next) => previous.from === next.from && sameStrings(previous.deps, next.deps) && sameGroup(previous.entries, next.entries, next.from, next.same as (a: unknown, b: unknown) => boolean),
);

const renderGroups = <T,>(entries: readonly T[], same: (a: T, b: T) => boolean, deps: readonly unknown[], render: (entry: T, index: number) => ReactNode) =>
  groupStarts(entries.length).map((from) => <Group key={from} entries={entries} from={from} same={same} deps={deps} render={render} />);

/** One top-level block; it renders again only when its own source changed (streaming touches the last one). */
const Block = memo(
  function Block({ block, context }: { block: MarkdownBlock; raw: string; context: RenderContext }) {
    return renderBlock(block, 0, context);
  },
  (previous, next) => previous.raw === next.raw && previous.context === next.context,
);

/** Whether two top-level blocks render the same: a block a stream's earlier frame parsed is the same object at once. */
const sameSource = (a: SourceBlock, b: SourceBlock) => a === b || a.raw === b.raw;

/**
 * Markdown rendered to React elements, never to an HTML string: raw HTML shows as text, links keep only
 * http(s), mailto and relative URLs, images become links. Paragraphs, headings, emphasis, strikethrough, code
 * (fenced, with a Copy button), lists, GFM tables, quotes, and `[n]` citations linked to `citations` (superscript
 * links through the same URL policy). While text streams in, only the last block renders
 * again (earlier ones are compared in groups, not one by one), and half-written syntax stays text until it is complete.
 *
 * @example
 * <Markdown source={answer.content} />
 */
export const Markdown = /* @__PURE__ */ memo(function Markdown({ source, labels, unstyled, citations, className, ...props }: MarkdownProps) {
  // While a stream grows the text, each frame continues the last parse instead of parsing everything again.
  const [parsed, setParsed] = useState<MarkdownParse | undefined>(undefined);
  const current = parsed?.source === source ? parsed : continueMarkdown(parsed, source);
  if (current !== parsed) setParsed(current);
  const blocks = current.blocks;
  const { copyCode, copied, copyFailed, wrapLines, plainText, citation } = { ...defaultMarkdownLabels, ...labels };
  const context = useMemo<RenderContext>(
    () => ({ labels: { copyCode, copied, copyFailed, wrapLines, plainText, citation }, unstyled, citations: citations && citations.length > 0 ? new Map(citations.map((entry) => [entry.number, entry])) : undefined }),
    [copyCode, copied, copyFailed, wrapLines, plainText, citation, unstyled, citations],
  );
  return (
    <div className={classes(unstyled, 'ia-markdown', className)} {...props}>
      {/* In groups that keep their place as blocks are added (fragments, no element): a frame of a long answer goes
          through the groups and the last one's blocks, not through every block. */}
      {renderGroups(blocks, sameSource, [context], (entry, index) => (
        <Block key={index} block={entry.block} raw={entry.raw} context={context} />
      ))}
    </div>
  );
});
