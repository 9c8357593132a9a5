/**
 * The ways a model breaks the JSON of a structured answer, as OpenRouter's response-healing page lists them: a
 * missing closing bracket, a markdown code fence around it, a sentence before it, a trailing comma, bare keys.
 */
export const JSON_DEFECTS = ['unclosed', 'fence', 'prose', 'trailing-comma', 'unquoted-keys'] as const;
export type JsonDefect = (typeof JSON_DEFECTS)[number];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** JSON with every key that is an identifier left bare (`{name:"Eve"}`), as a JavaScript-minded model writes it. */
function withBareKeys(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(withBareKeys).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, entry]) => `${IDENTIFIER.test(key) ? key : JSON.stringify(key)}:${withBareKeys(entry)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The JSON text of a structured answer as a model that slips would write it: what the `broken-json` scenario knob
 * sends, and what the response-healing plugin repairs.
 *
 * @example
 * breakJson('{"name":"Alice","age":30}', 'unclosed'); // '{"name":"Alice","age":30'
 * breakJson('{"name":"Eve"}', 'unquoted-keys'); // '{name:"Eve"}'
 */
export function breakJson(json: string, defect: JsonDefect): string {
  switch (defect) {
    case 'unclosed':
      return json.slice(0, -1);
    case 'fence':
      return `\`\`\`json\n${json}\n\`\`\``;
    case 'prose':
      return `Here is the JSON you asked for:\n${json}`;
    case 'trailing-comma':
      return `${json.slice(0, -1)},${json.slice(-1)}`;
    case 'unquoted-keys':
      return withBareKeys(JSON.parse(json));
  }
}
