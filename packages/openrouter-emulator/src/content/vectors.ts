import { createRandom } from './hash.js';

/** Largest embedding dimension the emulator will produce. */
export const MAX_EMBEDDING_DIMENSIONS = 8192;

// The whole-input component is small next to the word components, so word overlap dominates similarity
// while reordered or repeated words still change the vector a little.
const WHOLE_INPUT_WEIGHT = 0.25;

function assertDimensions(dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_EMBEDDING_DIMENSIONS) {
    throw new RangeError(`dimensions must be an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}, got ${dimensions}`);
  }
}

function addRandomVector(sum: Float64Array, seed: string, weight: number): void {
  const random = createRandom(seed);
  for (let index = 0; index < sum.length; index++) sum[index] = (sum[index] ?? 0) + (random() * 2 - 1) * weight;
}

/**
 * Hashing trick: each distinct feature adds a pseudo-random vector seeded by its name (damped by log count),
 * plus a small vector seeded by the whole input, then the sum is scaled to unit length.
 */
function embedFeatures(features: readonly string[], wholeInputSeed: string, dimensions: number): Float32Array {
  const counts = new Map<string, number>();
  for (const feature of features) counts.set(feature, (counts.get(feature) ?? 0) + 1);
  const sum = new Float64Array(dimensions);
  for (const [feature, count] of counts) addRandomVector(sum, feature, 1 + Math.log(count));
  addRandomVector(sum, wholeInputSeed, WHOLE_INPUT_WEIGHT * Math.max(1, Math.sqrt(counts.size)));
  let squaredNorm = 0;
  for (const value of sum) squaredNorm += value * value;
  const scale = squaredNorm > 0 ? 1 / Math.sqrt(squaredNorm) : 0;
  // A 1-dimensional sum can cancel to exactly 0; fall back to the unit vector rather than return zeros.
  if (scale === 0) return Float32Array.from(sum, (_, index) => (index === 0 ? 1 : 0));
  return Float32Array.from(sum, (value) => value * scale);
}

/**
 * Deterministic unit-length embedding of text; texts that share (case-insensitive) words score higher cosine similarity.
 * @example embedText('The cat sat', 8).length // 8
 */
export function embedText(text: string, dimensions: number): Float32Array {
  assertDimensions(dimensions);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return embedFeatures(
    words.map((word) => `word:${word}`),
    `text:${text}`,
    dimensions,
  );
}

/**
 * Deterministic unit-length embedding of token ids (OpenAI accepts `number[]` input); shared ids raise similarity.
 * @example embedTokens([9906, 1917], 8).length // 8
 */
export function embedTokens(tokens: readonly number[], dimensions: number): Float32Array {
  assertDimensions(dimensions);
  for (const token of tokens) {
    if (!Number.isSafeInteger(token) || token < 0) throw new RangeError(`token ids must be non-negative integers, got ${token}`);
  }
  return embedFeatures(
    tokens.map((token) => `token:${token}`),
    `tokens:${tokens.join(',')}`,
    dimensions,
  );
}

/**
 * Formats an embedding as OpenAI's API does: a number array for 'float', or base64 of little-endian float32 bytes.
 * @example encodeEmbedding(new Float32Array([1]), 'base64') // 'AACAPw=='
 */
export function encodeEmbedding(vector: Float32Array, format: 'float'): number[];
export function encodeEmbedding(vector: Float32Array, format: 'base64'): string;
export function encodeEmbedding(vector: Float32Array, format: 'float' | 'base64'): number[] | string;
export function encodeEmbedding(vector: Float32Array, format: 'float' | 'base64'): number[] | string {
  if (format === 'float') return Array.from(vector);
  const bytes = Buffer.alloc(vector.length * 4);
  // Written explicitly little-endian so the output does not depend on the host's byte order.
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}
