import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newRequestId } from './request-id.js';

describe('newRequestId', () => {
  it('is a UUID version 7 carrying the time in milliseconds', () => {
    const at = Date.parse('2026-12-04T20:30:00.123Z');
    const id = newRequestId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts in the order requests came, one millisecond apart or more, and never repeats', () => {
    const start = Date.now();
    const ids = Array.from({ length: 1_000 }, (_, index) => newRequestId(start + index));
    expect([...ids].sort()).toEqual(ids);
    const many = new Set(Array.from({ length: 100_000 }, () => newRequestId(start)));
    expect(many.size).toBe(100_000);
  });
});
