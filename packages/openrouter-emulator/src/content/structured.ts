import { quote } from './reply.js';
import { isRecord } from './tokens.js';

/**
 * A value that satisfies a JSON schema, filled from the user's text: what the emulator returns for
 * `response_format: json_schema` and as tool-call arguments.
 */
export function sampleFromSchema(schema: unknown, text: string, depth = 0): unknown {
  if (!isRecord(schema) || depth > 6) return quote(text, 60);
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  for (const union of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[union];
    if (Array.isArray(options) && options.length > 0) return sampleFromSchema(options[0], text, depth + 1);
  }
  const type = Array.isArray(schema['type']) ? schema['type'].find((name) => name !== 'null') : schema['type'];
  switch (type) {
    case 'object': {
      const properties = isRecord(schema['properties']) ? schema['properties'] : {};
      const result: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(properties)) result[name] = sampleFromSchema(property, text, depth + 1);
      return result;
    }
    case 'array': {
      const count = typeof schema['minItems'] === 'number' ? Math.max(1, schema['minItems']) : 1;
      return Array.from({ length: count }, () => sampleFromSchema(schema['items'], text, depth + 1));
    }
    case 'integer':
      return Math.ceil(numberIn(schema, 1));
    case 'number':
      return numberIn(schema, 1.5);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      if (schema['format'] === 'date') return '2026-08-08';
      if (schema['format'] === 'date-time') return '2026-08-08T12:00:00Z';
      return quote(text, 60);
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
