/**
 * Why a regular expression may not be used in a blocklist, or undefined when it may. JavaScript's engine
 * backtracks, so a pattern such as `(a+)+$` takes exponential time on a crafted input, and a blocklist runs on
 * every request: patterns are refused when a quantified group holds another unbounded quantifier or an
 * alternation (the shapes that backtrack catastrophically), or when they use backreferences or lookarounds.
 * @example
 * unsafePatternReason('(a+)+$'); // 'a quantified group contains another quantifier…'
 */
export function unsafePatternReason(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'iu');
  } catch (error) {
    return `not a valid regular expression (${error instanceof Error ? error.message : String(error)})`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not allowed';
  if (/\(\?<?[=!]/.test(pattern)) return 'lookarounds are not allowed';
  // Walk the groups: for each one, whether it holds an unbounded quantifier or an alternation, and whether it is
  // itself repeated.
  const stack: Array<{ risky: boolean }> = [];
  let escaped = false;
  let inClass = false;
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    if (escaped) {
      escaped = false;
      continue;
    }
    if (char === '\\') {
      escaped = true;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(') stack.push({ risky: false });
    else if (char === '|' && stack.length > 0) (stack[stack.length - 1] as { risky: boolean }).risky = true;
    else if (isUnbounded(pattern, index) && stack.length > 0) (stack[stack.length - 1] as { risky: boolean }).risky = true;
    else if (char === ')') {
      const group = stack.pop();
      if (group?.risky && isRepeat(pattern, index + 1)) return 'a repeated group contains another quantifier or an alternation, which can backtrack catastrophically';
      // A risky inner group makes its parent risky too: ((a+)b)+ backtracks like (a+)+.
      if (group?.risky && stack.length > 0) (stack[stack.length - 1] as { risky: boolean }).risky = true;
    }
  }
  return undefined;
}

/** `+`, `*` or `{n,}` at `index`: a quantifier without an upper bound. */
function isUnbounded(pattern: string, index: number): boolean {
  const char = pattern[index];
  if (char === '+' || char === '*') return true;
  return char === '{' && /^\{\d+,\}/.test(pattern.slice(index));
}

/** A quantifier that repeats what precedes `index` more than once: `+`, `*`, `{n,}` or `{n,m}` with m > 1. */
function isRepeat(pattern: string, index: number): boolean {
  const char = pattern[index];
  if (char === '+' || char === '*') return true;
  const bounded = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(index));
  if (!bounded) return false;
  if (bounded[2] === undefined) return Number(bounded[1]) > 1;
  return bounded[3] === '' || Number(bounded[3]) > 1;
}
