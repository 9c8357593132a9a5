type Bracket = '{' | '[';

const CLOSER: Record<Bracket, string> = { '{': '}', '[': ']' };
const IDENTIFIER_START = /[A-Za-z_$]/;
const IDENTIFIER_PART = /[A-Za-z0-9_$]/;

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The inside of a markdown code fence (closed or not), or the text itself when it has none. */
function unfenced(text: string): string {
  const fence = /```[a-zA-Z]*[^\S\n]*\n?([\s\S]*?)(?:```|$)/.exec(text);
  return fence ? (fence[1] ?? '') : text;
}

/**
 * Rewrites JSON-like text from its first bracket as strict JSON: bare keys quoted, single-quoted strings double-quoted,
 * raw line breaks in strings escaped, commas before a closing bracket dropped, and what follows the outermost value
 * left out. At the end of the text an open string is closed and open brackets are closed in order; a key left
 * without its value cannot be completed.
 */
function rebuild(source: string): string | undefined {
  const stack: Bracket[] = [];
  let out = '';
  let quote: string | undefined;
  let escaped = false;
  let expectsKey = false;
  for (let index = 0; index < source.length; index += 1) {
    const char = source[index] as string;
    if (quote !== undefined) {
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === quote) {
        out += '"';
        quote = undefined;
        continue;
      } else if (char === '"') {
        out += '\\"';
        continue;
      } else if (char === '\n') {
        out += '\\n';
        continue;
      }
      out += char;
      continue;
    }
    const top = stack.at(-1);
    if (char === '"' || char === "'") {
      quote = char;
      out += '"';
      expectsKey = false;
    } else if (char === '{' || char === '[') {
      stack.push(char);
      out += char;
      expectsKey = char === '{';
    } else if (char === '}' || char === ']') {
      if (top === undefined || CLOSER[top] !== char) return undefined;
      out = out.replace(/,\s*$/, '');
      stack.pop();
      out += char;
      if (stack.length === 0) return out;
      expectsKey = false;
    } else if (char === ',') {
      out += char;
      expectsKey = top === '{';
    } else if (expectsKey && IDENTIFIER_START.test(char)) {
      let end = index + 1;
      while (end < source.length && IDENTIFIER_PART.test(source[end] as string)) end += 1;
      out += JSON.stringify(source.slice(index, end));
      index = end - 1;
      expectsKey = false;
    } else {
      out += char;
    }
  }
  if (quote !== undefined) out += '"';
  out = out.replace(/,\s*$/, '');
  if (/:\s*$/.test(out)) return undefined;
  for (const bracket of stack.reverse()) out += CLOSER[bracket];
  return out;
}

/**
 * What OpenRouter's response-healing plugin makes of a structured answer: valid JSON stays as it is; JSON wrapped in
 * a markdown fence or after a sentence is extracted; missing closing brackets, trailing commas and bare keys are
 * fixed. Undefined when the text holds no JSON it can repair (the answer then goes out as the model wrote it).
 *
 * @example
 * repairJson('{"name": "Alice", "age": 30'); // '{"name": "Alice", "age": 30}'
 * repairJson('Here is the data:\n{name: "Eve", age: 40,}'); // '{"name": "Eve", "age": 40}'
 */
export function repairJson(text: string): string | undefined {
  if (parses(text)) return text;
  const candidate = unfenced(text);
  const start = candidate.search(/[{[]/);
  if (start < 0) return undefined;
  const repaired = rebuild(candidate.slice(start));
  return repaired !== undefined && parses(repaired) ? repaired : undefined;
}
