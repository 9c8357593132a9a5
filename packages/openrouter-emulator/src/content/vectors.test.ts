import { describe, expect, it } from 'vitest';
import { embedText, embedTokens, encodeEmbedding } from './vectors.js';

const norm = (vector: Float32Array): number => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
const cosine = (left: Float32Array, right: Float32Array): number =>
  left.reduce((sum, value, index) => sum + value * (right[index] ?? 0), 0) / (norm(left) * norm(right));

describe('embedText', () => {
  it('returns a unit-length vector of the requested dimension', () => {
    for (const dimensions of [1, 3, 256, 1536]) {
      const vector = embedText('The quick brown fox', dimensions);
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toHaveLength(dimensions);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
  });

  it('returns identical vectors for identical text', () => {
    expect(embedText('hello world', 64)).toEqual(embedText('hello world', 64));
  });

  it('scores texts that share words above unrelated texts', () => {
    const query = embedText('the cat sat on the warm mat', 256);
    const related = embedText('A cat sat on a mat', 256);
    const unrelated = embedText('quarterly revenue grew in europe', 256);
    expect(cosine(query, related)).toBeGreaterThan(0.5);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.3);
  });

  it('ignores case and punctuation when matching words, but still tells different inputs apart', () => {
    const plain = embedText('hello world', 128);
    const shouted = embedText('HELLO, World!', 128);
    expect(cosine(plain, shouted)).toBeGreaterThan(0.9);
    expect(shouted).not.toEqual(plain);
  });

  it('gives a unit vector for empty text', () => {
    expect(norm(embedText('', 32))).toBeCloseTo(1, 5);
  });

  it('rejects dimensions outside 1..8192', () => {
    for (const dimensions of [0, -1, 8193, 1.5, Number.NaN]) {
      expect(() => embedText('x', dimensions)).toThrow(RangeError);
    }
  });
});

describe('embedTokens', () => {
  it('returns a deterministic unit-length vector of the requested dimension', () => {
    const vector = embedTokens([9906, 1917, 0], 100);
    expect(vector).toHaveLength(100);
    expect(norm(vector)).toBeCloseTo(1, 5);
    expect(vector).toEqual(embedTokens([9906, 1917, 0], 100));
  });

  it('scores sequences that share token ids above unrelated sequences', () => {
    const query = embedTokens([1, 2, 3, 4, 5], 256);
    const overlapping = cosine(query, embedTokens([1, 2, 3, 4, 6], 256));
    const unrelated = cosine(query, embedTokens([7, 8, 9, 10, 11], 256));
    expect(overlapping).toBeGreaterThan(unrelated + 0.3);
  });

  it('rejects token ids that are not non-negative integers', () => {
    expect(() => embedTokens([1, -2], 8)).toThrow(RangeError);
    expect(() => embedTokens([1.5], 8)).toThrow(RangeError);
  });
});

describe('encodeEmbedding', () => {
  const vector = embedText('round trip', 37);

  it("gives a plain number array for 'float'", () => {
    const floats = encodeEmbedding(vector, 'float');
    expect(Array.isArray(floats)).toBe(true);
    expect(floats).toEqual(Array.from(vector));
  });

  it("gives little-endian float32 base64 for 'base64'", () => {
    expect(encodeEmbedding(new Float32Array([1, -2]), 'base64')).toBe('AACAPwAAAMA=');
  });

  it('round-trips through base64 the way the openai SDK decodes it', () => {
    const bytes = Buffer.from(encodeEmbedding(vector, 'base64'), 'base64');
    const decoded = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / Float32Array.BYTES_PER_ELEMENT);
    expect(Array.from(decoded)).toEqual(encodeEmbedding(vector, 'float'));
  });
});
