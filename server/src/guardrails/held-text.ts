import { isRecord } from '../records.js';
import type { Span } from './window-spans.js';

/**
 * A rule over text (PII, blocklist): where it matches, the text with its matches redacted, what it does, and, for a
 * stream, where the end of a text could still grow into a match (`holdFrom`). A blocklist answers asynchronously: it
 * reads words in slices that let the event loop run between them, and runs patterns in its worker thread, which may
 * refuse a text with a `PatternBudgetError`.
 */
export interface Rule {
  find(text: string): Span[] | Promise<Span[]>;
  redact(text: string): string | Promise<string>;
  /**
   * Where the suffix of a text starts that more text could still make (or change) into a match, in the text as
   * sent; the text's length when none could. Absent, a stream holds nothing back for the rule.
   */
  holdFrom?(text: string): number;
  mode: 'block' | 'redact';
}

/**
 * The most a stream holds back of one text, in code units as sent: a suffix that could still be a match and is
 * longer (a key-shaped run that goes on and on, or padding) is decided as it stands, and a match that goes on past
 * it starts in text already sent, which the rule refuses.
 */
export const MOST_HELD = 1_024;

/** A match of one of a stream's rules in the text being decided; `R` is whatever the caller knows the rule by. */
export interface HeldMatch<R> {
  by: R;
  span: Span;
}

/**
 * How one new piece of a streamed text is decided. `sent` is the end of what was already sent of the text (its window,
 * kept for context), `unsent` what was held back before and the new piece. The text is `sent + unsent`; `decided` is
 * where what can be sent now ends: the rest could still grow into a match (`Rule.holdFrom`) or is part of a match
 * that more text could still change, so it waits for the next piece. `matches` are the decided matches that end after
 * `sent`, in order: one that starts inside `sent` can no longer be taken back, so its rule refuses the stream.
 */
export interface DecidedPiece<R> {
  text: string;
  decided: number;
  matches: Array<HeldMatch<R>>;
}

/**
 * Decides a new piece of a streamed text for its rules (see `DecidedPiece`). `final` when the text ends with it (its
 * choice finished, or the stream did): then all of it is decided; `holds` false decides all of it too, for a text
 * that cannot be held back (what is held is sent later, in another chunk, which only some fields allow).
 * @example
 * await decidePiece([{ rule: pii }], 'Card ', '4111 1111', { final: false, holds: true }, (entry, text) => entry.rule.find(text));
 * // { text: 'Card 4111 1111', decided: 5, matches: [] }: the digits wait for what follows them
 */
export async function decidePiece<R extends { rule: Rule }>(
  rules: readonly R[],
  sent: string,
  unsent: string,
  options: { final: boolean; holds: boolean },
  find: (entry: R, text: string) => Promise<Span[]>,
): Promise<DecidedPiece<R>> {
  const text = sent + unsent;
  let decided = text.length;
  if (!options.final && options.holds) {
    for (const { rule } of rules) if (rule.holdFrom) decided = Math.min(decided, rule.holdFrom(text));
    decided = Math.max(decided, sent.length);
    if (text.length - decided > MOST_HELD) decided = text.length;
  }
  const found: Array<HeldMatch<R>> = [];
  for (const entry of rules) for (const span of await find(entry, text)) if (span.end > sent.length) found.push({ by: entry, span });
  // A match that runs past what is decided may still change: it waits whole, with what comes before its start.
  for (let moved = true; moved; ) {
    moved = false;
    for (const { span } of found) {
      if (span.end > decided && span.start < decided && span.start >= sent.length) {
        decided = span.start;
        moved = true;
      }
    }
  }
  const matches = found.filter(({ span }) => span.end <= decided || span.start < sent.length).sort((a, b) => a.span.start - b.span.start);
  return { text, decided, matches };
}

type Json = Record<string, unknown>;

/**
 * The places of a delta whose text a stream may hold back: a later chunk can carry it in a field of the same name. A
 * tool call's arguments are held back too, on the strings they decode to (`argumentsAt`).
 */
const HOLDABLE = /^(?:content|refusal|reasoning|details:\d+(?::summary)?)$/;

/** Whether text at a place of a delta (`TextSlot.place`) may be held back and carried by a later chunk. */
export const holdsAt = (place: string | undefined): boolean => place !== undefined && HOLDABLE.test(place);

/** The place of a delta that carries a tool call's arguments (`tool:0`): a later chunk carries them in `tool_calls`. */
const ARGUMENTS = /^tool:(.+)$/;

/** Whether a place of a delta holds a tool call's arguments: JSON, whose matches are redacted inside its strings. */
export const argumentsAt = (place: string): boolean => ARGUMENTS.test(place);

/**
 * Writes held arguments of the tool call `index` into a delta: before the arguments the delta carries for the same
 * call, or as a call of their own (its index and arguments, which a client appends to the call's by its index).
 */
function carryArguments(delta: Json, index: string, text: string): void {
  const calls = Array.isArray(delta['tool_calls']) ? (delta['tool_calls'] as unknown[]) : [];
  const call = calls.find((entry, position): entry is Json => isRecord(entry) && String(entry['index'] ?? position) === index);
  if (call) {
    const fn: Json = isRecord(call['function']) ? call['function'] : {};
    call['function'] = fn;
    fn['arguments'] = text + (typeof fn['arguments'] === 'string' ? fn['arguments'] : '');
    return;
  }
  delta['tool_calls'] = [{ index: /^\d+$/.test(index) ? Number(index) : index, function: { arguments: text } }, ...calls];
}

/**
 * The text a stream holds back, by choice and place (`0:content`), and what it needs to send it later in OpenAI's
 * chunk shape: the head of the stream's chunks (id, model, provider, created…) and, for a reasoning detail, its
 * type, index and format.
 * @example
 * held.set('0:content', '4111 1111');
 * held.tailChunks(); // [{ id, object: 'chat.completion.chunk', …, choices: [{ index: 0, delta: { content: '4111 1111' }, finish_reason: null }] }]
 */
export class HeldTexts {
  readonly #texts = new Map<string, string>();
  readonly #details = new Map<string, Json>();
  /** The stream's latest chunk: its head is read off it only when held text is sent at the end. */
  #last: Json = {};

  get size(): number {
    return this.#texts.size;
  }

  get(key: string): string {
    return this.#texts.get(key) ?? '';
  }

  set(key: string, text: string): void {
    if (text === '') this.#texts.delete(key);
    else this.#texts.set(key, text);
  }

  /** The keys of a choice's held texts. */
  keysOf(choice: number): string[] {
    return [...this.#texts.keys()].filter((key) => key.startsWith(`${choice}:`));
  }

  /** Every held text, taken: by choice, its places and texts. */
  takeAll(): Map<number, Array<[place: string, text: string]>> {
    const byChoice = new Map<number, Array<[string, string]>>();
    for (const [key, text] of this.#texts) {
      const [choice, place] = splitKey(key);
      byChoice.set(choice, [...(byChoice.get(choice) ?? []), [place, text]]);
    }
    this.#texts.clear();
    return byChoice;
  }

  /** Notes what a chunk of the stream tells about how to write held text later: its head, its reasoning details. */
  remember(chunk: Json): void {
    this.#last = chunk;
    for (const choice of Array.isArray(chunk['choices']) ? (chunk['choices'] as Json[]) : []) {
      const details = (choice['delta'] as Json | undefined)?.['reasoning_details'];
      if (!Array.isArray(details)) continue;
      details.forEach((detail: Json, position) => {
        const { text: _text, summary: _summary, signature: _signature, data: _data, ...shape } = detail;
        this.#details.set(`${String(choice['index'] ?? 0)}:details:${String(detail['index'] ?? position)}`, shape);
      });
    }
  }

  /** Writes held text of a place into a delta, before what the delta holds there. */
  carry(delta: Json, choice: number, place: string, text: string): void {
    const call = ARGUMENTS.exec(place);
    if (call) {
      carryArguments(delta, call[1] ?? '', text);
      return;
    }
    const detail = /^details:(\d+)(:summary)?$/.exec(place);
    if (!detail) {
      delta[place] = text + (typeof delta[place] === 'string' ? delta[place] : '');
      return;
    }
    const shape = this.#details.get(`${choice}:details:${detail[1]}`) ?? { type: 'reasoning.text', index: Number(detail[1]) };
    const entries = Array.isArray(delta['reasoning_details']) ? (delta['reasoning_details'] as unknown[]) : [];
    delta['reasoning_details'] = [{ ...shape, [detail[2] ? 'summary' : 'text']: text }, ...entries];
  }

  /** Chunks that carry the given texts, one per choice, with the stream's head: what is held, sent at its end. */
  chunksOf(texts: Map<number, Array<[place: string, text: string]>>): Json[] {
    const { choices: _choices, usage: _usage, ...head } = this.#last;
    return [...texts].map(([choice, places]) => {
      const delta: Json = {};
      for (const [place, text] of places) if (text !== '') this.carry(delta, choice, place, text);
      return { ...head, choices: [{ index: choice, delta, finish_reason: null }] };
    });
  }
}

/** A held text's key as its choice and place. */
function splitKey(key: string): [number, string] {
  const colon = key.indexOf(':');
  return [Number(key.slice(0, colon)), key.slice(colon + 1)];
}
