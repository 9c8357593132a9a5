import { describe, expect, it } from 'vitest';
import { parseWithoutVectors } from './upstream-json.js';

const answer = (data: unknown[]) => ({ object: 'list', data, model: 'openai/text-embedding-3-small', id: 'gen-1', usage: { prompt_tokens: 12, total_tokens: 12, cost: 2e-7 }, provider: 'OpenAI' });
const vector = (seed: number) => Array.from({ length: 64 }, (_, index) => Math.sin(seed + index) * 1e-3);

describe('parseWithoutVectors', () => {
  it('reads everything but the vectors, which parse as empty lists', () => {
    const body = answer([0, 1, 2].map((index) => ({ object: 'embedding', embedding: vector(index), index })));
    const parsed = parseWithoutVectors(Buffer.from(JSON.stringify(body)));
    expect(parsed).toEqual({ ...body, data: body.data.map((item) => ({ ...(item as object), embedding: [] })) });
    // Spaces where OpenRouter puts none are not the key it looks for: that body is parsed whole.
    expect(parseWithoutVectors(Buffer.from(JSON.stringify(body, null, 1)))).toEqual(body);
  });

  it('parses the whole body when the vectors are not lists of numbers, or there are none', () => {
    const shaped = [
      answer([{ object: 'embedding', embedding: 'AAAAPwAAgD8=', index: 0 }]),
      answer([{ object: 'embedding', embedding: [1, 'x]', 2], index: 0 }]),
      answer([{ object: 'embedding', embedding: [[1], [2]], index: 0 }]),
      { error: { code: 502, message: 'a "embedding":[ inside a message]' } },
      answer([]),
    ];
    for (const body of shaped) expect(parseWithoutVectors(Buffer.from(JSON.stringify(body))), JSON.stringify(body)).toEqual(body);
    expect(() => parseWithoutVectors(Buffer.from('{"data":[{"embedding":[1,2'))).toThrow(SyntaxError);
  });
});
