// A small syntax highlighter, loaded on demand (a dynamic import) the first time a complete code block shows, so
// the chat's first load does not carry it. One forward pass per block: linear on any input, hostile or not.

/** Longer code stays plain: tens of thousands of coloured spans would slow the page more than colour helps. */
export const MAX_HIGHLIGHTED = 50_000;

/** What a piece of code is; plain text has none. */
export type TokenKind = 'comment' | 'string' | 'number' | 'keyword' | 'literal' | 'function' | 'type' | 'property' | 'variable' | 'tag' | 'attribute' | 'punctuation';

/** A piece of code and its kind (undefined for plain text). */
export type Token = readonly [kind: TokenKind | undefined, text: string];

interface Grammar {
  keywords: ReadonlySet<string>;
  literals: ReadonlySet<string>;
  lineComments: readonly string[];
  blockComment?: readonly [string, string];
  quotes: string;
  /** Quotes whose strings may span lines (template literals, Python's triple quotes are handled apart). */
  multilineQuotes?: string;
  tripleQuotes?: boolean;
  caseInsensitive?: boolean;
  /** `$name` and `${…}` are variables (shell). */
  dollarVariables?: boolean;
  /** `name:` is a property (JSON keys, CSS declarations). */
  colonProperties?: boolean;
}

const words = (text: string) => new Set(text.split(' '));

const C_LIKE_LITERALS = words('true false null nullptr NULL nil None undefined NaN Infinity this self super');
const JS = words('as async await break case catch class const continue debugger default delete do else enum export extends finally for from function get if implements import in instanceof interface keyof let new of private protected public readonly return satisfies set static switch throw try type typeof var void while with yield declare namespace abstract override');
const PYTHON = words('and as assert async await break class continue def del elif else except finally for from global if import in is lambda match case nonlocal not or pass raise return try while with yield');
const SHELL = words('if then else elif fi for in do done case esac while until function return export local readonly echo cd exit source set unset shift sudo');
const SQL = words('select from where join left right inner outer full cross on group by order having limit offset insert into values update set delete create table alter drop index view as and or not null is in exists distinct union all case when then else end primary key foreign references default returning with asc desc between like count sum avg min max');
const GO = words('break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var');
const RUST = words('as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref return static struct trait type unsafe use where while');
const JAVA_C = words('abstract auto break case catch char class const continue default do double else enum extends extern final finally float for goto if implements import int long namespace new package private protected public register return short signed sizeof static struct switch template throw throws try typedef typename union unsigned using virtual void volatile while bool string var let fun val when object override suspend');
const CSS_WORDS = words('important');

const cLike = (keywords: ReadonlySet<string>): Grammar => ({ keywords, literals: C_LIKE_LITERALS, lineComments: ['//'], blockComment: ['/*', '*/'], quotes: `'"` });

const GRAMMARS: Record<string, Grammar> = {
  js: { ...cLike(JS), quotes: `'"\``, multilineQuotes: '`' },
  python: { keywords: PYTHON, literals: words('True False None self'), lineComments: ['#'], quotes: `'"`, tripleQuotes: true },
  json: { keywords: new Set(), literals: words('true false null'), lineComments: [], quotes: '"', colonProperties: true },
  shell: { keywords: SHELL, literals: words('true false'), lineComments: ['#'], quotes: `'"`, dollarVariables: true },
  sql: { keywords: SQL, literals: words('true false null'), lineComments: ['--'], blockComment: ['/*', '*/'], quotes: `'"`, caseInsensitive: true },
  css: { keywords: CSS_WORDS, literals: new Set(), lineComments: [], blockComment: ['/*', '*/'], quotes: `'"`, colonProperties: true },
  go: { ...cLike(GO), quotes: `'"\``, multilineQuotes: '`' },
  rust: cLike(RUST),
  c: cLike(JAVA_C),
  yaml: { keywords: new Set(), literals: words('true false null yes no'), lineComments: ['#'], quotes: `'"`, colonProperties: true },
};

const ALIASES: Record<string, string> = {
  javascript: 'js', jsx: 'js', ts: 'js', typescript: 'js', tsx: 'js', mjs: 'js', cjs: 'js',
  py: 'python', python3: 'python',
  sh: 'shell', bash: 'shell', zsh: 'shell', console: 'shell', shellscript: 'shell',
  jsonc: 'json', json5: 'json',
  scss: 'css', less: 'css',
  golang: 'go', rs: 'rust',
  cpp: 'c', 'c++': 'c', h: 'c', hpp: 'c', java: 'c', cs: 'c', csharp: 'c', kotlin: 'c', kt: 'c', swift: 'c', php: 'c',
  yml: 'yaml',
  html: 'markup', xml: 'markup', svg: 'markup', vue: 'markup',
};

/** The grammar's name for a fence's language (`tsx` → `js`), or undefined when there is none. */
export function grammarOf(language: string): string | undefined {
  const name = language.toLowerCase();
  const resolved = ALIASES[name] ?? name;
  return resolved === 'markup' || resolved in GRAMMARS ? resolved : undefined;
}

const isLetter = (char: string) => (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || char === '_' || char > '\u007f';
const isDigit = (char: string) => char >= '0' && char <= '9';
const isIdentifierStart = (char: string) => isLetter(char) || char === '$' || char === '@';
const isIdentifierPart = (char: string) => isLetter(char) || isDigit(char) || char === '$' || char === '-';
const PUNCTUATION = new Set('{}()[];,.:=<>+-*/%!&|^~?');

class Tokens {
  readonly list: Token[] = [];
  push(kind: TokenKind | undefined, text: string) {
    if (text === '') return;
    const last = this.list.at(-1);
    // Plain text, and pieces of one kind, join: fewer elements to render.
    if (last && last[0] === kind) this.list[this.list.length - 1] = [kind, last[1] + text];
    else this.list.push([kind, text]);
  }
}

/** The end of a string opened at `at` by `quote` (after its closer; at a line end when single-line). */
function stringEnd(code: string, at: number, quote: string, multiline: boolean): number {
  let end = at + quote.length;
  while (end < code.length) {
    if (code.startsWith(quote, end)) return end + quote.length;
    const char = code[end];
    if (char === '\\') end += 2;
    else if (char === '\n' && !multiline) return end;
    else end++;
  }
  return code.length;
}

function highlightWith(code: string, grammar: Grammar): Token[] {
  const out = new Tokens();
  const { keywords, literals } = grammar;
  // Only a character that can start a comment is asked which comment it starts.
  const commentStarts = new Set([...grammar.lineComments, ...(grammar.blockComment ?? [])].map((start) => start[0]));
  let at = 0;
  while (at < code.length) {
    const char = code[at] as string;
    const lineComment = commentStarts.has(char) ? grammar.lineComments.find((start) => code.startsWith(start, at)) : undefined;
    if (lineComment) {
      const end = code.indexOf('\n', at);
      out.push('comment', code.slice(at, end === -1 ? code.length : end));
      at = end === -1 ? code.length : end;
    } else if (grammar.blockComment && commentStarts.has(char) && code.startsWith(grammar.blockComment[0], at)) {
      const close = code.indexOf(grammar.blockComment[1], at + grammar.blockComment[0].length);
      const end = close === -1 ? code.length : close + grammar.blockComment[1].length;
      out.push('comment', code.slice(at, end));
      at = end;
    } else if (grammar.quotes.includes(char)) {
      const triple = grammar.tripleQuotes && code.startsWith(char.repeat(3), at) ? char.repeat(3) : char;
      const end = stringEnd(code, at, triple, triple.length === 3 || (grammar.multilineQuotes?.includes(char) ?? false));
      const text = code.slice(at, end);
      let after = end;
      while (code[after] === ' ' || code[after] === '\t') after++;
      out.push(grammar.colonProperties && code[after] === ':' ? 'property' : 'string', text);
      at = end;
    } else if (isDigit(char) || (char === '.' && isDigit(code[at + 1] ?? ''))) {
      let end = at + 1;
      while (end < code.length && /[\w.]/.test(code[end] as string)) end++;
      out.push('number', code.slice(at, end));
      at = end;
    } else if (grammar.dollarVariables && char === '$' && /[\w{]/.test(code[at + 1] ?? '')) {
      let end = at + 1;
      if (code[end] === '{') {
        const close = code.indexOf('}', end);
        end = close === -1 ? code.length : close + 1;
      } else while (end < code.length && /\w/.test(code[end] as string)) end++;
      out.push('variable', code.slice(at, end));
      at = end;
    } else if (isIdentifierStart(char)) {
      // A dash belongs to CSS, YAML and shell names, not to `a-b` in other languages.
      const dashes = grammar.colonProperties === true || grammar.dollarVariables === true;
      let end = at + 1;
      while (end < code.length && isIdentifierPart(code[end] as string) && (dashes || code[end] !== '-')) end++;
      const word = code.slice(at, end);
      const key = grammar.caseInsensitive ? word.toLowerCase() : word;
      let next = end;
      while (code[next] === ' ') next++;
      const kind: TokenKind | undefined = keywords.has(key)
        ? 'keyword'
        : literals.has(key)
          ? 'literal'
          : grammar.colonProperties && code[next] === ':' && code[next + 1] !== ':'
            ? 'property'
            : code[next] === '('
              ? 'function'
              : /^[A-Z][a-z]/.test(word)
                ? 'type'
                : undefined;
      out.push(kind, word);
      at = end;
    } else if (PUNCTUATION.has(char)) {
      out.push('punctuation', char);
      at++;
    } else {
      out.push(undefined, char);
      at++;
    }
  }
  return out.list;
}

/** HTML and XML: comments, tags, attributes and their values; text between tags stays plain. */
function highlightMarkup(code: string): Token[] {
  const out = new Tokens();
  let at = 0;
  while (at < code.length) {
    if (code.startsWith('<!--', at)) {
      const close = code.indexOf('-->', at + 4);
      const end = close === -1 ? code.length : close + 3;
      out.push('comment', code.slice(at, end));
      at = end;
    } else if (code[at] === '<' && /[/!?A-Za-z]/.test(code[at + 1] ?? '')) {
      let end = at + 1;
      while (end < code.length && /[/!?\w:.-]/.test(code[end] as string)) end++;
      out.push('punctuation', '<');
      out.push('tag', code.slice(at + 1, end));
      at = end;
      // Attributes until the tag closes.
      while (at < code.length && code[at] !== '>') {
        const char = code[at] as string;
        if (char === '"' || char === "'") {
          const finish = stringEnd(code, at, char, true);
          out.push('string', code.slice(at, finish));
          at = finish;
        } else if (/[\w:@.-]/.test(char)) {
          let finish = at + 1;
          while (finish < code.length && /[\w:@.-]/.test(code[finish] as string)) finish++;
          out.push('attribute', code.slice(at, finish));
          at = finish;
        } else if (char === '<') {
          break;
        } else {
          out.push(char === '=' || char === '/' ? 'punctuation' : undefined, char);
          at++;
        }
      }
      if (code[at] === '>') {
        out.push('punctuation', '>');
        at++;
      }
    } else {
      const next = code.indexOf('<', at + 1);
      const end = next === -1 ? code.length : next;
      out.push(undefined, code.slice(at, end));
      at = end;
    }
  }
  return out.list;
}

/**
 * The code as tokens for its language, or undefined when the language is not one this highlighter knows (or the
 * code is longer than `MAX_HIGHLIGHTED`).
 *
 * @example
 * highlightCode('const a = 1;', 'ts'); // [['keyword', 'const'], [undefined, ' a '], ['punctuation', '='], …]
 */
export function highlightCode(code: string, language: string): Token[] | undefined {
  const grammar = grammarOf(language);
  if (grammar === undefined || code.length > MAX_HIGHLIGHTED) return undefined;
  return grammar === 'markup' ? highlightMarkup(code) : highlightWith(code, GRAMMARS[grammar] as Grammar);
}

/**
 * The code as tokens (see `highlightCode`), cut after every `lines` line breaks as a code block renders its lines in
 * groups; a token across a cut is two of its kind. A one-pass highlight of the whole code: a comment or string open
 * across a cut is coloured as it would be uncut.
 *
 * @example
 * highlightLineGroups('a\nb', 'ts', 1); // [[[undefined, 'a\n']], [[undefined, 'b']]]
 */
export function highlightLineGroups(code: string, language: string, lines: number): Token[][] | undefined {
  const tokens = highlightCode(code, language);
  if (!tokens) return undefined;
  const groups: Token[][] = [[]];
  let count = 0;
  for (const [kind, text] of tokens) {
    let at = 0;
    for (let end = text.indexOf('\n') + 1; end > 0; end = text.indexOf('\n', end) + 1) {
      if (++count % lines === 0) {
        (groups.at(-1) as Token[]).push([kind, text.slice(at, end)]);
        groups.push([]);
        at = end;
      }
    }
    if (at < text.length) (groups.at(-1) as Token[]).push([kind, text.slice(at)]);
  }
  return groups;
}
