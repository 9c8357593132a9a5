import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { JsonSchema, MessageToolPart, SchemaLike } from './message-parts.js';
import { jsonSchemaOf, toolDefinitions, triageToolCalls } from './tool-calls.js';

// zod 4 as the host app would have it: this package does not depend on zod; the gateway package (a dev dependency
// here) does, so the test borrows that installation.
const fromGateway = createRequire(createRequire(import.meta.url).resolve('@insforge/ai-server/package.json'));
/** The little of zod's API used here (its types are not installed for this package). */
interface ZodType {
  toJSONSchema(): JsonSchema;
  describe(text: string): ZodType;
  int(): ZodType;
  min(value: number): ZodType;
  max(value: number): ZodType;
  optional(): ZodType;
}
const { z } = fromGateway('zod') as { z: { object(shape: Record<string, ZodType>): ZodType; string(): ZodType; number(): ZodType } };

const call = (name: string, input: string, toolCallId = name): MessageToolPart => ({ type: 'tool-call', toolCallId, index: 0, name, input, state: 'input-available' });

describe('jsonSchemaOf', () => {
  it('takes a zod 4 schema as JSON Schema, without the draft keyword', () => {
    const schema = jsonSchemaOf(z.object({ city: z.string().describe('The city'), days: z.number().int().min(1).max(7).optional() }));
    expect(schema).toEqual({
      type: 'object',
      properties: { city: { type: 'string', description: 'The city' }, days: { type: 'integer', minimum: 1, maximum: 7 } },
      required: ['city'],
      additionalProperties: false,
    });
  });

  it('takes a Standard JSON Schema object (any library that implements it), asking for its input schema', () => {
    const targets: string[] = [];
    const standard: SchemaLike = {
      '~standard': {
        jsonSchema: {
          input: ({ target }) => {
            targets.push(target);
            return { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { q: { type: 'string' } } };
          },
        },
      },
    };
    expect(jsonSchemaOf(standard)).toEqual({ type: 'object', properties: { q: { type: 'string' } } });
    expect(targets).toEqual(['draft-07']);
  });

  it('passes a JSON Schema object through', () => {
    const schema: JsonSchema = { type: 'object', properties: { city: { type: 'string' } } };
    expect(jsonSchemaOf(schema)).toEqual(schema);
  });

  it('names the tool whose parameters are not a schema', () => {
    expect(() => toolDefinitions({ broken: { parameters: { '~standard': { validate: () => ({ value: 1 }) } } as never } })).toThrow(/The tool "broken": This schema cannot describe itself as JSON Schema/);
    expect(() => toolDefinitions({ empty: { parameters: null as never } })).toThrow(/The tool "empty": A tool's parameters must be a JSON Schema object/);
  });

  it('makes the request tools, with the description only when given', () => {
    expect(toolDefinitions({ get_weather: { description: 'Weather', parameters: z.object({ city: z.string() }) }, ping: { parameters: { type: 'object' } } })).toEqual([
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } } },
      { type: 'function', function: { name: 'ping', parameters: { type: 'object' } } },
    ]);
  });
});

describe('triageToolCalls', () => {
  it('fails unknown tools and bad arguments with words the model reads, holds approvals, and readies the rest', () => {
    const tools = {
      get_weather: { parameters: { type: 'object' }, execute: () => 'sunny' },
      create_ticket: { parameters: { type: 'object' }, needsApproval: (input: { urgent?: boolean }) => input.urgent === true, execute: () => 'ok' },
    };
    const parts = [call('nope', '{}'), call('get_weather', '{"city":'), call('get_weather', '[1]', 'array'), call('create_ticket', '{"urgent":true}', 'urgent'), call('create_ticket', '{}', 'calm'), call('get_weather', '', 'empty')];
    const { parts: next, ready } = triageToolCalls(parts, tools);
    expect(next.map((part) => part.type === 'tool-call' && [part.toolCallId, part.state, part.errorText])).toEqual([
      ['nope', 'output-error', 'There is no tool named "nope".'],
      ['get_weather', 'output-error', 'The arguments of get_weather are not valid JSON.'],
      ['array', 'output-error', 'The arguments of get_weather must be a JSON object.'],
      ['urgent', 'awaiting-approval', undefined],
      ['calm', 'input-available', undefined],
      ['empty', 'input-available', undefined],
    ]);
    expect(ready.map((part) => part.toolCallId)).toEqual(['calm', 'empty']);
  });

  it('does not take a name from the object prototype for a tool', () => {
    const { parts } = triageToolCalls([call('constructor', '{}')], {});
    expect(parts[0]).toMatchObject({ state: 'output-error', errorText: 'There is no tool named "constructor".' });
  });
});
