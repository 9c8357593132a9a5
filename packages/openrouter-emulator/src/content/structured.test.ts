import { describe, expect, it } from 'vitest';
import { sampleFromSchema } from './structured.js';

describe('sampleFromSchema', () => {
  it('answers numbers inside their range: the middle when both ends are set, else the minimum or a value under the maximum', () => {
    expect(sampleFromSchema({ type: 'number', minimum: -1, maximum: 1 }, 'x')).toBe(0);
    expect(sampleFromSchema({ type: 'number', minimum: 2 }, 'x')).toBe(2);
    expect(sampleFromSchema({ type: 'number', maximum: 1 }, 'x')).toBe(1);
    expect(sampleFromSchema({ type: 'integer', minimum: 1, maximum: 4 }, 'x')).toBe(3);
  });

  it('fills a strict object schema with every required property, enums from their first value', () => {
    const schema = {
      type: 'object',
      properties: { summary: { type: 'string' }, key_points: { type: 'array', items: { type: 'string' }, minItems: 1 }, sentiment: { type: 'object', properties: { label: { type: 'string', enum: ['neutral', 'positive'] }, score: { type: 'number', minimum: -1, maximum: 1 } }, required: ['label', 'score'], additionalProperties: false } },
      required: ['summary', 'key_points', 'sentiment'],
      additionalProperties: false,
    };
    const value = sampleFromSchema(schema, 'The park opened.') as { summary: string; key_points: string[]; sentiment: { label: string; score: number } };
    expect(value.summary).toContain('The park opened.');
    expect(value.key_points).toHaveLength(1);
    expect(value.sentiment).toEqual({ label: 'neutral', score: 0 });
  });

  it('builds no more than the token budget holds: a huge minItems, flat or nested, stops early, and a schema that fits is filled whole', () => {
    const started = performance.now();
    const flat = sampleFromSchema({ type: 'array', items: { type: 'string' }, minItems: 100_000_000 }, 'word', 1_000) as string[];
    const nested = sampleFromSchema({ type: 'array', items: { type: 'array', items: { type: 'integer' }, minItems: 5_000 }, minItems: 5_000 }, 'x', 1_000) as number[][];
    expect(performance.now() - started).toBeLessThan(500);
    // At least enough for the budget (each item is more than a token), far from what was asked.
    expect(JSON.stringify(flat).length).toBeGreaterThan(1_000 * 5);
    expect(flat.length).toBeLessThan(10_000);
    expect(nested.flat().length).toBeLessThan(10_000);
    expect(sampleFromSchema({ type: 'array', items: { type: 'integer' }, minItems: 300 }, 'x', 1_000)).toHaveLength(300);
  });
});
