import type { PiiKind } from '../features/feature-policies.js';
import { matchingView } from './matching-view.js';

/** One piece of personal data or secret found in a text. */
export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
}

// Each pattern is linear: no nested quantifiers, so a hostile input cannot make detection slow.
const PATTERNS: Record<PiiKind, RegExp> = {
  email: /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/g,
  // International (+49 30 1234567) or grouped national numbers ((555) 123-4567, 555-123-4567).
  phone: /(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]?\d{3,4}\b/g,
  card: /\b\d(?:[ -]?\d){12,18}\b/g,
  iban: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
  secret: new RegExp(
    [
      'sk-or-v1-[A-Za-z0-9]{20,}', // OpenRouter
      'sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}', // OpenAI, Anthropic
      'AKIA[0-9A-Z]{16}', // AWS access key id
      'gh[pousr]_[A-Za-z0-9]{36,}', // GitHub
      'xox[abpr]-[A-Za-z0-9-]{10,}', // Slack
      'AIza[0-9A-Za-z_-]{35}', // Google
      'ik_[A-Za-z0-9_]{20,}', // this gateway's client keys
      '-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----',
    ].join('|'),
    'g',
  ),
};

/** A regular expression source that matches any non-empty start of `literal`, or all of it then `rest`. */
function openings(literal: string, rest = ''): string {
  let source = rest;
  for (let index = literal.length - 1; index >= 0; index -= 1) source = `${literal[index]?.replace(/[-[\]\\^$.*+?()|{}]/g, '\\$&') ?? ''}${source === '' ? '' : `(?:${source})?`}`;
  return source;
}

/** The digits, separators and parentheses a phone number may go on with after its area code. */
const PHONE_REST = String.raw`(?:\d{1,4}(?:[ .-]?\d{0,4})?)?`;

/**
 * For each kind, what the end of a text (as `findPii` reads it) is while more text could still make it a match or
 * change one: a start of the pattern, or a match that could go on (a card of 16 digits may get a 17th and fail its
 * check, an address may get another label). Each matches from the earliest such start, so what a stream holds back
 * is the shortest suffix that holds them all. Secrets go on without a bound; `holdFrom`'s caller bounds what it holds.
 */
const UNDECIDED: Record<PiiKind, RegExp> = {
  email: /[A-Za-z0-9._%+-]{1,64}(?:@[A-Za-z0-9.-]{0,600})?$/,
  phone: new RegExp(String.raw`(?:\+(?:\d{1,3}[ .-]?)?)?(?:\(\d{0,4}|\(\d{2,4}\)[ .-]?${PHONE_REST}|\d{1,4}|\d{2,4}[ .-]${PHONE_REST})?$`),
  card: /\b\d(?:[ -]?\d){0,18}[ -]?$/,
  iban: /\b[A-Z](?:[A-Z](?:\d(?:\d(?: ?[A-Z0-9]){0,30} ?)?)?)?$/,
  secret: new RegExp(
    `(?:${[
      openings('sk', '-[A-Za-z0-9_-]*'),
      openings('AKIA', '[0-9A-Z]{0,15}'),
      openings('AIza', '[0-9A-Za-z_-]{0,34}'),
      `g(?:h(?:[pousr](?:_[A-Za-z0-9]*)?)?)?`,
      `x(?:o(?:x(?:[abpr](?:-[A-Za-z0-9-]*)?)?)?)?`,
      openings('ik', '_[A-Za-z0-9_]*'),
      openings('-----BEGIN ', '[A-Z ]{0,31}-{0,4}'),
    ].join('|')})$`,
  ),
};

/** The Luhn checksum every payment card number passes (and most random digit runs fail). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** ISO 13616's check: the IBAN, rearranged and read as a number, is 1 modulo 97. */
export function passesIbanCheck(iban: string): boolean {
  const compact = iban.replace(/ /g, '');
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = /\d/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

const PRECEDENCE: readonly PiiKind[] = ['secret', 'card', 'iban', 'email', 'phone'];

const VALID: Partial<Record<PiiKind, (text: string) => boolean>> = {
  card: (text) => {
    const digits = text.replace(/\D/g, '');
    return digits.length >= 13 && digits.length <= 19 && passesLuhn(digits);
  },
  iban: passesIbanCheck,
};

/**
 * The personal data and secrets in a text: e-mail addresses, phone numbers, payment cards (with a Luhn check),
 * IBANs (with their check digits) and common API-key and private-key formats. Overlaps keep the earliest match. The
 * text is read as a blocklist reads it (`matchingView`), so an invisible code point or a fullwidth digit hides
 * nothing; each match covers the characters it came from.
 * @example
 * findPii('card 4111 1111 1111 1111', ['card']); // [{ kind: 'card', start: 5, end: 24 }]
 */
export function findPii(text: string, kinds: readonly PiiKind[]): PiiMatch[] {
  const view = matchingView(text);
  // Kept by start; as they never overlap, by end too, so an overlap is found by a binary search, not by a scan of
  // every match (a text of thousands of matches would otherwise take seconds).
  let matches: PiiMatch[] = [];
  // The most specific kinds first: a key or a card number can look like a phone number in part.
  const ordered = [...kinds].sort((a, b) => PRECEDENCE.indexOf(a) - PRECEDENCE.indexOf(b));
  for (const kind of ordered) {
    // A pattern's matches come in order and never overlap each other: only those of the kinds before can.
    const found: PiiMatch[] = [];
    for (const match of view.text.matchAll(PATTERNS[kind])) {
      const start = match.index;
      const end = start + match[0].length;
      if (VALID[kind] && !VALID[kind](match[0])) continue;
      if (overlapsAny(matches, start, end)) continue;
      found.push({ kind, start, end });
    }
    matches = mergedByStart(matches, found);
  }
  return matches.map((match) => ({ kind: match.kind, ...view.original(match) }));
}

/** Whether `start`–`end` overlaps one of `matches`, which do not overlap each other and are kept by start. */
function overlapsAny(matches: readonly PiiMatch[], start: number, end: number): boolean {
  // The first match that ends after `start`: the only one that can overlap, unless it starts at or after `end`.
  let low = 0;
  let high = matches.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((matches[middle]?.end ?? 0) <= start) low = middle + 1;
    else high = middle;
  }
  const next = matches[low];
  return next !== undefined && next.start < end;
}

/** Two lists of matches kept by start, as one. */
function mergedByStart(first: PiiMatch[], second: readonly PiiMatch[]): PiiMatch[] {
  if (second.length === 0) return first;
  const merged: PiiMatch[] = [];
  let at = 0;
  for (const match of second) {
    while (at < first.length && (first[at]?.start ?? 0) < match.start) merged.push(first[at++] as PiiMatch);
    merged.push(match);
  }
  while (at < first.length) merged.push(first[at++] as PiiMatch);
  return merged;
}

/**
 * The text with each match replaced by `[REDACTED_<KIND>]`.
 * @example
 * redactPii('mail ada@example.com', ['email']); // { text: 'mail [REDACTED_EMAIL]', count: 1 }
 */
export function redactPii(text: string, kinds: readonly PiiKind[]): { text: string; count: number } {
  const matches = findPii(text, kinds);
  let result = '';
  let at = 0;
  for (const match of matches) {
    result += `${text.slice(at, match.start)}[REDACTED_${match.kind.toUpperCase()}]`;
    at = match.end;
  }
  return { text: result + text.slice(at), count: matches.length };
}

/**
 * Where the suffix of a text starts that more text could still make (or change) into a match of one of the kinds
 * (`UNDECIDED`), in the text as sent; the text's length when nothing at its end could. A stream holds that suffix
 * back until what follows decides it.
 * @example
 * piiHoldFrom('card 4111 1111', ['card']); // 5: the digits could go on into a card number
 * piiHoldFrom('card 4111 1111.', ['card']); // 15: a full stop ends them
 */
export function piiHoldFrom(text: string, kinds: readonly PiiKind[]): number {
  const view = matchingView(text);
  let from = view.text.length;
  for (const kind of kinds) {
    const start = UNDECIDED[kind].exec(view.text)?.index;
    if (start !== undefined && start < from) from = start;
  }
  return from === view.text.length ? text.length : view.original({ start: from, end: view.text.length }).start;
}
