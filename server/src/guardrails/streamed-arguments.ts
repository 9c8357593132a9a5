/**
 * A run of one JSON string's content, as a client reads it once it joins and parses the JSON (`text`) and as it came
 * (`raw`, its escapes and all; the string's quotes are syntax around it).
 */
export interface DecodedText {
  text: string;
  raw: string;
  /**
   * Where in `raw` each code unit of `text` starts, once the run holds an escape; without one, `raw` is `text`. An
   * escape decodes to one code unit (`\u0040`, `\n`), so a cut between code units of `text` is a cut between escapes.
   */
  offsets?: number[];
  /** The string starts with this run. */
  opens: boolean;
  /** The string ends with this run (its closing quote is the syntax that follows). */
  closes: boolean;
  /** The string is an object's key, which a program reads by its exact value (never rewritten). */
  key: boolean;
}

/** A run of a JSON text that comes in pieces: the text between its strings as it came (`syntax`), or a string's. */
export type JsonRun = { syntax: string } | DecodedText;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** What an escape sequence (from its backslash) decodes to, or undefined while it is incomplete. */
function decodeEscape(sequence: string): string | undefined {
  const kind = sequence[1];
  if (kind === undefined) return undefined;
  if (kind !== 'u') return SIMPLE_ESCAPES[kind] ?? kind;
  if (sequence.length < 6) return undefined;
  const hex = sequence.slice(2);
  return /^[0-9a-f]{4}$/i.test(hex) ? String.fromCharCode(Number.parseInt(hex, 16)) : sequence;
}

const STRING_STOP = /["\\]/g;
const STRUCTURE = /[{}[\]:,]/g;

/** The offsets of a run without an escape, where each code unit of its text is one of its raw text. */
const sameOffsets = (length: number, from = 0): number[] => Array.from({ length }, (_unit, index) => from + index);

/** Adds text that came as it reads to a run. */
function addPlain(run: DecodedText, text: string): void {
  if (run.offsets) run.offsets.push(...sameOffsets(text.length, run.raw.length));
  run.text += text;
  run.raw += text;
}

/** Adds an escape sequence and what it decodes to to a run. */
function addEscape(run: DecodedText, sequence: string, decoded: string): void {
  run.offsets ??= sameOffsets(run.text.length);
  // An escape JSON.parse would refuse (`\uZZZZ`) reads as it came: each of its code units starts where it does.
  for (let unit = 0; unit < decoded.length; unit++) run.offsets.push(run.raw.length);
  run.text += decoded;
  run.raw += sequence;
}

/** Where in a run's raw text the code unit `index` of its text starts (its raw length past the end). */
function rawIndexOf(run: DecodedText, index: number): number {
  if (index >= run.text.length) return run.raw.length;
  return run.offsets?.[index] ?? index;
}

/**
 * The raw text of a run from one code unit of its text to another: what to send of a string where its text is let
 * through as it came.
 * @example
 * rawSliceOf({ text: 'ada@x', raw: 'ada\\u0040x', offsets: [0, 1, 2, 3, 9], opens: true, closes: false, key: false }, 2, 4); // 'a\\u0040'
 */
export function rawSliceOf(run: DecodedText, from: number, to = run.text.length): string {
  return run.raw.slice(rawIndexOf(run, from), rawIndexOf(run, to));
}

/** The rest of a run from a code unit of its text: the end of a string a stream holds back, to go on with the next run. */
function restOf(run: DecodedText, from: number): DecodedText {
  const rawFrom = rawIndexOf(run, from);
  const rest: DecodedText = { text: run.text.slice(from), raw: run.raw.slice(rawFrom), opens: false, closes: run.closes, key: run.key };
  if (run.offsets) rest.offsets = run.offsets.slice(from).map((offset) => offset - rawFrom);
  return rest;
}

/** Two runs of one string as one. */
function joined(first: DecodedText, second: DecodedText): DecodedText {
  const run: DecodedText = { text: first.text + second.text, raw: first.raw + second.raw, opens: first.opens, closes: second.closes, key: first.key };
  if (first.offsets || second.offsets) {
    run.offsets = [...(first.offsets ?? sameOffsets(first.text.length)), ...(second.offsets ?? sameOffsets(second.text.length)).map((offset) => offset + first.raw.length)];
  }
  return run;
}

/**
 * A text as it goes inside a JSON string: a redaction written into streamed tool-call arguments, which must stay JSON.
 * @example
 * jsonStringText('say "hi"'); // 'say \\"hi\\"'
 */
export const jsonStringText = (text: string): string => JSON.stringify(text).slice(1, -1);

/**
 * Reads a JSON text that comes in pieces (streamed tool-call arguments) as runs: what lies between its strings
 * (syntax, numbers) as it came, and the content of each string (keys and values) both decoded, as a client that joins
 * and parses the JSON will read it, and as it came. An escape split across pieces is read once it is whole: its start
 * is in no run until then (`end` gives it back when no more comes).
 * @example
 * const decoder = new JsonStringDecoder();
 * decoder.write('{"to":"ada\\u00'); // [{ syntax: '{"' }, { text: 'to', key: true, … }, { syntax: '":"' }, { text: 'ada', raw: 'ada', opens: true, … }]
 * decoder.write('40example.com"}'); // [{ text: '@example.com', raw: '\\u0040example.com', closes: true, … }, { syntax: '"}' }]
 */
export class JsonStringDecoder {
  #inString = false;
  #key = false;
  /** The escape sequence read so far (from its backslash), or '' outside one. */
  #escape = '';
  /** The objects and arrays open around what comes next, innermost last: whether a string there is a key. */
  readonly #containers: string[] = [];
  /** In an object, the next string is a key (after its `{` or a `,`), until a `:`. */
  #keyNext = false;

  write(piece: string): JsonRun[] {
    const runs: JsonRun[] = [];
    const syntax = (text: string) => {
      const last = runs.at(-1);
      if (last && 'syntax' in last) last.syntax += text;
      else if (text !== '') runs.push({ syntax: text });
    };
    let run: DecodedText | undefined = this.#inString ? { text: '', raw: '', opens: false, closes: false, key: this.#key } : undefined;
    if (run) runs.push(run);
    let at = 0;
    while (at < piece.length) {
      if (!run) {
        const quote = piece.indexOf('"', at);
        const end = quote < 0 ? piece.length : quote + 1;
        this.#readStructure(piece.slice(at, end));
        syntax(piece.slice(at, end));
        if (quote < 0) break;
        at = end;
        this.#inString = true;
        this.#key = this.#containers.at(-1) === '{' && this.#keyNext;
        this.#keyNext = false;
        runs.push((run = { text: '', raw: '', opens: true, closes: false, key: this.#key }));
      } else if (this.#escape !== '') {
        this.#escape += piece[at++];
        const decoded = decodeEscape(this.#escape);
        if (decoded === undefined) continue;
        addEscape(run, this.#escape, decoded);
        this.#escape = '';
      } else {
        STRING_STOP.lastIndex = at;
        const stop = STRING_STOP.exec(piece)?.index ?? piece.length;
        addPlain(run, piece.slice(at, stop));
        at = stop + 1;
        if (stop === piece.length) break;
        if (piece[stop] === '"') {
          this.#inString = false;
          run.closes = true;
          run = undefined;
          syntax('"');
        } else this.#escape = '\\';
      }
    }
    return runs.filter((read) => 'syntax' in read || read.opens || read.closes || read.text !== '');
  }

  /** The start of an escape no piece completed, as it came: the text ended inside it. */
  end(): string {
    const rest = this.#escape;
    this.#escape = '';
    return rest;
  }

  /** Follows the objects and arrays of syntax between strings, to tell a key from a value. */
  #readStructure(text: string): void {
    STRUCTURE.lastIndex = 0;
    for (let match = STRUCTURE.exec(text); match; match = STRUCTURE.exec(text)) {
      const mark = match[0];
      if (mark === '{' || mark === '[') this.#containers.push(mark);
      else if (mark === '}' || mark === ']') this.#containers.pop();
      if (mark !== ',') this.#keyNext = mark === '{';
      else this.#keyNext = this.#containers.at(-1) === '{';
    }
  }
}

/**
 * What a stream holds back of one tool call's arguments: the runs that came and are not decided yet (the end of a
 * string that could still grow into a match, and whatever came after it), and the decoder that reads what comes next.
 * @example
 * const held = new HeldArguments();
 * const [, , , address] = held.take('{"to":"ada@ex', false); // [{ syntax: '{"' }, { text: 'to', … }, { syntax: '":"' }, { text: 'ada@ex', … }]
 * held.hold(address, 0, []); // none of the address is decided yet
 * held.take('ample.com"}', false); // [{ text: 'ada@example.com', closes: true, … }, { syntax: '"}' }]
 */
export class HeldArguments {
  readonly #decoder = new JsonStringDecoder();
  #held: JsonRun[] = [];

  /**
   * The runs held back, then those a new piece adds, taken: the held end of a string and its next run as one; with
   * `final` (no more comes), an escape left incomplete as it came.
   */
  take(piece: string, final: boolean): JsonRun[] {
    const runs = this.#held;
    this.#held = [];
    for (const run of this.#decoder.write(piece)) {
      const last = runs.at(-1);
      if (last && !('syntax' in last) && !last.closes && !('syntax' in run) && !run.opens) runs[runs.length - 1] = joined(last, run);
      else runs.push(run);
    }
    const rest = final ? this.#decoder.end() : '';
    if (rest !== '') runs.push({ syntax: rest });
    return runs;
  }

  /** Holds back a string's run from a code unit of its text, and the runs after it, until the next piece. */
  hold(run: DecodedText, from: number, after: JsonRun[]): void {
    this.#held = [restOf(run, from), ...after];
  }
}
