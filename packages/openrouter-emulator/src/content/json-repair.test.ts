import { describe, expect, it } from 'vitest';
import { breakJson, JSON_DEFECTS } from './json-defects.js';
import { repairJson } from './json-repair.js';

describe('repairJson', () => {
  it('fixes each example of OpenRouter\'s response-healing page', () => {
    const cases: Array<[string, unknown]> = [
      ['{"name": "Alice", "age": 30', { name: 'Alice', age: 30 }],
      ['```json\n{"name": "Bob"}\n```', { name: 'Bob' }],
      ['Here\'s the data you requested:\n{"name": "Charlie", "age": 25}', { name: 'Charlie', age: 25 }],
      ['{"name": "David", "age": 35,}', { name: 'David', age: 35 }],
      ['{name: "Eve", age: 40}', { name: 'Eve', age: 40 }],
    ];
    for (const [broken, value] of cases) {
      const repaired = repairJson(broken);
      expect(repaired, broken).toBeDefined();
      expect(JSON.parse(repaired as string), broken).toEqual(value);
    }
  });

  it('leaves valid JSON as it is, and nests, strings with brackets and trailing prose survive a repair', () => {
    expect(repairJson('{"a": [1, 2]}')).toBe('{"a": [1, 2]}');
    expect(JSON.parse(repairJson('{"tags": ["a,}", "b",], note: \'say "hi"\'') ?? '')).toEqual({ tags: ['a,}', 'b'], note: 'say "hi"' });
    expect(JSON.parse(repairJson('Sure! {"ok": true} Let me know if you need more.') ?? '')).toEqual({ ok: true });
    expect(JSON.parse(repairJson('{"list": [{"x": 1}, {"x": 2') ?? '')).toEqual({ list: [{ x: 1 }, { x: 2 }] });
  });

  it('gives up on text with no JSON, a key cut off before its value, or mismatched brackets', () => {
    expect(repairJson('I cannot help with that.')).toBeUndefined();
    expect(repairJson('{"name": "Alice", "age":')).toBeUndefined();
    expect(repairJson('{"a": [1, 2}')).toBeUndefined();
  });

  it('undoes every defect breakJson makes', () => {
    const json = JSON.stringify({ name: 'A tram "pass"', price: 2.5, tags: ['day', 'week'], nested: { ok: true, 'two words': null } });
    for (const defect of JSON_DEFECTS) {
      const broken = breakJson(json, defect);
      expect(() => JSON.parse(broken), defect).toThrow();
      expect(JSON.parse(repairJson(broken) ?? 'null'), defect).toEqual(JSON.parse(json));
    }
  });
});
