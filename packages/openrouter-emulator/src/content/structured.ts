import { quote } from './reply.js';
import { isRecord } from './tokens.js';

/**
 * Characters of JSON that hold at least one token: the emulator's tokens are at most five characters after one
 * space (the text it quotes has single spaces), two more for margin.
 */
const CHARACTERS_PER_TOKEN = 8;
/** The tokens a value is built for when the caller names no budget (the emulator's default output). */
const DEFAULT_TOKEN_BUDGET = 4_096;

/**
 * A value that satisfies a JSON schema, filled from the user's text: what the emulator returns for
 * `response_format: json_schema` and as tool-call arguments.
 *
 * A model writes no more than its output budget, so the value is built for `maxTokens` tokens and no further: an
 * array stops growing once its JSON would hold more than that (a `minItems` of 100,000,000 is not built), and an
 * answer that long is cut at `maxTokens` anyway, so what is shown is the same. A schema that fits is filled whole.
 *
 * @example
 * sampleFromSchema({ type: 'array', items: { type: 'string' }, minItems: 2 }, 'Hi'); // ['Hi', 'Hi']
 */
export function sampleFromSchema(schema: unknown, text: string, maxTokens = DEFAULT_TOKEN_BUDGET): unknown {
  const tokens = Number.isFinite(maxTokens) ? Math.max(0, maxTokens) : DEFAULT_TOKEN_BUDGET;
  return sample(schema, text, 0, { characters: (tokens + 2) * CHARACTERS_PER_TOKEN });
}

/** What is left of the JSON characters a value may take; spent as the value is built. */
interface Budget {
  characters: number;
}

/** A value and its JSON characters, spent from the budget. */
function spent<T>(value: T, budget: Budget): T {
  budget.characters -= JSON.stringify(value)?.length ?? 0;
  return value;
}

function sample(schema: unknown, text: string, depth: number, budget: Budget): unknown {
  if (!isRecord(schema) || depth > 6) return spent(quote(text, 60), budget);
  if ('const' in schema) return spent(schema['const'], budget);
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return spent(schema['enum'][0], budget);
  for (const union of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[union];
    if (Array.isArray(options) && options.length > 0) return sample(options[0], text, depth + 1, budget);
  }
  const type = Array.isArray(schema['type']) ? schema['type'].find((name) => name !== 'null') : schema['type'];
  switch (type) {
    case 'object': {
      const properties = isRecord(schema['properties']) ? schema['properties'] : {};
      const result: Record<string, unknown> = {};
      budget.characters -= 2;
      for (const [name, property] of Object.entries(properties)) {
        budget.characters -= name.length + 4;
        result[name] = sample(property, text, depth + 1, budget);
      }
      return result;
    }
    case 'array': {
      const count = typeof schema['minItems'] === 'number' ? Math.max(1, schema['minItems']) : 1;
      const items: unknown[] = [];
      budget.characters -= 2;
      // Every item takes at least a character, so the budget bounds the work however many items the schema asks for.
      for (let index = 0; index < count && (index === 0 || budget.characters > 0); index += 1) {
        budget.characters -= 1;
        items.push(sample(schema['items'], text, depth + 1, budget));
      }
      return items;
    }
    case 'integer':
      return spent(Math.ceil(numberIn(schema, 1)), budget);
    case 'number':
      return spent(numberIn(schema, 1.5), budget);
    case 'boolean':
      return spent(true, budget);
    case 'null':
      return spent(null, budget);
    default:
      if (schema['format'] === 'date') return spent('2026-08-08', budget);
      if (schema['format'] === 'date-time') return spent('2026-08-08T12:00:00Z', budget);
      return spent(quote(text, 60), budget);
  }
}

/** A number a schema allows: the middle of its range when it has both ends (a score from -1 to 1 is 0), else its minimum. */
function numberIn(schema: Record<string, unknown>, fallback: number): number {
  const { minimum, maximum } = schema;
  if (typeof minimum === 'number' && typeof maximum === 'number') return (minimum + maximum) / 2;
  if (typeof minimum === 'number') return minimum;
  if (typeof maximum === 'number') return Math.min(fallback, maximum);
  return fallback;
}
