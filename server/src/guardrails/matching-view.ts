import type { Span } from './window-spans.js';

/**
 * Letters of other scripts drawn exactly like a Latin letter, and the letter: the entries of Unicode's
 * confusables.txt (UTS #39) that map a Cyrillic or Greek letter, or a Latin IPA letter, to one ASCII letter. Those
 * are what homoglyph tools substitute into Latin text (Cyrillic `а`, `е`, `о`, `р`, `с`, `х`, Greek `ο`, `ν`, the
 * capitals `Α Β Ε Η Κ Μ Ν Ο Ρ Τ Χ`…); compatibility forms (fullwidth, mathematical, circled letters) need no entry, as
 * NFKC folds them first. A letter keeps its case, as PII patterns read case; capital I look-alikes fold to `I` rather
 * than to confusables' `l`, as Latin `I` and `l` stay apart here.
 */
const LOOKALIKES: Readonly<Record<string, string>> = {
    // Cyrillic
    А: 'A', а: 'a', В: 'B', Е: 'E', е: 'e', ҽ: 'e', Ԍ: 'G', һ: 'h', Н: 'H', І: 'I', і: 'i', Ј: 'J', ј: 'j', К: 'K', Ӏ: 'l', ӏ: 'l',
    М: 'M', О: 'O', о: 'o', Р: 'P', р: 'p', ԛ: 'q', г: 'r', Ѕ: 'S', ѕ: 's', С: 'C', с: 'c', ԁ: 'd', Т: 'T', Ѵ: 'V', ѵ: 'v',
    Ԝ: 'W', ԝ: 'w', Х: 'X', х: 'x', У: 'Y', у: 'y', Ү: 'Y', ү: 'y',
    // Greek
    Α: 'A', α: 'a', Β: 'B', Ε: 'E', Η: 'H', Ι: 'I', ι: 'i', Ϳ: 'J', ϳ: 'j', Κ: 'K', Μ: 'M', Ν: 'N', ν: 'v', Ο: 'O', ο: 'o',
    Ρ: 'P', ρ: 'p', Τ: 'T', υ: 'u', Υ: 'Y', γ: 'y', Χ: 'X', Ζ: 'Z',
    // Latin letters that pass for others
    ɑ: 'a', ɡ: 'g', ı: 'i', ɩ: 'i', ɪ: 'i', ȷ: 'j', ʋ: 'u', ɯ: 'w', ɣ: 'y', ʏ: 'y',
};

/**
 * Latin letters NFD does not take apart, and what a reader reads them as: the letters drawn with a stroke or a bar
 * through them (`ł`, `ø`, `đ`, `ħ`, `ŧ`, `ƀ`…, and the eth `ð`, drawn like `đ`), which are the letter without it as
 * an accent's letter is, and the ligatures NFKC leaves whole (`æ`, `œ`, `ß`), spelt out as they are written without
 * them. A letter keeps its case. A ligature reads as two letters: a span of the view that takes one of them maps to the
 * whole ligature as sent.
 */
const LETTER_FOLDS: Readonly<Record<string, string>> = {
    ƀ: 'b', Ƀ: 'B', ȼ: 'c', Ȼ: 'C', đ: 'd', Đ: 'D', ð: 'd', Ð: 'D', ɇ: 'e', Ɇ: 'E', ǥ: 'g', Ǥ: 'G', ꞡ: 'g', Ꞡ: 'G',
    ħ: 'h', Ħ: 'H', ɨ: 'i', Ɨ: 'I', ɉ: 'j', Ɉ: 'J', ꝁ: 'k', Ꝁ: 'K', ꞣ: 'k', Ꞣ: 'K', ł: 'l', Ł: 'L', ƚ: 'l', Ƚ: 'L',
    ꞥ: 'n', Ꞥ: 'N', ø: 'o', Ø: 'O', ᵽ: 'p', Ᵽ: 'P', ꝑ: 'p', Ꝑ: 'P', ꝗ: 'q', Ꝗ: 'Q', ɍ: 'r', Ɍ: 'R', ꞧ: 'r', Ꞧ: 'R',
    ꞩ: 's', Ꞩ: 'S', ŧ: 't', Ŧ: 'T', ʉ: 'u', Ʉ: 'U', ɏ: 'y', Ɏ: 'Y', ƶ: 'z', Ƶ: 'Z',
    æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ß: 'ss', ẞ: 'SS',
};

/** What `LOOKALIKES` and `LETTER_FOLDS` read each of their letters as, by code point. */
const LATIN_READINGS: ReadonlyMap<number, string> = new Map(Object.entries({ ...LETTER_FOLDS, ...LOOKALIKES }).map(([letter, latin]) => [letter.codePointAt(0) ?? 0, latin]));

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const IGNORABLES = /\p{Default_Ignorable_Code_Point}/gu;
const MARK = /\p{M}/u;
const NOT_ASCII = /[^\p{ASCII}]/u;
/**
 * Marks a reader reads a word without: accents (the combining marks Unicode shares between scripts, its Inherited
 * script: acute, grave, diaeresis, cedilla, tilde, ring, caron…, Greek tonos, Cyrillic breve, Arabic harakat) and the
 * Hebrew points ordinary writing leaves out. Not the marks that make another letter or word of their script: the
 * vowel signs and viramas of Indic scripts, Thai and Lao vowels and tones, the kana voicing marks (`か` and `が`).
 */
const ACCENTS = /(?![\u3099\u309a])[\p{Script=Inherited}\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]/gu;
/** A text in NFKC without its `ACCENTS`: decomposed, the accents dropped, composed again. */
const withoutAccents = (text: string): string => text.normalize('NFD').replace(ACCENTS, '').normalize('NFC');
const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * The ASCII digit a decimal digit of another script (Arabic-Indic `٤`, Devanagari `४`, Thai `๔`…) is read as: a model
 * reads a number in any of them, and NFKC leaves them as they are. Unicode encodes each script's digits as a run of
 * ten from 0 to 9 (runs may follow each other), so a digit's value is its distance from the start of its run, mod 10.
 */
function asciiDigitOf(codePoint: number): string {
  let start = codePoint;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return String((codePoint - start) % 10);
}

/**
 * Code points the view may change or join to the one before: those NFKC and case folding change (the invisible ones
 * among them), marks, Hangul vowel and final jamo (NFKC composes them with the syllable before), look-alikes,
 * `LETTER_FOLDS` and decimal digits. A letter with an accent (`é`, which no fold above changes) is told by its
 * canonical decomposition. Every other code point is read as it is.
 */
const MAY_CHANGE = new RegExp(`[\\p{Changes_When_NFKC_Casefolded}\\p{M}\\p{Nd}\\u1160-\\u11ff\\ud7b0-\\ud7ff\\uff9e\\uff9f${[...LATIN_READINGS.keys()].map((codePoint) => String.fromCodePoint(codePoint)).join('')}]`, 'u');

/** What the view does with a code point, learnt the first time it is met: `KNOWN`, and the flags that apply. */
const KNOWN = 1;
const CHANGES = 2;
const JOINS = 4;
const INVISIBLE = 8;
const FLAGS = new Uint8Array(0x110000);
/** The folded form of each code point that `CHANGES`: some 10,500 (of `MAY_CHANGE`, and letters with accents). */
const FORMS = new Map<number, string>();
/** The folded form of characters with marks (a base and what joins it), as a text repeats few of them. */
const CHARACTERS = new Map<string, string>();

function flagsOf(codePoint: number): number {
  let flags = FLAGS[codePoint] ?? KNOWN;
  if (flags === 0) {
    flags = KNOWN;
    const char = String.fromCodePoint(codePoint);
    if (MAY_CHANGE.test(char) || char.normalize('NFD') !== char) {
      const invisible = IGNORABLE.test(char);
      const form = invisible ? '' : readAs(char);
      if (form !== char) {
        flags |= CHANGES;
        FORMS.set(codePoint, form);
      }
      // Hangul vowel and final jamo compose with the syllable before them, halfwidth voicing marks with their kana.
      if (MARK.test(char) || (codePoint >= 0x1160 && codePoint <= 0x11ff) || (codePoint >= 0xd7b0 && codePoint <= 0xd7ff) || codePoint === 0xff9e || codePoint === 0xff9f) flags |= JOINS;
      if (invisible) flags |= INVISIBLE;
    }
    FLAGS[codePoint] = flags;
  }
  return flags;
}

/**
 * A character (a base and its marks) as the view reads it: in NFKC, accents and invisible code points dropped,
 * look-alikes made Latin.
 */
const readAs = (character: string): string => fold(withoutAccents(character.normalize('NFKC')));

/**
 * A text already in NFKC with its invisible code points dropped, its look-alike letters made Latin, its
 * `LETTER_FOLDS` folded and its digits of other scripts made ASCII.
 */
function fold(text: string): string {
  let folded = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (codePoint < 0x80) folded += char;
    else if (DECIMAL_DIGIT.test(char)) folded += asciiDigitOf(codePoint);
    else if (!IGNORABLE.test(char)) folded += LATIN_READINGS.get(codePoint) ?? char;
  }
  return folded;
}

/** The text a blocklist or PII rule reads, and where each of its spans lies in the text as sent. */
export interface MatchingView {
  readonly text: string;
  /** The span of the text as sent that a span of the view came from (all of a character a span starts or ends in). */
  original(span: Span): Span;
}

const asSent = (span: Span): Span => span;

/**
 * The text as a guardrail matches it: Unicode default-ignorable code points (zero-width spaces and joiners, the soft
 * hyphen, the word joiner, variation selectors, bidirectional controls, tag characters) dropped, compatibility forms
 * folded by NFKC (fullwidth letters, ligatures, circled and mathematical letters), `ACCENTS` dropped (`café` and
 * `cafe` + U+0301 are `cafe`), `LOOKALIKES` made Latin, `LETTER_FOLDS` folded (`cøcaine` is `cocaine`) and digits
 * of other scripts read as ASCII (`٤١` is `41`); case is left to the rules (blocklists match case-insensitively).
 * This is applied to each character (a base and the marks that follow it, invisible code points between them
 * dropped), which gives what it gives the whole text; spans of the
 * view map back to whole characters of the text as sent (a letter with all its marks), an invisible code point inside
 * a span with them. A text of ASCII only, or that nothing changes, is its own view.
 * @example
 * const view = matchingView('say night\u200bingаle'); // Cyrillic а
 * view.text; // 'say nightingale'
 * view.original({ start: 4, end: 15 }); // { start: 4, end: 16 }
 */
export function matchingView(text: string): MatchingView {
  if (!NOT_ASCII.test(text)) return { text, original: asSent };
  const { length } = text;
  let units = new Uint16Array(length + 16);
  let size = 0;
  let changed = false;
  // Characters not read one code unit for one: each one's start and end in the view, then in the text as sent.
  const moved: number[] = [];
  for (let index = 0; index < length; ) {
    const start = index;
    const unit = text.charCodeAt(index);
    const codePoint = unit >= 0xd800 && unit <= 0xdbff ? (text.codePointAt(index) ?? unit) : unit;
    index += codePoint > 0xffff ? 2 : 1;
    const flags = codePoint < 0x80 ? KNOWN : flagsOf(codePoint);
    // What joins the character: its marks, and the invisible code points between them (not those after its last
    // mark, which are characters of their own).
    let joined = false;
    let invisibleInside = false;
    for (let ahead = index, skipped = false; ahead < length && !(flags & INVISIBLE); ) {
      const following = text.codePointAt(ahead) ?? 0;
      if (following < 0x300 && following !== 0xad) break;
      const followingFlags = flagsOf(following);
      if (!(followingFlags & (JOINS | INVISIBLE))) break;
      ahead += following > 0xffff ? 2 : 1;
      if (followingFlags & INVISIBLE) skipped = true;
      else {
        joined = true;
        invisibleInside ||= skipped;
        index = ahead;
      }
    }
    let piece: string | undefined;
    if (joined) {
      const character = invisibleInside ? text.slice(start, index).replace(IGNORABLES, '') : text.slice(start, index);
      piece = CHARACTERS.get(character);
      if (piece === undefined) {
        piece = readAs(character);
        if (CHARACTERS.size >= 10_000) CHARACTERS.clear();
        CHARACTERS.set(character, piece);
      }
      if (!invisibleInside && piece === character) piece = undefined;
    } else if (flags & CHANGES) piece = FORMS.get(codePoint) ?? '';
    const pieceLength = piece === undefined ? index - start : piece.length;
    if (size + pieceLength > units.length) {
      const grown = new Uint16Array(Math.max(size + pieceLength, 2 * units.length));
      grown.set(units);
      units = grown;
    }
    if (piece === undefined) {
      // Read as it is.
      units[size] = unit;
      size += 1;
      for (let at = start + 1; at < index; at += 1, size += 1) units[size] = text.charCodeAt(at);
      continue;
    }
    changed = true;
    // A character that changed as a whole (composed, reordered, expanded, dropped) maps as a whole.
    if (piece.length !== 1 || index - start !== 1) moved.push(size, size + piece.length, start, index);
    for (let offset = 0; offset < piece.length; offset += 1, size += 1) units[size] = piece.charCodeAt(offset);
  }
  return changed ? { text: Buffer.from(units.buffer, 0, 2 * size).toString('utf16le'), original: originalOf(moved) } : { text, original: asSent };
}

/**
 * The length of a text's `matchingView`, read without making it when the text is ASCII.
 * @example
 * viewLength('night\u200bingale'); // 11
 */
export function viewLength(text: string): number {
  return NOT_ASCII.test(text) ? matchingView(text).text.length : text.length;
}

/**
 * Where spans of a view lie in the text as sent, given its characters not read one code unit for one (`moved`: view
 * start, view end, start and end as sent, by view start); between them, a code unit of the view is one as sent,
 * shifted by what the last of them added or dropped.
 */
function originalOf(moved: readonly number[]): (span: Span) => Span {
  /** The last moved character starting at or before a position of the view (-1 for none), times 4. */
  const before = (position: number) => {
    let low = 0;
    let high = moved.length / 4 - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((moved[4 * middle] ?? 0) <= position) {
        found = 4 * middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  };
  const shift = (at: number) => (moved[at + 3] ?? 0) - (moved[at + 1] ?? 0);
  return ({ start, end }) => {
    const first = before(start);
    const from = first < 0 ? start : start < (moved[first + 1] ?? 0) ? (moved[first + 2] ?? 0) : start + shift(first);
    if (end <= start) return { start: from, end: from };
    const lastUnit = before(end - 1);
    const to = lastUnit < 0 ? end : end - 1 < (moved[lastUnit + 1] ?? 0) ? (moved[lastUnit + 3] ?? 0) : end + shift(lastUnit);
    return { start: from, end: to };
  };
}

/**
 * The source of a regular expression that matches a word in a `matchingView` case-insensitively (with the `iu`
 * flags): the word read as the view reads text, where a letter whose two cases fold apart (Greek `ν`, a look-alike
 * of `v`, and `Ν`, of `N`) matches either, as a text may hold it in either case.
 * @example
 * new RegExp(matchingWordSource('νερο'), 'iu').test(matchingView('ΝΕΡΟ').text); // true
 */
export function matchingWordSource(word: string): string {
  return wordCharacters(word).map((character) => character.source).join('');
}

/**
 * The source of a regular expression that matches any start of a word as `matchingWordSource` reads it, all of it
 * included (`n(?:i(?:g…)?)?`), with the number of characters of the view it spans at most: what a stream holds back
 * at the end of a text while the word could still be coming.
 * @example
 * new RegExp(`${matchingWordOpenings('night').source}$`, 'iu').test('say NIG'); // true
 */
export function matchingWordOpenings(word: string): { source: string; length: number } {
  const characters = wordCharacters(word);
  let source = '';
  for (let index = characters.length - 1; index >= 0; index -= 1) source = `${characters[index]?.source ?? ''}${source === '' ? '' : `(?:${source})?`}`;
  return { source, length: characters.reduce((sum, character) => sum + character.length, 0) };
}

/** Each character of a word as the view reads it (see `matchingWordSource`): its source, and its longest form's length. */
function wordCharacters(word: string): Array<{ source: string; length: number }> {
  const characters: Array<{ source: string; length: number }> = [];
  // As the view reads a text, but with look-alikes kept, to fold each case of them.
  for (const char of withoutAccents(word.replace(IGNORABLES, '').normalize('NFKC'))) {
    const forms = new Map<string, string>();
    for (const form of [char, char.toLowerCase(), char.toUpperCase()]) {
      // A case whose form is longer (`ß` is `SS` in capitals) is matched, if at all, by the rule's own case folding.
      if ([...form].length !== 1) continue;
      const folded = fold(form);
      if (!forms.has(folded.toLowerCase())) forms.set(folded.toLowerCase(), folded);
    }
    const escaped = [...forms.values()].map(escapeRegExp);
    const length = Math.max(1, ...[...forms.values()].map((form) => form.length));
    characters.push({ source: escaped.length === 1 ? (escaped[0] ?? '') : `(?:${escaped.join('|')})`, length });
  }
  return characters;
}

/** Escapes a text for use inside a regular expression. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
