/** One part of a parsed regular expression (the `u` syntax, which the gateway compiles patterns with). */
export type PatternNode =
  /** One character: a literal, an escape such as `\d`, a class `[...]` or `.`; `source` compiles on its own. */
  | { kind: 'character'; source: string }
  /** `^`, `$`, `\b` or `\B`: they match no character. */
  | { kind: 'assertion'; source: string }
  | { kind: 'sequence'; items: PatternNode[] }
  | { kind: 'alternation'; branches: PatternNode[]; source: string }
  /** A quantified part: `?` is `{0,1}`, `*` is `{0,Infinity}`, `+` is `{1,Infinity}`. */
  | { kind: 'repeat'; body: PatternNode; min: number; max: number; source: string };

/** A pattern the blocklist refuses for what it uses, whatever its shape. */
export class RefusedSyntaxError extends Error {}

/**
 * The syntax tree of a pattern already known to compile with the `u` flag; groups are kept as their contents.
 * Throws a `RefusedSyntaxError` for a backreference or a lookaround.
 * @example
 * parsePattern('a+|b'); // { kind: 'alternation', branches: [{ kind: 'repeat', … }, { kind: 'character', source: 'b' }] }
 */
export function parsePattern(pattern: string): PatternNode {
  let index = 0;
  const peek = (offset = 0) => pattern[index + offset];

  /** The source of one escape after its `\`, which `index` is on. */
  const escape = (): string => {
    const start = index;
    index += 1;
    const char = pattern[index] ?? '';
    index += 1;
    if (char === 'p' || char === 'P' || (char === 'u' && peek() === '{')) index = pattern.indexOf('}', index) + 1;
    else if (char === 'u') index += 4;
    else if (char === 'x') index += 2;
    else if (char === 'c') index += 1;
    return pattern.slice(start, index);
  };

  const characterClass = (): string => {
    const start = index;
    index += 1;
    while (index < pattern.length && peek() !== ']') {
      if (peek() === '\\') escape();
      else index += (pattern.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
    }
    index += 1;
    return pattern.slice(start, index);
  };

  const atom = (): PatternNode => {
    const char = peek() as string;
    if (char === '(') {
      if (/^\(\?<?[=!]/.test(pattern.slice(index))) throw new RefusedSyntaxError('lookarounds are not allowed');
      index += pattern.startsWith('(?:', index) ? 3 : pattern.startsWith('(?<', index) ? pattern.indexOf('>', index) + 1 - index : 1;
      const body = disjunction();
      index += 1; // ')'
      return body;
    }
    if (char === '[') return { kind: 'character', source: characterClass() };
    if (char === '^' || char === '$') {
      index += 1;
      return { kind: 'assertion', source: char };
    }
    if (char === '\\') {
      const next = peek(1) ?? '';
      if (/[1-9k]/.test(next)) throw new RefusedSyntaxError('backreferences are not allowed');
      const source = escape();
      return { kind: next === 'b' || next === 'B' ? 'assertion' : 'character', source };
    }
    const width = (pattern.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
    index += width;
    return { kind: 'character', source: pattern.slice(index - width, index) };
  };

  /** The quantifier at `index`, if any, consumed (with its lazy `?`). */
  const quantifier = (): { min: number; max: number } | undefined => {
    const char = peek();
    let bounds: { min: number; max: number } | undefined;
    if (char === '*') bounds = { min: 0, max: Infinity };
    else if (char === '+') bounds = { min: 1, max: Infinity };
    else if (char === '?') bounds = { min: 0, max: 1 };
    if (bounds) index += 1;
    else if (char === '{') {
      const braces = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(index));
      if (!braces) return undefined;
      index += braces[0].length;
      const min = Number(braces[1]);
      bounds = { min, max: braces[2] === undefined ? min : braces[3] === '' ? Infinity : Number(braces[3]) };
    }
    if (bounds && peek() === '?') index += 1;
    return bounds;
  };

  const sequence = (): PatternNode => {
    const items: PatternNode[] = [];
    while (index < pattern.length && peek() !== '|' && peek() !== ')') {
      const start = index;
      const part = atom();
      const bounds = quantifier();
      items.push(bounds ? { kind: 'repeat', body: part, ...bounds, source: pattern.slice(start, index) } : part);
    }
    return items.length === 1 ? (items[0] as PatternNode) : { kind: 'sequence', items };
  };

  function disjunction(): PatternNode {
    const start = index;
    const branches = [sequence()];
    while (peek() === '|') {
      index += 1;
      branches.push(sequence());
    }
    return branches.length === 1 ? (branches[0] as PatternNode) : { kind: 'alternation', branches, source: pattern.slice(start, index) };
  }

  return disjunction();
}
