import { describe, expect, it } from 'vitest';
import { highlightCode, MAX_HIGHLIGHTED, type Token } from './highlight-code.js';

const kinds = (tokens: Token[] | undefined, kind: string) => (tokens ?? []).filter(([tokenKind]) => tokenKind === kind).map(([, text]) => text);

describe('highlightCode', () => {
  it('marks keywords, strings, numbers, comments, calls and types of TypeScript, keeping every character', () => {
    const code = "// trims\nexport function trim(input: string): Result {\n  return input.trim() + `${1.5}`;\n}";
    const tokens = highlightCode(code, 'tsx');
    expect(tokens?.map(([, text]) => text).join('')).toBe(code);
    expect(kinds(tokens, 'keyword')).toEqual(['export', 'function', 'return']);
    expect(kinds(tokens, 'comment')).toEqual(['// trims']);
    expect(kinds(tokens, 'function')).toEqual(['trim', 'trim']);
    expect(kinds(tokens, 'type')).toEqual(['Result']);
    expect(kinds(tokens, 'string')).toEqual(['`${1.5}`']);
  });

  it('knows Python, JSON keys, shell variables, SQL in any case and HTML tags', () => {
    expect(kinds(highlightCode('def f():\n    """doc"""\n    return None', 'py'), 'keyword')).toEqual(['def', 'return']);
    expect(kinds(highlightCode('{"name": "a", "n": true}', 'json'), 'property')).toEqual(['"name"', '"n"']);
    expect(kinds(highlightCode('echo "$HOME" ${PATH}', 'bash'), 'variable')).toEqual(['${PATH}']);
    expect(kinds(highlightCode('SELECT id FROM users', 'sql'), 'keyword')).toEqual(['SELECT', 'FROM']);
    expect(kinds(highlightCode('<a href="/x">hi</a>', 'html'), 'tag')).toEqual(['a', '/a']);
  });

  it('leaves languages it does not know to plain text', () => {
    expect(highlightCode('anything', 'brainfuck')).toBeUndefined();
  });

  it('stays linear on unterminated strings, comments and tags (the 50 KB it highlights at most, in under 50 ms)', () => {
    for (const [code, language] of [
      ['"'.repeat(MAX_HIGHLIGHTED), 'js'],
      [`/*${'*'.repeat(MAX_HIGHLIGHTED)}`, 'js'],
      ['<a '.repeat(MAX_HIGHLIGHTED / 3), 'html'],
      ['a-'.repeat(MAX_HIGHLIGHTED / 2), 'ts'],
      ["'''".repeat(MAX_HIGHLIGHTED / 3), 'python'],
    ] as const) {
      highlightCode(code.slice(0, 10_000), language); // warm the compiler, not the input
      // The fastest of three: other processes on a busy machine add noise, never a quadratic's seconds.
      let fastest = Infinity;
      for (let attempt = 0; attempt < 3 && fastest >= 50; attempt++) {
        const started = performance.now();
        highlightCode(code, language);
        fastest = Math.min(fastest, performance.now() - started);
      }
      expect(fastest, language).toBeLessThan(50);
    }
  });
});
