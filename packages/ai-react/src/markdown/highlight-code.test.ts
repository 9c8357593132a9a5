import { describe, expect, it } from 'vitest';
import { fastestMs } from '../testing/time-growth.js';
import { highlightCode, highlightLineGroups, MAX_HIGHLIGHTED, type Token } from './highlight-code.js';

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

  it('never freezes on unterminated strings, comments and tags, up to the 50 KB it highlights at most', () => {
    // Each takes a few ms (`bench:markdown` prints the figures); a quadratic takes seconds. The bound only catches that.
    const hostile: Array<[language: string, code: string]> = [
      ['js', '"'.repeat(MAX_HIGHLIGHTED)],
      ['js', `/*${'*'.repeat(MAX_HIGHLIGHTED - 2)}`],
      ['html', '<a '.repeat(MAX_HIGHLIGHTED / 3)],
      ['ts', 'a-'.repeat(MAX_HIGHLIGHTED / 2)],
      ['python', "'''".repeat(MAX_HIGHLIGHTED / 3)],
    ];
    for (const [language, code] of hostile) {
      const took = fastestMs(() => highlightCode(code, language));
      expect(took, `${language} took ${took.toFixed(1)} ms`).toBeLessThan(500);
    }
  });
});

describe('highlightLineGroups', () => {
  it('cuts the tokens of the whole code after every n line breaks, a comment or string open across a cut keeping its kind', () => {
    const code = ['const a = 1;', '/* a comment', 'across lines */ let b = 1;', 'let c = `a template', 'string`;'].join('\n');
    const groups = highlightLineGroups(code, 'ts', 2) ?? [];
    expect(groups.map((group) => group.map(([, text]) => text).join(''))).toEqual(['const a = 1;\n/* a comment\n', 'across lines */ let b = 1;\nlet c = `a template\n', 'string`;']);
    expect(groups[0]?.at(-1)).toEqual(['comment', '/* a comment\n']);
    expect(groups[1]?.[0]).toEqual(['comment', 'across lines */']);
    expect(groups[1]?.at(-1)).toEqual(['string', '`a template\n']);
    expect(groups[2]?.[0]).toEqual(['string', 'string`']);
    expect(groups.flat().map(([, text]) => text).join('')).toBe(highlightCode(code, 'ts')?.map(([, text]) => text).join(''));
    expect(highlightLineGroups(code, 'klingon', 2)).toBeUndefined();
  });
});
