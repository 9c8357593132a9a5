import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HOSTILE_REPLY } from '../testing/mock-replies.js';
import { Markdown } from './markdown.js';
import type * as Blocks from './parse-blocks.js';
import * as inline from './parse-inline.js';

// Counts inline parses (one per rendered paragraph, heading or cell), to see which blocks render again.
vi.mock('./parse-inline.js', async (importOriginal) => {
  const actual = await importOriginal<typeof inline>();
  return { ...actual, parseInline: vi.fn(actual.parseInline), parseInlineParts: vi.fn(actual.parseInlineParts) };
});

// Counts the top-level blocks a frame hands to React: each block element made reads its entry's `block` once.
let blockReads = 0;
vi.mock('./parse-blocks.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Blocks>();
  const counted = new WeakSet<Blocks.SourceBlock>();
  const counting = (entry: Blocks.SourceBlock): Blocks.SourceBlock => {
    if (counted.has(entry)) return entry;
    const wrapped = {
      raw: entry.raw,
      get block() {
        blockReads++;
        return entry.block;
      },
    };
    counted.add(wrapped);
    return wrapped;
  };
  // The entries of the parse a frame continues are kept as they are (the next parse takes them from it): wrapped once.
  const continueMarkdown: typeof actual.continueMarkdown = (previous, source) => {
    const parse = actual.continueMarkdown(previous, source);
    parse.blocks = parse.blocks.map(counting);
    return parse;
  };
  return { ...actual, continueMarkdown };
});

afterEach(cleanup);

describe('Markdown', () => {
  it('renders markdown to elements: headings, emphasis, lists, tables, quotes, code', () => {
    const { container } = render(
      <Markdown source={'## Plan\n\nUse **care** and *speed*, ~~not haste~~.\n\n1. one\n2. two\n   - nested\n\n| Name | Cost |\n| :-- | --: |\n| Small | $4 |\n\n> Quote\n\n```ts\nconst a = 1;\n```'} />,
    );
    expect(screen.getByRole('heading', { level: 2, name: 'Plan' })).toBeTruthy();
    expect(container.querySelector('strong')?.textContent).toBe('care');
    expect(container.querySelector('em')?.textContent).toBe('speed');
    expect(container.querySelector('del')?.textContent).toBe('not haste');
    expect(container.querySelector('ol > li > ul > li')?.textContent).toBe('nested');
    expect(screen.getByRole('columnheader', { name: 'Cost' }).style.textAlign).toBe('right');
    expect(screen.getByRole('cell', { name: 'Small' })).toBeTruthy();
    expect(container.querySelector('blockquote')?.textContent).toBe('Quote');
    expect(container.querySelector('pre code')?.textContent).toBe('const a = 1;');
    expect(container.querySelector('.ia-code')?.getAttribute('data-state')).toBe('complete');
  });

  it('renders hostile output as inert text: no script, no image, no event handler, no javascript: link', () => {
    const { container } = render(<Markdown source={HOSTILE_REPLY} />);
    for (const tag of ['script', 'img', 'iframe', 'div[onmouseover]', 'b']) expect(container.querySelector(`.ia-markdown ${tag}`), tag).toBeNull();
    // The only SVG is the code block's own button icons, never the model's.
    expect(Array.from(container.querySelectorAll('.ia-markdown svg')).every((svg) => svg.closest('.ia-code-header button') !== null)).toBe(true);
    const everything = container.querySelectorAll('*');
    for (const element of Array.from(everything)) {
      for (const attribute of Array.from(element.attributes)) expect(attribute.name.startsWith('on'), `${element.tagName} ${attribute.name}`).toBe(false);
    }
    for (const link of Array.from(container.querySelectorAll('a'))) expect(link.getAttribute('href') ?? '').not.toMatch(/script:/i);
    expect(container.textContent).toContain('<script>alert(1)</script>');
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(screen.getByText('click').closest('a')).toBeNull();
    expect(screen.getByText('sneaky one').closest('a')).toBeNull();
    // The fenced HTML is code, shown as text.
    expect(container.querySelector('pre code')?.textContent).toBe('<script>alert("this one is only code, shown as text")</script>');
  });

  it('opens safe links in a new tab without giving it the opener', () => {
    render(<Markdown source="See [docs](https://example.com/docs)." />);
    const link = screen.getByRole('link', { name: 'docs' });
    expect(link.getAttribute('href')).toBe('https://example.com/docs');
    expect(link.getAttribute('rel')).toContain('noopener');
    expect(link.getAttribute('target')).toBe('_blank');
  });

  it('shows an unclosed code fence as a code block in progress, then complete', () => {
    const { container, rerender } = render(<Markdown source={'```py\nprint(1)\n``'} />);
    expect(container.querySelector('.ia-code')?.getAttribute('data-state')).toBe('streaming');
    expect(container.querySelector('pre code')?.textContent).toBe('print(1)');
    rerender(<Markdown source={'```py\nprint(1)\n```'} />);
    expect(container.querySelector('.ia-code')?.getAttribute('data-state')).toBe('complete');
  });

  it('renders unclosed ** as text until it closes', () => {
    const { container, rerender } = render(<Markdown source="Say **hel" />);
    expect(container.textContent).toBe('Say **hel');
    expect(container.querySelector('strong')).toBeNull();
    rerender(<Markdown source="Say **hello*" />);
    expect(container.querySelector('strong, em')).toBeNull();
    rerender(<Markdown source="Say **hello**" />);
    expect(container.querySelector('strong')?.textContent).toBe('hello');
  });

  it('links [n] to source n as a superscript through the URL policy; without such a source it stays text', () => {
    const citations = [
      { number: 1, url: 'https://a.example/report', title: 'The report' },
      { number: 2, url: 'javascript:alert(1)', title: 'Bad' },
      { number: 3, url: 'https://b.example/x' },
    ];
    const { container } = render(<Markdown source={'Up 8% [1]. Also [2], [3] and [4].\n\n| a |\n| - |\n| [1] |'} citations={citations} labels={{ citation: (number, title) => `Quelle ${number}: ${title}` }} />);
    const links = Array.from(container.querySelectorAll('sup[data-citation] > a'));
    expect(links.map((link) => [link.textContent, link.getAttribute('href'), link.getAttribute('aria-label')])).toEqual([
      ['1', 'https://a.example/report', 'Quelle 1: The report'],
      ['3', 'https://b.example/x', 'Quelle 3: b.example'],
      ['1', 'https://a.example/report', 'Quelle 1: The report'],
    ]);
    expect(links.every((link) => link.getAttribute('target') === '_blank' && link.getAttribute('rel') === 'noopener noreferrer nofollow')).toBe(true);
    // The space before a linked number does not break: the number stays with its word.
    expect(container.querySelector('p')?.textContent).toBe('Up 8%\u00a01. Also\u00a0[2],\u00a03 and [4].');
  });

  it('shows [n] as written when no citations are given', () => {
    const { container } = render(<Markdown source="A list [1] of things." />);
    expect(container.textContent).toBe('A list [1] of things.');
    expect(container.querySelector('sup')).toBeNull();
  });

  it('re-renders only the last block while text streams in', () => {
    // Headings and cells are parsed with parseInline, paragraphs in parts (see segmentInline).
    const parses = [vi.mocked(inline.parseInline), vi.mocked(inline.parseInlineParts)];
    const start = '# Title\n\nFirst paragraph.\n\nSecond paragraph.\n\nThe last one gro';
    const { container, rerender } = render(<Markdown source={start} />);
    for (const parse of parses) parse.mockClear();
    rerender(<Markdown source={`${start}ws`} />);
    expect(parses.flatMap((parse) => parse.mock.calls.map(([text]) => text))).toEqual(['The last one grows']);
    expect(container.querySelectorAll('p')).toHaveLength(3);
  });

  it('goes through the last group of a long answer\'s blocks each frame, not through all 3,000', () => {
    const answer = Array.from({ length: 3000 }, (_, index) => (index % 10 === 0 ? `## Part ${index}` : `Paragraph ${index}.`)).join('\n\n');
    const { container, rerender } = render(<Markdown source={answer} />);
    let source = answer;
    // A block that grows, then new blocks: a group fills up and the next one starts.
    for (const more of [' More', ' words.', '\n\nA new paragraph.', '\n\n- a list', '\n- that grows', ...Array.from({ length: 70 }, (_, index) => `\n\nAdded ${index}.`)]) {
      source += more;
      blockReads = 0;
      rerender(<Markdown source={source} />);
      // The groups of 64 that a frame's last two blocks are in: every block rendered before went through all 3,000.
      expect(blockReads).toBeLessThanOrEqual(128);
    }
    expect(container.querySelectorAll('p')).toHaveLength(2700 + 71);
    expect(container.innerHTML).toBe(render(<Markdown source={source} />).container.innerHTML);
  });

  it('keeps earlier blocks\' elements and state while an answer grows past their group', () => {
    const paragraphs = (from: number, count: number) => Array.from({ length: count }, (_, index) => `\n\nParagraph ${from + index}.`).join('');
    let source = `Intro.\n\n\`\`\`\nplain\n\`\`\`${paragraphs(0, 40)}`;
    const { container, rerender } = render(<Markdown source={source} />);
    const [intro, code] = [container.querySelector('p'), container.querySelector('.ia-code')];
    fireEvent.click(screen.getByRole('button', { name: 'Wrap lines' }));
    for (let from = 40; from < 200; from += 10) {
      source += paragraphs(from, 10);
      rerender(<Markdown source={source} />);
    }
    expect(container.querySelectorAll('p')).toHaveLength(201);
    expect(container.querySelector('p')).toBe(intro);
    expect(container.querySelector('.ia-code')).toBe(code);
    expect(code?.hasAttribute('data-wrap')).toBe(true);
  });

  describe('code blocks', () => {
    it('highlight a complete block once the highlighter has loaded on demand, never one still streaming', async () => {
      const { container, rerender } = render(<Markdown source={'```ts\nconst answer = 42;'} />);
      await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
      expect(container.querySelector('[data-token]')).toBeNull();
      rerender(<Markdown source={'```ts\nconst answer = 42;\n```'} />);
      await waitFor(() => expect(container.querySelector('[data-token="keyword"]')?.textContent).toBe('const'));
      expect(container.querySelector('code')?.textContent).toBe('const answer = 42;');
      expect(container.querySelector('.ia-code-language')?.textContent).toBe('ts');
    });

    it('name the language, or "text", and wrap long lines on demand', async () => {
      const { container } = render(<Markdown source={'```\nplain\n```'} />);
      expect(container.querySelector('.ia-code-language')?.textContent).toBe('text');
      const wrap = screen.getByRole('button', { name: 'Wrap lines' });
      expect(wrap.getAttribute('aria-pressed')).toBe('false');
      fireEvent.click(wrap);
      expect(wrap.getAttribute('aria-pressed')).toBe('true');
      expect(container.querySelector('.ia-code')?.hasAttribute('data-wrap')).toBe(true);
    });
  });

  describe('code copy button', () => {
    let writeText: ReturnType<typeof vi.fn>;
    beforeEach(() => {
      writeText = vi.fn(() => Promise.resolve());
      Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    });
    afterEach(() => {
      Reflect.deleteProperty(navigator, 'clipboard');
      vi.useRealTimers();
    });

    it('copies the code and shows "Copied" for a moment', async () => {
      vi.useFakeTimers();
      render(<Markdown source={'```sh\nnpm test\n```'} labels={{ copyCode: 'Copy code' }} />);
      await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Copy code' })));
      expect(writeText).toHaveBeenCalledWith('npm test');
      expect(screen.getByRole('button', { name: 'Copied' }).getAttribute('data-state')).toBe('copied');
      await act(async () => vi.advanceTimersByTime(2100));
      expect(screen.getByRole('button', { name: 'Copy code' }).getAttribute('data-state')).toBe('idle');
    });

    it('says so when the clipboard refuses', async () => {
      writeText.mockImplementation(() => Promise.reject(new Error('denied')));
      render(<Markdown source={'```\nx\n```'} />);
      await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Copy' })));
      expect(screen.getByRole('button', { name: 'Copy failed' })).toBeTruthy();
    });
  });
});
