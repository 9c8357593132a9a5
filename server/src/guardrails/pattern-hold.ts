import { parsePattern, type PatternNode } from '../features/pattern-syntax.js';

/**
 * The most states the automaton of a blocklist's patterns may have (a counted repeat takes its body once per count:
 * `\w{1,200}` is about 400). Past it, reading the patterns this way would cost too much per streamed piece, and the
 * blocklist holds back the last reach of a text instead.
 */
export const MOST_PATTERN_STATES = 1_000;

/**
 * How many code points' verdicts (which of the patterns' characters each one is) an automaton keeps, past ASCII: a
 * byte per class each, in one table, so that the automata kept (`MOST_AUTOMATA`) hold a few MB at most.
 */
const MOST_REMEMBERED = 1_024;

/**
 * The most states the readings of a piece of text visit (about 60 µs of work) before they stop and hold all the tail,
 * which is safe: ordinary patterns on ordinary text visit 2 to 10 per character, but one such as `.{0,100}x` keeps a
 * hundred ways open at every character, and `\w{1,200}!` as many as a word has letters.
 */
export const MOST_VISITS = 8_192;

/**
 * The states the readings of one piece of text may still visit: one budget of `MOST_VISITS` for the text as sent and
 * the text as the blocklist reads it, so that a piece costs about 60 µs at most however many readings it takes.
 */
export interface HoldBudget {
  visits: number;
}

// What a state of the automaton does.
/** Reads one character its class matches, then goes to `next`. */
const CHARACTER = 0;
/** Goes to `next` and to `other` at once, reading nothing. */
const SPLIT = 1;
/** Goes to `next` when its assertion holds where it stands. */
const ASSERTION = 2;
/** A match ends here. */
const ACCEPT = 3;

// The assertions, as `ASSERTION` states name them.
const LINE_START = 0;
const LINE_END = 1;
const WORD_EDGE = 2;
const NOT_WORD_EDGE = 3;
const ASSERTIONS: Readonly<Record<string, number>> = { '^': LINE_START, $: LINE_END, '\\b': WORD_EDGE, '\\B': NOT_WORD_EDGE };

/** A pattern's automaton would be larger than `MOST_PATTERN_STATES`. */
class TooLargeError extends Error {}

/**
 * The patterns of a blocklist as one automaton (Thompson's construction from `parsePattern`'s tree), read forwards
 * from every start of a text's tail at once, so the work is linear in the tail whatever the patterns. Each state keeps
 * only the earliest start that reached it: what happens after a state does not depend on where its match began.
 */
class PatternAutomaton {
  readonly #kinds: Uint8Array;
  readonly #next: Int32Array;
  /** A split's second way, an assertion's kind, a character's class. */
  readonly #other: Int32Array;
  readonly #start: number;
  /**
   * The characters a match can begin with, when reaching them from the start crosses no assertion (they are then the
   * same at every position); otherwise undefined, and they are found again at each position.
   */
  readonly #firsts: Int32Array | undefined;
  /** Each character class once, tested alone on one code point (`iu`, as the patterns run with `giu`). */
  readonly #classes: RegExp[];
  /**
   * Which classes a code point is one of (0 not asked yet, 1 no, 2 yes), a row of a byte per class: ASCII in the first
   * 128 rows, by code point, and the code points past it that `#rows` gives a row, after them.
   */
  readonly #verdicts: Uint8Array;
  readonly #rows = new Map<number, number>();
  // Work space for one reading, reused: a state's mark is the number of the step that last reached it.
  readonly #marks: Int32Array;
  readonly #stack: Int32Array;
  /** The states a reading is in and their starts, and the same for the states it goes to next. */
  readonly #lists: [Int32Array, Int32Array, Int32Array, Int32Array];
  readonly #firstsHere: Int32Array;
  readonly #scratchStarts: Int32Array;
  #step = 0;
  /** States visited in the current reading, against its budget. */
  #visits = 0;

  constructor(kinds: number[], next: number[], other: number[], start: number, classes: RegExp[]) {
    this.#kinds = Uint8Array.from(kinds);
    this.#next = Int32Array.from(next);
    this.#other = Int32Array.from(other);
    this.#start = start;
    this.#classes = classes;
    this.#verdicts = new Uint8Array((128 + MOST_REMEMBERED) * classes.length);
    const size = kinds.length;
    this.#marks = new Int32Array(size);
    this.#stack = new Int32Array(2 * size + 2);
    this.#lists = [new Int32Array(size), new Int32Array(size), new Int32Array(size), new Int32Array(size)];
    this.#firstsHere = new Int32Array(size);
    this.#scratchStarts = new Int32Array(size);
    this.#firsts = this.#crossesAssertion(start) ? undefined : this.#firstsAt('', 0).slice();
  }

  /**
   * The earliest start, at or after `from`, of a way through the automaton still open at the text's end (in a state
   * that could read more, or that accepts): where the text could still be, or be the beginning of, a match. The
   * text's length when there is none. `$`, `\b` and `\B` are taken to hold at the end, where what follows is unknown.
   * A reading that would visit more states than `budget` has left stops and answers `from`: all of the tail may be
   * one. What it visited is taken from `budget`.
   */
  holdFrom(text: string, from: number, budget: HoldBudget): number {
    const { length } = text;
    const kinds = this.#kinds;
    const next = this.#next;
    const other = this.#other;
    this.#visits = 0;
    const limit = budget.visits;
    let [listed, starts, nextListed, nextStarts] = this.#lists;
    let count = 0;
    for (let at = from; at < length; ) {
      const codePoint = text.codePointAt(at) ?? 0;
      const row = this.#rowOf(codePoint);
      const begun = at;
      // Found before this step's marks, which finding them would disturb.
      const firsts = this.#firsts ?? this.#firstsAt(text, begun);
      at += codePoint > 0xffff ? 2 : 1;
      const step = this.#nextStep();
      let following = 0;
      // The list is in the order of its starts, and a match begun here comes last: the first start to reach a state
      // is its earliest.
      for (let index = 0; index < count; index += 1) {
        const state = listed[index] as number;
        if (kinds[state] === CHARACTER && this.#matches(row, other[state] as number, codePoint)) {
          following = this.#close(nextListed, nextStarts, following, next[state] as number, starts[index] as number, text, at, step);
        }
      }
      for (let index = 0; index < firsts.length; index += 1) {
        const state = firsts[index] as number;
        if (kinds[state] === CHARACTER && this.#matches(row, other[state] as number, codePoint)) {
          following = this.#close(nextListed, nextStarts, following, next[state] as number, begun, text, at, step);
        }
      }
      this.#visits += count + firsts.length;
      if (this.#visits > limit) {
        budget.visits = 0;
        return from;
      }
      const swapped = listed;
      listed = nextListed;
      nextListed = swapped;
      const swappedStarts = starts;
      starts = nextStarts;
      nextStarts = swappedStarts;
      count = following;
    }
    budget.visits = limit - this.#visits;
    return count > 0 ? (starts[0] as number) : length;
  }

  #nextStep(): number {
    if (this.#step >= 0x7fffffff) {
      this.#marks.fill(0);
      this.#step = 0;
    }
    return ++this.#step;
  }

  /** The characters (and the accept) a match beginning at a position of a text reaches before it reads one. */
  #firstsAt(text: string, at: number): Int32Array {
    const count = this.#close(this.#firstsHere, this.#scratchStarts, 0, this.#start, at, text, at, this.#nextStep());
    return this.#firstsHere.subarray(0, count);
  }

  /** Whether reading nothing from a state crosses an assertion before it reaches a character or the accept. */
  #crossesAssertion(state: number): boolean {
    const step = this.#nextStep();
    const stack = [state];
    for (let current = stack.pop(); current !== undefined; current = stack.pop()) {
      if (this.#marks[current] === step) continue;
      this.#marks[current] = step;
      const kind = this.#kinds[current];
      if (kind === ASSERTION) return true;
      if (kind === SPLIT) stack.push(this.#other[current] as number, this.#next[current] as number);
    }
    return false;
  }

  /**
   * Adds to a list the states that reading nothing more reaches from `state` at `at` (the characters and the accept,
   * which are what a list holds), for a match that began at `start`; a state this step already reached is left as it
   * is. Returns the list's new length.
   */
  #close(list: Int32Array, starts: Int32Array, count: number, state: number, start: number, text: string, at: number, step: number): number {
    const stack = this.#stack;
    const marks = this.#marks;
    const kinds = this.#kinds;
    if (kinds[state] === CHARACTER) {
      // Most often a character leads to another: nothing to follow.
      if (marks[state] === step) return count;
      marks[state] = step;
      this.#visits += 1;
      list[count] = state;
      starts[count] = start;
      return count + 1;
    }
    let depth = 0;
    stack[depth++] = state;
    while (depth > 0) {
      const current = stack[--depth] as number;
      if (marks[current] === step) continue;
      marks[current] = step;
      this.#visits += 1;
      const kind = kinds[current];
      if (kind === CHARACTER || kind === ACCEPT) {
        list[count] = current;
        starts[count] = start;
        count += 1;
      } else if (kind === SPLIT) {
        stack[depth++] = this.#other[current] as number;
        stack[depth++] = this.#next[current] as number;
      } else if (holds(this.#other[current] as number, text, at)) stack[depth++] = this.#next[current] as number;
    }
    return count;
  }

  /** Where a code point's verdicts start in `#verdicts`: its row, given one (and the others forgotten) when it had none. */
  #rowOf(codePoint: number): number {
    const width = this.#classes.length;
    if (codePoint < 128) return codePoint * width;
    let row = this.#rows.get(codePoint);
    if (row === undefined) {
      if (this.#rows.size >= MOST_REMEMBERED) {
        this.#rows.clear();
        this.#verdicts.fill(0, 128 * width);
      }
      row = 128 + this.#rows.size;
      this.#rows.set(codePoint, row);
    }
    return row * width;
  }

  /**
   * Whether a code point (whose verdicts start at `row`) is one of the character class `index`, asked of its regular
   * expression once.
   */
  #matches(row: number, index: number, codePoint: number): boolean {
    const verdicts = this.#verdicts;
    const verdict = verdicts[row + index];
    if (verdict) return verdict === 2;
    const matches = (this.#classes[index] as RegExp).test(String.fromCodePoint(codePoint));
    verdicts[row + index] = matches ? 2 : 1;
    return matches;
  }
}

/** Whether a code point is a word character for `\b` in a pattern compiled with `iu` (which adds `ſ` and the Kelvin sign). */
const isWordCharacter = (codePoint: number): boolean =>
  (codePoint >= 0x61 && codePoint <= 0x7a) || (codePoint >= 0x41 && codePoint <= 0x5a) || (codePoint >= 0x30 && codePoint <= 0x39) || codePoint === 0x5f || codePoint === 0x17f || codePoint === 0x212a;

/**
 * Whether an assertion holds at a position of a text: exactly inside it; at its end, always, since what follows is
 * not known yet (a text that ends there satisfies `$`, more text may make a word's edge or not). `^` holds only at the
 * text's start, as in the patterns, which run without the `m` flag.
 */
function holds(assertion: number, text: string, at: number): boolean {
  if (assertion === LINE_START) return at === 0;
  if (at >= text.length) return true;
  if (assertion === LINE_END) return false;
  const before = at > 0 && isWordCharacter(codePointBefore(text, at));
  const edge = before !== isWordCharacter(text.codePointAt(at) ?? 0);
  return assertion === WORD_EDGE ? edge : !edge;
}

/** The code point that ends just before a position of a text. */
function codePointBefore(text: string, at: number): number {
  const unit = text.charCodeAt(at - 1);
  return unit >= 0xdc00 && unit <= 0xdfff && at >= 2 ? (text.codePointAt(at - 2) ?? unit) : unit;
}

/** The automaton of some patterns: Thompson's construction, each part built before the part it leads to. */
function buildAutomaton(patterns: readonly string[]): PatternAutomaton {
  const kinds: number[] = [];
  const next: number[] = [];
  const other: number[] = [];
  const classes: RegExp[] = [];
  const classIndex = new Map<string, number>();
  // Copies of a repeat's body count too, for a body that makes no state (an empty group repeated a million times).
  let work = 0;
  const add = (kind: number, to: number, second: number): number => {
    if (kinds.length >= MOST_PATTERN_STATES || ++work > 4 * MOST_PATTERN_STATES) throw new TooLargeError();
    kinds.push(kind);
    next.push(to);
    other.push(second);
    return kinds.length - 1;
  };
  const classOf = (source: string): number => {
    let index = classIndex.get(source);
    if (index === undefined) {
      index = classes.length;
      classes.push(new RegExp(`^(?:${source})$`, 'iu'));
      classIndex.set(source, index);
    }
    return index;
  };
  /** The entry of `node`'s states, which lead to `then`. */
  const build = (node: PatternNode, then: number): number => {
    switch (node.kind) {
      case 'character':
        return add(CHARACTER, then, classOf(node.source));
      case 'assertion': {
        const assertion = ASSERTIONS[node.source];
        if (assertion === undefined) throw new TypeError(`unknown assertion ${node.source}`);
        return add(ASSERTION, then, assertion);
      }
      case 'sequence':
        return node.items.reduceRight((entry, item) => build(item, entry), then);
      case 'alternation':
        return node.branches.map((branch) => build(branch, then)).reduceRight((rest, entry) => add(SPLIT, entry, rest));
      case 'repeat': {
        if (node.min > MOST_PATTERN_STATES || (node.max !== Infinity && node.max > MOST_PATTERN_STATES)) throw new TooLargeError();
        let entry = then;
        if (node.max === Infinity) {
          const loop = add(SPLIT, then, then);
          next[loop] = build(node.body, loop);
          entry = loop;
        } else {
          for (let optional = node.min; optional < node.max; optional += 1) entry = add(SPLIT, build(node.body, entry), then);
        }
        for (let copy = 0; copy < node.min; copy += 1) {
          if (++work > 4 * MOST_PATTERN_STATES) throw new TooLargeError();
          entry = build(node.body, entry);
        }
        return entry;
      }
    }
  };
  const accept = add(ACCEPT, -1, -1);
  const entries = patterns.map((pattern) => build(parsePattern(pattern), accept));
  const start = entries.reduceRight((rest, entry) => add(SPLIT, entry, rest));
  return new PatternAutomaton(kinds, next, other, start, classes);
}

/** Where a text's last `reach` code points start (a little earlier rather than inside a surrogate pair). */
function tailStart(text: string, reach: number): number {
  const from = Math.max(0, text.length - reach);
  const unit = text.charCodeAt(from);
  return from > 0 && unit >= 0xdc00 && unit <= 0xdfff ? from - 1 : from;
}

/** The automata of the lists of patterns blocklists were compiled with lately: a blocklist is compiled per request. */
const automata = new Map<string, PatternAutomaton | undefined>();
const MOST_AUTOMATA = 100;

/**
 * Where the suffix of a text starts that could still be, or become, a match of one of the patterns, read over the
 * text's last `reach` characters (a match longer than that is not promised to be found anyway): the earliest start
 * of a match the automaton of the patterns is still inside of at the text's end; the text's length when none could.
 * Where being exact is hard it holds more rather than less: `$`, `\b` and `\B` hold at the end. A list whose automaton
 * would pass `MOST_PATTERN_STATES`, or with a pattern `parsePattern` refuses or a part of which does not compile
 * alone, holds the whole last `reach`, as does a reading that passes what `budget` has left (by default `MOST_VISITS`
 * for this text alone; the readings of one piece share one). The automaton is built once per list of patterns; each
 * character class is asked of its regular expression once per code point.
 * @example
 * const holdFrom = patternHoldFrom(['project-\\d{4}'], 256);
 * holdFrom('see project-12'); // 4
 * holdFrom('see projects'); // 12
 */
export function patternHoldFrom(patterns: readonly string[], reach: number): (text: string, budget?: HoldBudget) => number {
  const key = JSON.stringify(patterns);
  let automaton = automata.get(key);
  if (!automata.has(key)) {
    try {
      automaton = buildAutomaton(patterns);
    } catch {
      // Too large, refused, or a part that does not compile alone: every start is possible.
      automaton = undefined;
    }
    if (automata.size >= MOST_AUTOMATA) automata.clear();
    automata.set(key, automaton);
  }
  if (!automaton) return (text) => tailStart(text, reach);
  const read = automaton;
  return (text, budget = { visits: MOST_VISITS }) => read.holdFrom(text, tailStart(text, reach), budget);
}
