import { act, render, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { longBlocks } from '../../test/long-blocks.js';
import { randomFencesAndQuotes, randomItemContents, randomListsAndTables, seededRandom } from '../../test/random-lists-and-tables.js';
import type * as Segments from './inline-segments.js';
import { Markdown, type MarkdownCitation } from './markdown.js';

// `whole` renders each paragraph in one part, as the renderer did before paragraphs were cut: the reference.
let whole = false;
vi.mock('./inline-segments.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Segments>();
  return { ...actual, segmentInline: (previous: Segments.InlineSegments | undefined, text: string) => actual.segmentInline(previous, text, whole ? Infinity : 1000) };
});

const citations: MarkdownCitation[] = [
  { number: 1, url: 'https://example.com/one', title: 'One' },
  { number: 2, url: 'https://example.com/two' },
];

/** The DOM as a list of nodes, text nodes included one by one: two adjacent text nodes differ from one. */
function nodesOf(node: Node): unknown {
  if (node.nodeType === Node.TEXT_NODE) return node.nodeValue;
  const element = node as Element;
  return [element.tagName, ...Array.from(element.attributes, (attribute) => `${attribute.name}=${attribute.value}`), ...Array.from(node.childNodes, nodesOf)];
}

function renderOnce(source: string) {
  const { container, unmount } = render(<Markdown source={source} citations={citations} />);
  const result = { html: container.innerHTML, nodes: nodesOf(container) };
  unmount();
  return result;
}

const filler = 'Words go on and on here, sentence after sentence. '.repeat(30);
const mixed = [
  '## A long answer',
  `${filler}*Emphasis that spans. ${filler}until here* and **strong [1]** and \`code. span\` [2]. ${filler}[a link. with dots](https://example.com/x) then ${filler}`,
  `- ${filler}\n- second ${filler}`,
  '| a | b |\n|---|---|\n| one | two |',
  `> ${filler}`,
  '```ts\nconst a = 1;\n```',
  `Last paragraph ${filler}*an opener never closed ${filler}`,
].join('\n\n');
const nestedItem = (index: number) => `${index + 1}. Step ${index} with **bold**\n   - a nested point\n   - another, that goes\non lazily\n\n   \`\`\`sh\n   run ${index}\n   \`\`\`\n`;
const randomLines = seededRandom(9);
const inputs: Record<string, string> = {
  ...longBlocks(12_000),
  'a mixed answer': mixed,
  'a long loose list of nested items, lazy lines and code': Array.from({ length: 120 }, (_, index) => nestedItem(index)).join(''),
  'a long tight list that a blank line turns loose at the end': `${'- a short item\n'.repeat(300)}\n- the last item`,
  'a long table followed by a list': `| a | b |\n|:--|--:|\n${'| cell | *more* |\n'.repeat(300)}- after`,
  'random lists and tables': Array.from({ length: 8 }, () => randomListsAndTables(randomLines, 120)).join('\n'),
  'random fences and quotes': Array.from({ length: 8 }, () => randomFencesAndQuotes(randomLines, 120)).join('\n'),
  'random list items holding lists, quotes and fences': Array.from({ length: 8 }, () => randomItemContents(randomLines, 120)).join('\n'),
};

describe('Markdown, streamed', () => {
  for (const [name, source] of Object.entries(inputs)) {
    it(`ends ${name} with the DOM of a render at once, and the HTML of paragraphs rendered whole`, () => {
      const { container, rerender } = render(<Markdown source="" citations={citations} />);
      // Chunks of 1 to 700 characters, the same each run.
      for (let length = 0, step = 0; length < source.length; step++) {
        length = Math.min(source.length, length + 1 + ((step * 7919) % 700));
        rerender(<Markdown source={source.slice(0, length)} citations={citations} />);
        // Now and then, the frame shows what a render of that text at once shows: nothing left over from earlier frames.
        if (step % 10 === 0) expect(container.innerHTML).toBe(renderOnce(source.slice(0, length)).html);
      }
      const streamed = { html: container.innerHTML, nodes: nodesOf(container) };
      expect(streamed).toEqual(renderOnce(source));
      whole = true;
      try {
        expect(streamed.html).toBe(renderOnce(source).html);
      } finally {
        whole = false;
      }
    });
  }

  it('renders a growing code block in groups of lines, keeping the groups already written', () => {
    const code = Array.from({ length: 150 }, (_, index) => `const line_${index} = ${index};`).join('\n');
    const { container, rerender } = render(<Markdown source={`\`\`\`ts\n${code}`} />);
    const groups = () => Array.from(container.querySelectorAll('pre > code > span'));
    const [first, second] = groups();
    rerender(<Markdown source={`\`\`\`ts\n${code}\nconst more = 1;`} />);
    expect(groups()).toHaveLength(3);
    expect(groups()[0]).toBe(first);
    expect(groups()[1]).toBe(second);
    expect(groups()[0]?.textContent?.split('\n')).toHaveLength(65);
    expect(container.querySelector('pre')?.textContent).toBe(`${code}\nconst more = 1;`);
  });

  it('highlights a long code block that streamed as one rendered at once, a comment across groups of lines included', async () => {
    const lines = Array.from({ length: 140 }, (_, index) => (index === 62 ? '/* a comment' : index === 66 ? 'that ends */ let template = `a' : index === 130 ? 'string` + 1;' : `call(${index}, "text");`));
    const source = `\`\`\`ts\n${lines.join('\n')}\n\`\`\``;
    const { container, rerender } = render(<Markdown source="" />);
    for (let length = 0; length < source.length; length += 97) rerender(<Markdown source={source.slice(0, length)} />);
    rerender(<Markdown source={source} />);
    await waitFor(() => expect(container.querySelector('[data-highlighted]')).not.toBeNull());
    const once = render(<Markdown source={source} />);
    await waitFor(() => expect(once.container.querySelector('[data-highlighted]')).not.toBeNull());
    await act(() => new Promise((resolve) => setTimeout(resolve, 10)));
    expect(nodesOf(container)).toEqual(nodesOf(once.container));
    const comments = Array.from(container.querySelectorAll('[data-token="comment"]'), (token) => token.textContent);
    expect(comments).toEqual(['/* a comment\ncall(63, "text");\n', 'call(64, "text");\ncall(65, "text");\nthat ends */']);
    expect(container.querySelector('pre')?.textContent).toBe(lines.join('\n'));
  });

  it('cuts the long paragraphs of that answer in parts (more text nodes, the same HTML)', () => {
    const { container } = render(<Markdown source={mixed} citations={citations} />);
    const paragraph = container.querySelectorAll('p')[0] as HTMLParagraphElement;
    expect(Array.from(paragraph.childNodes).filter((node) => node.nodeType === Node.TEXT_NODE).length).toBeGreaterThan(5);
    expect(paragraph.querySelector('em')?.textContent).toMatch(/^Emphasis that spans\. .*until here$/);
    expect(paragraph.querySelector('sup[data-citation="1"]')).not.toBeNull();
  });
});
