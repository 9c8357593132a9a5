import { expect } from 'vitest';
import type { Harness } from './harness.js';

/**
 * The usage records a harness was given since `before`, once there are `count` of them, none more arriving soon
 * after (a request recorded twice would show here).
 * @example
 * const [record] = await recordsSince(harness, before);
 */
export async function recordsSince(harness: Harness, before: number, count = 1) {
  await expect.poll(() => harness.usage.records.length - before).toBe(count);
  await new Promise((resolve) => setTimeout(resolve, 30));
  expect(harness.usage.records.length - before).toBe(count);
  return harness.usage.records.slice(before);
}
