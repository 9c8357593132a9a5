import { afterEach, describe, expect, it, vi } from 'vitest';
import { BLOCKLIST_REACH, compileBlocklist } from './blocklist.js';

const everyMatch = (words: string[], patterns: string[], text: string) => {
  const whole = new RegExp([...words.map((word) => `(?<![\\p{L}\\p{N}])${word}(?![\\p{L}\\p{N}])`), ...patterns.map((pattern) => `(?:${pattern})`)].join('|'), 'giu');
  return [...text.matchAll(whole)].filter((match) => match[0] !== '').map((match) => ({ start: match.index, end: match.index + match[0].length }));
};

/** A text of `length` characters from a small alphabet, the same for the same seed. */
function textOf(length: number, seed: number): string {
  const alphabet = 'ab @.-x1 \n';
  let state = seed;
  let text = '';
  for (let index = 0; index < length; index += 1) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    text += alphabet[state % alphabet.length];
  }
  return text;
}

afterEach(() => vi.restoreAllMocks());

describe('blocklist', () => {
  it('finds in a long text the same matches as one pass over it when no match is longer than the reach', async () => {
    const lists: Array<[string[], string[]]> = [[['ab', 'x1'], ['a\\d', '\\bb+@', '^a', 'x$', '[a-z]{2,8}\\.']], [[], ['a.{0,40}b', '[ab]+x']]];
    for (const [words, patterns] of lists) {
      const blocklist = compileBlocklist(words, patterns);
      for (let seed = 1; seed <= 40; seed += 1) {
        const text = textOf(600 + seed * 97, seed);
        expect(await blocklist?.find(text), `${patterns.join(' ')} #${seed}`).toEqual(everyMatch(words, patterns, text));
      }
    }
  });

  it('never reads more than two reaches (and the characters around them) in one attempt', async () => {
    const exec = vi.spyOn(RegExp.prototype, 'exec');
    const blocklist = compileBlocklist([], ['[\\w.+-]+@[\\w-]+\\.[\\w.]+']);
    const text = `${'a'.repeat(200_000)} write to ada@example.com`;
    expect(await blocklist?.find(text)).toEqual([{ start: text.indexOf('ada@'), end: text.length }]);
    const read = exec.mock.calls.map(([input]) => String(input).length);
    expect(read.length).toBeGreaterThan(200_000 / BLOCKLIST_REACH);
    expect(Math.max(...read)).toBeLessThanOrEqual(2 * BLOCKLIST_REACH + 4);
  });

  it('finds a match longer than the reach in part, unless the pattern asserts something at its edges', async () => {
    const token = 'k'.repeat(1000);
    const long = await compileBlocklist([], ['k{20,}'])?.find(`key ${token} end`);
    expect(long?.[0]?.start).toBe(4);
    expect(long?.reduce((sum, span) => sum + span.end - span.start, 0)).toBeGreaterThan(900);
    // `\d+\b` never matches inside digits followed by a letter, whatever a window's end would say.
    expect(await compileBlocklist([], ['\\d+\\b'])?.find(`${'1'.repeat(2000)}x`)).toEqual([]);
  });

  it('judges words at a window\'s edges by the characters around them', async () => {
    const blocklist = compileBlocklist(['darn'], []);
    for (let at = BLOCKLIST_REACH - 6; at <= BLOCKLIST_REACH + 6; at += 1) {
      const inside = `${'a'.repeat(at)}darn${' '.repeat(700)}`;
      const apart = `${'a'.repeat(at)} darn${' '.repeat(700)}`;
      expect(await blocklist?.find(inside), `at ${at}`).toEqual([]);
      expect(await blocklist?.find(apart), `at ${at}`).toEqual([{ start: at + 1, end: at + 5 }]);
    }
  });

  it('stars out every match', async () => {
    const blocklist = compileBlocklist(['darn'], ['promo\\d+']);
    expect(await blocklist?.redact('Darn, use PROMO42 now')).toBe('****, use ******* now');
    const long = `${'x '.repeat(400)}darn promo7`;
    expect(await blocklist?.redact(long)).toBe(`${'x '.repeat(400)}**** ******`);
    expect(compileBlocklist([], [])).toBeUndefined();
  });

  it('lets the event loop run while it reads a long text', async () => {
    const blocklist = compileBlocklist([], ['.*!']);
    let turns = 0;
    const timer = setInterval(() => (turns += 1), 1);
    const spans = await blocklist?.find('a'.repeat(500_000));
    clearInterval(timer);
    expect(spans).toEqual([]);
    expect(turns).toBeGreaterThan(0);
  });
});
