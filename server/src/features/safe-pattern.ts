import { codePointsOf, intersection, lazyUniverse, union, type CodePointSet } from './code-point-sets.js';
import { parsePattern, RefusedSyntaxError, type PatternNode } from './pattern-syntax.js';

type Repeat = Extract<PatternNode, { kind: 'repeat' }>;
type Alternation = Extract<PatternNode, { kind: 'alternation' }>;
/** A quantifier whose count varies, or an alternation whose branches can begin alike: a choice while matching. */
type Varying = Repeat | Alternation;
/** A varying part inside an item of a sequence, with the item's parts between it and the item's edge. */
interface Reach {
  part: Varying;
  beside: PatternNode[];
}

const verdicts = new Map<string, string | undefined>();
const VERDICT_LIMIT = 1000;

/**
 * Why a regular expression may not be used in a blocklist, or undefined when it may. JavaScript's engine
 * backtracks: it tries every way a pattern can match before it gives up, and a blocklist runs on every request.
 * That work grows faster than the text only where a text can be matched in many ways, so these are refused:
 * - a group repeated more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1, `{n}` with n > 1) that holds a
 *   quantifier whose count varies or an alternation: `(a+)+`, `(a{1,20}){1,20}`, `(a|b)*` (exponential);
 * - two parts whose count varies — quantifiers (`?`, `*`, `+`, `{n,m}` with n < m), or alternations whose branches
 *   can begin alike — that can match the same characters, with nothing between them that has to match another
 *   character: `.*.*`, `\w+\d*`, `\d+-?\d+`, `(?:a|ab)b*` (polynomial in the text, or exponential in the pattern);
 * - backreferences and lookarounds.
 * Verdicts are cached by pattern: features are parsed again each time they are read from a store.
 * @example
 * unsafePatternReason('(a+)+$'); // '(a+)+ is a repeated group that holds a quantifier whose count varies…'
 * unsafePatternReason('[\\w.+-]+@[\\w-]+\\.[\\w.]+'); // undefined
 */
export function unsafePatternReason(pattern: string): string | undefined {
  if (verdicts.has(pattern)) return verdicts.get(pattern);
  const reason = reasonOf(pattern);
  if (verdicts.size >= VERDICT_LIMIT) verdicts.clear();
  verdicts.set(pattern, reason);
  return reason;
}

function reasonOf(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'iu');
  } catch (error) {
    return `not a valid regular expression (${error instanceof Error ? error.message : String(error)})`;
  }
  let tree: PatternNode;
  try {
    tree = parsePattern(pattern);
  } catch (error) {
    if (error instanceof RefusedSyntaxError) return error.message;
    throw error;
  }
  const nested = nestedRepeat(tree);
  if (nested) return `${nested.source} is a repeated group that holds a quantifier whose count varies or an alternation, which can backtrack catastrophically (in exponential time)`;
  const pair = new Shapes().overlappingNeighbours(tree);
  if (pair) return `${pair[0].source} and ${pair[1].source} can match the same characters one after the other, which can backtrack catastrophically (in polynomial time)`;
  return undefined;
}

/** What a varying part repeats (a repeat's body), or the alternation itself. */
const bodyOf = (part: Varying): PatternNode => (part.kind === 'repeat' ? part.body : part);

const childrenOf = (node: PatternNode): readonly PatternNode[] =>
  node.kind === 'sequence' ? node.items : node.kind === 'alternation' ? node.branches : node.kind === 'repeat' ? [node.body] : [];

function* walk(node: PatternNode): Generator<PatternNode> {
  yield node;
  for (const child of childrenOf(node)) yield* walk(child);
}

/** The first repeat (more than once) holding a varying quantifier or an alternation. */
function nestedRepeat(tree: PatternNode): Repeat | undefined {
  for (const node of walk(tree)) {
    if (node.kind !== 'repeat' || node.max <= 1) continue;
    for (const inner of walk(node.body)) if (inner.kind === 'alternation' || (inner.kind === 'repeat' && inner.min < inner.max)) return node;
  }
  return undefined;
}

/** What the parts of one pattern can match, character by character, computed once per part. */
class Shapes {
  readonly #universe = lazyUniverse();
  readonly #characters = new WeakMap<PatternNode, CodePointSet>();
  readonly #firsts = new WeakMap<PatternNode, CodePointSet>();
  readonly #lasts = new WeakMap<PatternNode, CodePointSet>();

  /**
   * Two varying parts of one sequence that can take turns matching the same run of characters: the end of the
   * first and the start of the second can match a common character (for a quantifier, any character of what it
   * repeats, which must be able to repeat within those characters), and whatever lies between them can match
   * nothing but such characters.
   */
  overlappingNeighbours(tree: PatternNode): [Varying, Varying] | undefined {
    for (const node of walk(tree)) {
      if (node.kind !== 'sequence') continue;
      const exits = node.items.map((item) => this.#reach(item, 'after'));
      const entries = node.items.map((item) => this.#reach(item, 'before'));
      for (let i = 0; i < node.items.length; i += 1) {
        for (let j = i + 1; j < node.items.length; j += 1) {
          for (const exit of exits[i] as Reach[]) {
            for (const entry of entries[j] as Reach[]) {
              const shared = intersection(this.#edgeOf(exit.part, 'last'), this.#edgeOf(entry.part, 'first'));
              if (shared.length === 0) continue;
              const between = [...exit.beside, ...node.items.slice(i + 1, j), ...entry.beside];
              const pumped = [exit.part, entry.part].filter((part) => part.kind === 'repeat').map(bodyOf);
              if ([...pumped, ...between].every((part) => this.#staysWithin(part, shared))) return [exit.part, entry.part];
            }
          }
        }
      }
    }
    return undefined;
  }

  /** The varying parts inside a node, each with what follows it (`after`) or precedes it (`before`) inside the node. */
  #reach(node: PatternNode, side: 'after' | 'before'): Reach[] {
    const own: Reach[] = this.#varies(node) ? [{ part: node, beside: [] }] : [];
    if (node.kind === 'alternation' || node.kind === 'repeat') return [...own, ...childrenOf(node).flatMap((child) => this.#reach(child, side))];
    if (node.kind !== 'sequence') return own;
    return node.items.flatMap((item, k) =>
      this.#reach(item, side).map(({ part, beside }) => ({ part, beside: side === 'after' ? [...beside, ...node.items.slice(k + 1)] : [...node.items.slice(0, k), ...beside] })),
    );
  }

  /** The characters a varying part can end (`last`) or begin (`first`) with; for a quantifier, all it repeats. */
  #edgeOf(part: Varying, edge: 'first' | 'last'): CodePointSet {
    return part.kind === 'repeat' ? this.#charactersOf(part.body) : this.#edge(part, edge);
  }

  /** A quantifier whose count varies, or an alternation whose branches can begin alike (or be empty). */
  #varies(node: PatternNode): node is Varying {
    if (node.kind === 'repeat') return node.min < node.max;
    if (node.kind !== 'alternation') return false;
    let seen: CodePointSet = [];
    for (const branch of node.branches) {
      const first = this.#edge(branch, 'first');
      if (nullable(branch) || intersection(seen, first).length > 0) return true;
      seen = union(seen, first);
    }
    return false;
  }

  /** Whether the part can match a text (maybe empty) made only of characters in `set`. */
  #staysWithin(node: PatternNode, set: CodePointSet): boolean {
    switch (node.kind) {
      case 'character':
        return intersection(this.#charactersOf(node), set).length > 0;
      case 'assertion':
        return true;
      case 'sequence':
        return node.items.every((item) => this.#staysWithin(item, set));
      case 'alternation':
        return node.branches.some((branch) => this.#staysWithin(branch, set));
      case 'repeat':
        return node.min === 0 || this.#staysWithin(node.body, set);
    }
  }

  /** Every character the part can match anywhere. */
  #charactersOf(node: PatternNode): CodePointSet {
    let set = this.#characters.get(node);
    if (!set) {
      set = node.kind === 'character' ? codePointsOf(node.source, this.#universe) : childrenOf(node).reduce<CodePointSet>((all, child) => union(all, this.#charactersOf(child)), []);
      this.#characters.set(node, set);
    }
    return set;
  }

  /** The characters the part's matches can begin (`first`) or end (`last`) with. */
  #edge(node: PatternNode, edge: 'first' | 'last'): CodePointSet {
    const cache = edge === 'first' ? this.#firsts : this.#lasts;
    let set = cache.get(node);
    if (set) return set;
    set = [];
    if (node.kind === 'character') set = this.#charactersOf(node);
    else if (node.kind === 'alternation') for (const branch of node.branches) set = union(set, this.#edge(branch, edge));
    else if (node.kind === 'repeat') set = node.max === 0 ? [] : this.#edge(node.body, edge);
    else if (node.kind === 'sequence') {
      for (const item of edge === 'first' ? node.items : [...node.items].reverse()) {
        set = union(set, this.#edge(item, edge));
        if (!nullable(item)) break;
      }
    }
    cache.set(node, set);
    return set;
  }
}

function nullable(node: PatternNode): boolean {
  switch (node.kind) {
    case 'character':
      return false;
    case 'assertion':
      return true;
    case 'sequence':
      return node.items.every(nullable);
    case 'alternation':
      return node.branches.some(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.body);
  }
}
