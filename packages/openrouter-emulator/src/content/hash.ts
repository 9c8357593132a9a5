const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_POW_32 = 4294967296;

/**
 * 32-bit FNV-1a hash of a string's UTF-16 code units, as an unsigned integer; stable across runs and platforms.
 * @example hashString('a') // 3826002220 (0xe40c292c)
 */
export function hashString(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/**
 * Deterministic pseudo-random generator (mulberry32) returning floats in [0, 1).
 * Integer seeds are used directly (mod 2^32); strings and other numbers are hashed first.
 * @example const random = createRandom('prompt'); random(); // same sequence every run
 */
export function createRandom(seed: string | number): () => number {
  let state = typeof seed === 'number' && Number.isInteger(seed) ? seed >>> 0 : hashString(String(seed));
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / TWO_POW_32;
  };
}
