import { describe, expect, it } from 'vitest';
import { createRandom, hashString } from './hash.js';

describe('hashString', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });

  it('returns an unsigned 32-bit integer that differs for different text', () => {
    const first = hashString('a cat on a mat');
    const second = hashString('a dog on a log');
    expect(Number.isInteger(first)).toBe(true);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(2 ** 32);
    expect(first).not.toBe(second);
  });
});

describe('createRandom', () => {
  const take = (random: () => number, count: number): number[] => Array.from({ length: count }, () => random());

  it('replays the same sequence for the same seed', () => {
    expect(take(createRandom('seed'), 20)).toEqual(take(createRandom('seed'), 20));
    expect(take(createRandom(42), 20)).toEqual(take(createRandom(42), 20));
  });

  it('gives different sequences for different seeds', () => {
    expect(take(createRandom('seed-a'), 5)).not.toEqual(take(createRandom('seed-b'), 5));
    expect(take(createRandom(1), 5)).not.toEqual(take(createRandom(2), 5));
    expect(take(createRandom(1.5), 5)).not.toEqual(take(createRandom(1), 5));
  });

  it('stays in [0, 1) and spreads evenly', () => {
    const values = take(createRandom('spread'), 10_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    const lowHalf = values.filter((value) => value < 0.5).length;
    expect(lowHalf).toBeGreaterThan(4800);
    expect(lowHalf).toBeLessThan(5200);
  });
});
