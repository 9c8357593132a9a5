import { afterAll, describe, expect, it } from 'vitest';
import { seededText } from '../../test/seeded-text.js';
import { BLOCKLIST_REACH, compileBlocklist } from './blocklist.js';
import { BlocklistWorker } from './blocklist-worker.js';
import { matchingView } from './matching-view.js';
import { MOST_PATTERN_STATES, MOST_VISITS, patternHoldFrom } from './pattern-hold.js';

const worker = new BlocklistWorker();
afterAll(() => worker.close());

/** Where a blocklist of these patterns holds a text back from, in the text as sent. */
const holdFrom = (patterns: string[], text: string): number | undefined => compileBlocklist([], patterns, worker)?.holdFrom?.(text);

describe('the hold of a blocklist\'s patterns on a streamed text', () => {
  it('holds back the start of what could still become a match, and nothing of what could not', () => {
    const patterns = ['project-\\d{4}'];
    for (const text of ['see p', 'see proj', 'see project-', 'see project-12']) expect(holdFrom(patterns, text), text).toBe(4);
    // `s` does not go on with `-`, and no match begins with `s`; a letter does not go on with four digits.
    for (const text of ['see projects', 'see project-12a', 'see project-123x', 'nothing here']) expect(holdFrom(patterns, text), text).toBe(text.length);
  });

  it('holds a whole match at the end too, as what comes next may still change it', () => {
    expect(holdFrom(['project-\\d{4,}'], 'see project-1234')).toBe(4);
    expect(holdFrom(['\\bcat\\b'], 'a cat')).toBe(2);
  });

  it('holds from the earliest start still alive, not from the first character that began one', () => {
    // The run from the first 5 needed a dash after three digits; the run from the second one has it.
    expect(holdFrom(['\\d{3}-\\d{4}'], 'call 5555-12')).toBe(6);
    // `55-` can be no start, `12` can.
    expect(holdFrom(['\\d{3}-\\d{4}'], 'call 55-12')).toBe(8);
  });

  it('reads the patterns case-insensitively, as they match', () => {
    expect(holdFrom(['project-\\d{4}'], 'see PROJECT-1')).toBe(4);
    expect(holdFrom(['Straße'], 'die STRA')).toBe(4);
  });

  it('follows each branch of an alternation, and each pattern of the list', () => {
    const patterns = ['(?:alpha|beta)-\\d+', 'gamma\\d'];
    expect(holdFrom(patterns, 'x alp')).toBe(2);
    expect(holdFrom(patterns, 'x beta-')).toBe(2);
    expect(holdFrom(patterns, 'x gamm')).toBe(2);
    expect(holdFrom(patterns, 'x delt')).toBe('x delt'.length);
    // The last `a` could begin `alpha`.
    expect(holdFrom(patterns, 'x delta')).toBe(6);
  });

  it('counts a counted repeat: a prefix within its bounds is held, one past them is not', () => {
    expect(holdFrom(['x\\d{2,3}y'], 'a x123')).toBe(2);
    expect(holdFrom(['x\\d{2,3}y'], 'a x1234')).toBe('a x1234'.length);
    expect(holdFrom(['(?:ab){3}'], 'z ababa')).toBe(2);
  });

  it('reads Unicode classes and astral code points whole', () => {
    expect(holdFrom(['\\p{Script=Greek}+\\d'], 'see αβγ')).toBe(4);
    expect(holdFrom(['\\p{Script=Greek}+\\d'], 'see abc')).toBe('see abc'.length);
    expect(holdFrom(['\\p{L}+-\\d{3}'], 'code Дом-1')).toBe(5);
    expect(holdFrom(['😀+!'], 'hi 😀😀')).toBe(3);
    expect(holdFrom(['😀+!'], 'hi 😀😀?')).toBe('hi 😀😀?'.length);
  });

  it('holds what could match on the text as the blocklist reads it: look-alike letters and invisible code points', () => {
    // A Cyrillic `о`, and a zero-width space: the pattern matches their view only.
    expect(holdFrom(['project-\\d{4}'], 'see prоject-12')).toBe(4);
    expect(holdFrom(['project-\\d{4}'], 'see pro\u200bject-12')).toBe(4);
    // A pattern in another script matches the text as sent, which the view folds to Latin letters.
    expect(holdFrom(['привет\\d'], 'say приве')).toBe(4);
  });

  it('judges `^`, `\\b` and `\\B` inside the text, and takes `$` and the word edges at its end to hold', () => {
    expect(holdFrom(['^hello'], 'hel')).toBe(0);
    expect(holdFrom(['^hello'], 'say hel')).toBe('say hel'.length);
    expect(holdFrom(['\\bcat\\b'], 'concat')).toBe('concat'.length);
    expect(holdFrom(['\\bcat\\b'], 'a ca')).toBe(2);
    expect(holdFrom(['end$'], 'the en')).toBe(4);
    expect(holdFrom(['\\Bing'], 'sing')).toBe(1);
  });

  it('judges every character alike once it has forgotten the ones it read before (past a thousand distinct ones)', () => {
    const hold = patternHoldFrom(['[\\u4e00-\\u9fff]{2}!'], BLOCKLIST_REACH);
    // Two Han characters could begin a match: held. Each pair is new, so the characters remembered pass the limit.
    for (let index = 0; index < 1_500; index += 1) {
      const text = `ab ${String.fromCodePoint(0x4e00 + 2 * index, 0x4e01 + 2 * index)}`;
      expect(hold(text), text).toBe(3);
    }
    // Other letters past ASCII, read after the table was cleared in their rows, are no start of a match.
    for (let index = 0; index < 1_500; index += 1) {
      const text = `ab ${String.fromCodePoint(0x0400 + index, 0x0401 + index)}`;
      expect(hold(text), text).toBe(text.length);
    }
  });

  it('never holds for a match of no character', () => {
    expect(holdFrom(['x*'], 'abc')).toBe(3);
    expect(holdFrom(['x*'], 'abxx')).toBe(2);
  });

  it('holds the whole reach for a pattern that could match from anywhere, or that it cannot read', () => {
    const text = 'word '.repeat(100);
    const reach = text.length - BLOCKLIST_REACH;
    expect(holdFrom(['.*!'], text)).toBe(reach);
    // Refused by the syntax check, as a pattern saved before it could be.
    expect(patternHoldFrom(['(?=a)a'], BLOCKLIST_REACH)(text)).toBe(reach);
    // A pair of a surrogate pair is not cut in two.
    expect(patternHoldFrom(['(?=a)a'], 2)('ab😀c')).toBe(2);
  });

  it('holds the whole reach once the patterns\' automaton would pass its size', () => {
    const text = 'word '.repeat(100);
    expect(holdFrom(['a{1,100}!'], text)).toBe(text.length);
    expect(holdFrom([`a{1,${MOST_PATTERN_STATES}}!`], text)).toBe(text.length - BLOCKLIST_REACH);
    expect(holdFrom(['(?:){100000}x'], text)).toBe(text.length - BLOCKLIST_REACH);
    const many = Array.from({ length: MOST_PATTERN_STATES / 5 }, (_, index) => `code${index}-\\d{3}`);
    expect(holdFrom(many, text)).toBe(text.length - BLOCKLIST_REACH);
  });

  it('holds the whole reach when reading the tail would keep too many ways open at once', () => {
    const text = 'word '.repeat(100);
    expect(holdFrom(['.{0,100}x'], text)).toBe(text.length - BLOCKLIST_REACH);
    // Only as many ways as a word has letters: read to the end.
    expect(holdFrom(['\\w{1,200}!'], text)).toBe(text.length);
  });

  it('spends one budget over the readings it is given: a reading that spends it all leaves the next none', () => {
    const text = 'word '.repeat(100);
    const budget = { visits: MOST_VISITS };
    expect(patternHoldFrom(['[\\w.+-]+@[\\w-]+\\.[\\w.]+'], BLOCKLIST_REACH)(text, budget)).toBe(text.length);
    expect(budget.visits).toBeGreaterThan(0);
    expect(budget.visits).toBeLessThan(MOST_VISITS);
    expect(patternHoldFrom(['.{0,100}x'], BLOCKLIST_REACH)(text, budget)).toBe(text.length - BLOCKLIST_REACH);
    expect(budget.visits).toBe(0);
    // Nothing left: the whole tail is held, where a budget of its own reads that no match can begin.
    expect(patternHoldFrom(['project-\\d{4}'], BLOCKLIST_REACH)('nothing here', budget)).toBe(0);
    expect(patternHoldFrom(['project-\\d{4}'], BLOCKLIST_REACH)('nothing here')).toBe('nothing here'.length);
  });

  it('never lets out a character of a match, wherever the text is cut inside it', () => {
    // Matches in the text as sent and in its view (Cyrillic `а`, a zero-width space), as the blocklist finds them.
    const alphabet = ['a', 'b', ' ', '@', '.', '-', 'x', '1', '2', '\n', 'а', '\u200b', 'é'];
    const patterns = ['[\\w.+-]+@[\\w-]+\\.[\\w.]+', '\\bab\\d{2,3}\\b', 'x(?:a|b1)+-$', '^b\\s', '(?:ab|ba){2}\\.'];
    const blocklist = compileBlocklist([], patterns, worker);
    let cuts = 0;
    for (let seed = 1; seed <= 60; seed += 1) {
      const text = seededText(alphabet, 200, seed);
      const view = matchingView(text);
      const spans = patterns.flatMap((pattern) => [
        ...[...text.matchAll(new RegExp(pattern, 'giu'))].map((match) => ({ start: match.index, end: match.index + match[0].length })),
        ...[...view.text.matchAll(new RegExp(pattern, 'giu'))].map((match) => view.original({ start: match.index, end: match.index + match[0].length })),
      ]);
      for (const { start, end } of spans.filter((span) => span.end > span.start)) {
        for (let cut = start + 1; cut <= end; cut += 1, cuts += 1) expect(blocklist?.holdFrom?.(text.slice(0, cut)), `#${seed} cut at ${cut}`).toBeLessThanOrEqual(start);
      }
    }
    expect(cuts).toBeGreaterThan(200);
  });
});
