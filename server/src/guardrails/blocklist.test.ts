import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { seededText } from '../../test/seeded-text.js';
import { BLOCKLIST_REACH, compileBlocklist } from './blocklist.js';
import { BlocklistWorker, DEFAULT_PATTERN_BUDGET_MS, PatternBudgetError } from './blocklist-worker.js';
import { windowSpans } from './window-spans.js';

const worker = new BlocklistWorker();
/**
 * For the tests about turns and the event loop, not the budget: '.*!' on a long text uses most of the default budget
 * on an idle machine, and passed it on one whose two cores were busy with other work.
 */
const patient = new BlocklistWorker({ budgetMs: 20 * DEFAULT_PATTERN_BUDGET_MS });
afterAll(() => Promise.all([worker.close(), patient.close()]));

/** What one pass of each word and pattern over the whole text matches, overlapping matches merged. */
const everyMatch = (words: string[], patterns: string[], text: string) => {
  const parts = [...words.map((word) => `(?<![\\p{L}\\p{N}])${word}(?![\\p{L}\\p{N}])`), ...patterns.map((pattern) => `(?:${pattern})`)];
  const spans = parts
    .flatMap((part) => [...text.matchAll(new RegExp(part, 'giu'))])
    .filter((match) => match[0] !== '')
    .map((match) => ({ start: match.index, end: match.index + match[0].length }))
    .sort((a, b) => a.start - b.start);
  const merged: typeof spans = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
    else merged.push(span);
  }
  return merged;
};

/** The characters of the texts made from a seed: letters, spaces, a newline and what e-mail addresses are made of. */
const ALPHABET = 'ab @.-x1 \n';

afterEach(() => vi.restoreAllMocks());

describe('blocklist', () => {
  it('finds in a long text the same matches as one pass over it when no match is longer than the reach', async () => {
    const lists: Array<[string[], string[]]> = [[['ab', 'x1'], ['a\\d', '\\bb+@', '^a', 'x$', '[a-z]{2,8}\\.']], [[], ['a.{0,40}b', '[ab]+x']]];
    for (const [words, patterns] of lists) {
      const blocklist = compileBlocklist(words, patterns, worker);
      for (let seed = 1; seed <= 40; seed += 1) {
        const text = seededText(ALPHABET, 600 + seed * 97, seed);
        expect(await blocklist?.find(text), `${patterns.join(' ')} #${seed}`).toEqual(everyMatch(words, patterns, text));
      }
    }
  });

  it('never reads more than two reaches (and the characters around them) in one attempt', async () => {
    const exec = vi.spyOn(RegExp.prototype, 'exec');
    const text = `${'a'.repeat(200_000)} write to ada@example.com`;
    const spans = [...windowSpans(/[\w.+-]+@[\w-]+\.[\w.]+/giu, text, false, BLOCKLIST_REACH, 2)].filter((span) => typeof span === 'object');
    expect(spans).toEqual([{ start: text.indexOf('ada@'), end: text.length }]);
    const read = exec.mock.calls.map(([input]) => String(input).length);
    expect(read.length).toBeGreaterThan(200_000 / BLOCKLIST_REACH);
    expect(Math.max(...read)).toBeLessThanOrEqual(2 * BLOCKLIST_REACH + 4);
  });

  it('finds a match longer than the reach in part, unless the pattern asserts something at its edges', async () => {
    const token = 'k'.repeat(1000);
    const long = await compileBlocklist([], ['k{20,}'], worker)?.find(`key ${token} end`);
    expect(long?.[0]?.start).toBe(4);
    expect(long?.reduce((sum, span) => sum + span.end - span.start, 0)).toBeGreaterThan(900);
    // `\d+\b` never matches inside digits followed by a letter, whatever a window's end would say.
    expect(await compileBlocklist([], ['\\d+\\b'], worker)?.find(`${'1'.repeat(2000)}x`)).toEqual([]);
  });

  it('judges words at a window\'s edges by the characters around them', async () => {
    const blocklist = compileBlocklist(['darn'], [], worker);
    for (let at = BLOCKLIST_REACH - 6; at <= BLOCKLIST_REACH + 6; at += 1) {
      const inside = `${'a'.repeat(at)}darn${' '.repeat(700)}`;
      const apart = `${'a'.repeat(at)} darn${' '.repeat(700)}`;
      expect(await blocklist?.find(inside), `at ${at}`).toEqual([]);
      expect(await blocklist?.find(apart), `at ${at}`).toEqual([{ start: at + 1, end: at + 5 }]);
    }
  });

  it('stars out every match', async () => {
    const blocklist = compileBlocklist(['darn'], ['promo\\d+'], worker);
    expect(await blocklist?.redact('Darn, use PROMO42 now')).toBe('****, use ******* now');
    const long = `${'x '.repeat(400)}darn promo7`;
    expect(await blocklist?.redact(long)).toBe(`${'x '.repeat(400)}**** ******`);
    expect(compileBlocklist([], [], worker)).toBeUndefined();
  });

  it('lets the event loop run while it reads a long text for words or patterns', async () => {
    // Words are quick to look for, and read in slices of 10 ms: a text long enough that reading it outlasts a slice
    // several times over (4 million characters, read in 23–34 ms here, once let no 1 ms timer run; 16 million let 6).
    const cases = [[compileBlocklist(['aaaab'], [], patient), 16_000_000], [compileBlocklist([], ['.*!'], patient), 1_000_000]] as const;
    for (const [blocklist, characters] of cases) {
      let turns = 0;
      const timer = setInterval(() => (turns += 1), 1);
      const text = 'a'.repeat(characters);
      const started = performance.now();
      const spans = await blocklist?.find(text);
      const elapsedMs = performance.now() - started;
      clearInterval(timer);
      expect(spans).toEqual([]);
      // A read longer than a slice left the event loop its turns (the worker may also finish within one).
      expect({ turns: turns > 0 || elapsedMs < 10, elapsedMs }).toMatchObject({ turns: true });
    }
  });

  // Patterns the save check lets through (the first) or that an older check let through (the second) backtrack
  // exponentially: without a bound, each text below kept the event loop for seconds.
  it('refuses a text a pattern cannot finish within its budget, keeping the event loop free, and runs the next one', async () => {
    const exponential: Array<[string, string]> = [
      [`x${'a?(ab|b)'.repeat(24)}!`, `x${'ab'.repeat(24)}? `.repeat(4)],
      ['(a{1,20}){1,20}!', 'a'.repeat(27)],
    ];
    for (const [pattern, text] of exponential) {
      let latest = performance.now();
      let longestGap = 0;
      const timer = setInterval(() => {
        longestGap = Math.max(longestGap, performance.now() - latest);
        latest = performance.now();
      }, 5);
      const started = performance.now();
      const refusal = await compileBlocklist(['darn'], ['promo\\d+', pattern], worker)?.find(text).catch((error: unknown) => error);
      clearInterval(timer);
      expect(refusal).toBeInstanceOf(PatternBudgetError);
      expect(refusal).toMatchObject({ pattern, budgetMs: 100, characters: text.length });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(longestGap).toBeLessThan(1_000);
      // The worker stopped with the pattern; a fresh one screens the next text.
      expect(await compileBlocklist(['darn'], ['promo\\d+'], worker)?.redact('oh darn, PROMO42')).toBe('oh ****, *******');
    }
  });

  // One worker screens every project's texts: before it took turns, a project's long text kept another's short one
  // waiting for its whole screening (2 s here; 20 s with ten patterns).
  it('takes turns between projects, so one project\'s long text delays another\'s by a slice', async () => {
    const slow = compileBlocklist([], ['.*!'], patient, { owner: 'project-a' });
    const quick = compileBlocklist([], ['promo\\d+'], patient, { owner: 'project-b' });
    const long = 'a'.repeat(3_000_000);
    let longDone = false;
    const screening = slow?.find(long).then(() => (longDone = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await quick?.find('use PROMO42')).toEqual([{ start: 4, end: 11 }]);
    // An order, not a time (a loaded machine stretches both): the short text was answered between the long one's slices.
    expect(longDone).toBe(false);
    await screening;
    expect(longDone).toBe(true);
  });

  it('finds the same spans in a text screened in many slices as in one pass', async () => {
    const text = seededText(ALPHABET, 400_000, 7);
    const patterns = ['a\\d', '\\bb+@', '[a-z]{2,8}\\.'];
    expect(await compileBlocklist([], patterns, worker)?.find(text)).toEqual(everyMatch([], patterns, text));
  });

  it('drops a text whose request is gone, waiting or between slices, and goes on with the next', async () => {
    const gone = new AbortController();
    const dropped = compileBlocklist([], ['.*!'], worker, { owner: 'project-a', signal: gone.signal })?.find('a'.repeat(3_000_000)).catch((error: unknown) => error);
    const waiting = new AbortController();
    const neverRun = compileBlocklist([], ['.*!'], worker, { owner: 'project-a', signal: waiting.signal })?.find('a'.repeat(3_000_000)).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const abortedAt = performance.now();
    gone.abort();
    waiting.abort();
    expect(await dropped).toMatchObject({ name: 'AbortError' });
    expect(await neverRun).toMatchObject({ name: 'AbortError' });
    expect(performance.now() - abortedAt).toBeLessThan(1_000);
    expect(await compileBlocklist([], ['promo\\d+'], worker)?.find('use PROMO42')).toEqual([{ start: 4, end: 11 }]);
  });

  it('refuses a text whose slices together pass its budget, without stopping the worker', async () => {
    const tight = new BlocklistWorker({ budgetMs: 5 });
    try {
      const refusal = await compileBlocklist([], ['.*!'], tight)?.find('a'.repeat(600_000)).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(PatternBudgetError);
      expect(refusal).toMatchObject({ pattern: '.*!', budgetMs: 5 * Math.ceil(600_000 / 25_600) });
      expect(await compileBlocklist([], ['promo\\d+'], tight)?.find('use PROMO42')).toEqual([{ start: 4, end: 11 }]);
    } finally {
      await tight.close();
    }
  });

  // Each of these reached the model before: a word was matched on the raw text, case-insensitively only.
  const EVASIONS: Array<[string, string]> = [
    ['a zero-width space', 'night\u200bingale'],
    ['a soft hyphen', 'night\u00adingale'],
    ['a word joiner and a variation selector', 'nigh\u2060tinga\ufe0fle'],
    ['fullwidth letters', 'ｎｉｇｈｔｉｎｇａｌｅ'],
    ['a Cyrillic look-alike', 'nightingаle'],
    ['Greek capitals', 'ΝΙGΗΤΙΝGΑLΕ'],
    ['mathematical letters', '𝐧𝐢𝐠𝐡𝐭𝐢𝐧𝐠𝐚𝐥𝐞'],
    ['capitals with a stroke', 'NIGĦŦINGAŁE'],
    ['a letter with a stroke in lower case', 'nightingałe'],
  ];

  it('finds a word written with invisible characters, compatibility forms or look-alike letters, and stars out exactly its characters', async () => {
    const blocklist = compileBlocklist(['nightingale'], [], worker);
    for (const [evasion, written] of EVASIONS) {
      const text = `say ${written}\u200b, please`;
      expect(await blocklist?.find(text), evasion).toEqual([{ start: 4, end: 4 + written.length }]);
      expect(await blocklist?.redact(text), evasion).toBe(`say ${'*'.repeat(written.length)}\u200b, please`);
    }
    // Still a whole word: an invisible character joins what it splits.
    expect(await blocklist?.find('nightingale\u200bs')).toEqual([]);
  });

  it('finds a pattern written the same ways, and a pattern in other scripts as written', async () => {
    const blocklist = compileBlocklist([], ['promo\\d+', 'привет\\d'], worker);
    for (const written of ['prom\u200bo42', 'ｐｒｏｍｏ４２', 'PRОMO42', 'pr\u00adomo42']) {
      expect(await blocklist?.redact(`use ${written} now`), written).toBe(`use ${'*'.repeat(written.length)} now`);
    }
    expect(await blocklist?.find('скажи привет1')).toEqual([{ start: 6, end: 13 }]);
  });

  it('finds a word whose letters fold to Latin in either case', async () => {
    const blocklist = compileBlocklist(['вода', 'νερό'], [], worker);
    expect(await blocklist?.find('ВОДА и вода, ΝΕΡΌ and νερό')).toEqual([{ start: 0, end: 4 }, { start: 7, end: 11 }, { start: 13, end: 17 }, { start: 22, end: 26 }]);
  });

  it('finds a disguised word wherever the windows of a long text cut it', async () => {
    const blocklist = compileBlocklist(['nightingale'], ['promo\\d+'], worker);
    for (const [evasion, written] of EVASIONS) {
      for (let at = BLOCKLIST_REACH - 14; at <= BLOCKLIST_REACH + 4; at += 3) {
        const text = `${'ab '.repeat(at / 3)}${'x'.repeat(at % 3)} ${written} ${'-'.repeat(700)}`;
        const start = text.indexOf(written);
        expect(await blocklist?.find(text), `${evasion} at ${at}`).toEqual([{ start, end: start + written.length }]);
      }
    }
  });

  it('finds a word whose letter NFKC leaves a ligature (`ß`, `œ`, `æ`), and stars out the whole ligature', async () => {
    const blocklist = compileBlocklist(['strasse', 'oeuvre', 'aether'], [], worker);
    expect(await blocklist?.redact('die Straße, STRAẞE, ŒUVRE and æther.')).toBe('die ******, ******, ***** and *****.');
    // A match that takes one letter of a ligature takes the ligature; a word is still whole.
    expect(await compileBlocklist(['sse'], ['se\\b'], worker)?.redact('Straße')).toBe('Stra**');
  });

  it('merges what the words and patterns match where they overlap', async () => {
    expect(await compileBlocklist(['secret'], ['secret\\d+', 'cret'], worker)?.find('my secret42 here')).toEqual([{ start: 3, end: 11 }]);
  });
});
