import { describe, expect, it } from 'vitest';
import { longBlocks } from '../../test/long-blocks.js';
import { segmentInline } from './inline-segments.js';
import { parseInline, parseInlineParts, type InlineNode, type InlinePart } from './parse-inline.js';

/** Where `parseInlineParts` cuts `text`. */
function findInlineCuts(text: string, spacing: number): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (const part of parseInlineParts(text, spacing).slice(0, -1)) cuts.push((at += part.text.length));
  return cuts;
}

/** The nodes of parts, joined: the text either side of a cut becomes one string again. */
function joined(parts: ReadonlyArray<readonly InlineNode[]>): InlineNode[] {
  const nodes: InlineNode[] = [];
  for (const part of parts) {
    for (const node of part) {
      const last = nodes.at(-1);
      if (typeof node === 'string' && typeof last === 'string' && nodes.length > 0) nodes[nodes.length - 1] = last + node;
      else nodes.push(node);
    }
  }
  return nodes;
}

/** Each part parsed on its own, and as the parts' nodes say: both must join to the parse of the whole. */
function expectWholeParse(parts: readonly InlinePart[], message?: string) {
  const whole = parseInline(parts.map((part) => part.text).join(''));
  expect(parts.map((part) => part.nodes), message).toEqual(parts.map((part) => parseInline(part.text)));
  expect(joined(parts.map((part) => part.nodes)), message).toEqual(whole);
}

/** A deterministic stream of pseudo-random numbers (a linear congruential generator), so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('findInlineCuts', () => {
  it('cuts after a space before a word, where nothing spans the cut', () => {
    expect(findInlineCuts('One **two** three. Four *five', 5)).toEqual([12, 19]);
    expect(findInlineCuts('aaaa bbbb cccc dddd', 1)).toEqual([5, 10, 15]);
    expect(findInlineCuts('aaaa bbbb cccc dddd', 6)).toEqual([10]); // 15 is closer than 6 to 10
  });

  it('never cuts inside emphasis, strong, strikethrough, code or a link that closes later', () => {
    const cases: Array<[string, string]> = [
      ['*one. two* three', '*one. two*'],
      ['**one. two** three', '**one. two**'],
      ['~~one. two~~ three', '~~one. two~~'],
      ['`one. two` three', '`one. two`'],
      ['[one. two](https://example.com) three', '[one. two](https://example.com)'],
      ['[one. two] three', '[one. two]'],
      ['*one. **two. three** four* five', '*one. **two. three** four*'],
    ];
    for (const [text, construct] of cases) {
      expect(findInlineCuts(text, 1).every((cut) => cut > construct.length), text).toBe(true);
      expect(findInlineCuts(text, 1), text).toContain(construct.length + 1);
    }
  });

  it('does not cut after an opener still waiting for its closer: more text may close it', () => {
    for (const text of ['*one two three', '**one two three', '`one two three', '[one two three', '[a](b "one two three', 'one ~~two three']) {
      expect(findInlineCuts(text, 1).filter((cut) => cut > text.search(/[*`[~]/)), text).toEqual([]);
    }
    // Once it is closed, cuts come back after the closer.
    expect(findInlineCuts('*one two* three four', 1)).toEqual([10, 16]);
    // Lone characters that open nothing do not stop the cuts.
    expect(findInlineCuts('5 * 3 = 15, a_b and ~ c d', 1).length).toBeGreaterThan(5);
  });

  it('keeps a citation after a space with the text before it (its no-break space) and never cuts before a URL in a word', () => {
    expect(findInlineCuts('See this [1] and that', 1)).toEqual([4, 13, 17]);
    expect(findInlineCuts('read https://example.com/a now', 1)).toEqual([5, 27]);
  });

  it('gives parts whose parses, joined, are the parse of the whole, on thousands of random texts', () => {
    const alphabet = ['a', 'b', ' ', ' ', '  \n', '\n', '*', '**', '_', '~~', '`', '``', '[', ']', '(', ')', '<', '>', '\\', '!', 'https://x.y', 'www.a', '.', '[1]', '"', '](u)', ' x', '<a:b>'];
    const next = random(7);
    for (let round = 0; round < 3000; round++) {
      let text = '';
      for (let index = 0, length = 1 + Math.floor(next() * 30); index < length; index++) text += alphabet[Math.floor(next() * alphabet.length)];
      const cuts = findInlineCuts(text, 1);
      expectWholeParse(parseInlineParts(text, 1), JSON.stringify(text));
      // A cut found in part of the text, as a stream has it, stays a cut of the whole.
      const half = text.slice(0, Math.floor(text.length / 2));
      expect(cuts.slice(0, findInlineCuts(half, 1).length), JSON.stringify(text)).toEqual(findInlineCuts(half, 1));
    }
  });
});

describe('segmentInline', () => {
  const paragraph = longBlocks(60_000)['one paragraph'] as string;

  it('keeps a short text whole', () => {
    expect(segmentInline(undefined, 'Short. Text.').parts.map((part) => part.text)).toEqual(['Short. Text.']);
  });

  it('cuts a long paragraph into parts of about the length asked, that join to it and parse as it does', () => {
    const { parts } = segmentInline(undefined, paragraph, 2048);
    expect(parts.map((part) => part.text).join('')).toBe(paragraph);
    expect(parts.length).toBeGreaterThan(20);
    expect(parts.slice(0, -1).every((part) => part.text.length >= 2048 && part.text.length < 2048 + 200)).toBe(true);
    expectWholeParse(parts);
  });

  it('while a stream grows the text, keeps every part but the last, and ends with the parts of the text cut at once', () => {
    const next = random(11);
    let segments = segmentInline(undefined, '');
    for (let length = 0; length < paragraph.length; ) {
      length = Math.min(paragraph.length, length + 1 + Math.floor(next() * 400));
      const previous = segments;
      segments = segmentInline(previous, paragraph.slice(0, length));
      for (let index = 0; index < previous.parts.length - 1; index++) expect(segments.parts[index]).toBe(previous.parts[index]);
    }
    expect(segments.parts).toEqual(segmentInline(undefined, paragraph).parts);
  });

  it('starts over when the text does not continue the last one (an edit)', () => {
    const first = segmentInline(undefined, paragraph);
    const edited = `Changed. ${paragraph}`;
    expect(segmentInline(first, edited).parts).toEqual(segmentInline(undefined, edited).parts);
  });

  it('keeps emphasis that spans what would be a cut in one part, in a long text', () => {
    const filler = 'Plain words go on here. '.repeat(100);
    const text = `${filler}*Emphasis that spans. Many sentences. ${filler}until here* and after.`;
    const { parts } = segmentInline(undefined, text, 1000);
    const opener = text.indexOf('*Emphasis');
    const closer = text.indexOf('here*') + 5;
    let at = 0;
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      at += part.text.length;
      expect(at <= opener || at >= closer).toBe(true);
    }
    expectWholeParse(parts);
  });
});
