import { describe, expect, it } from 'vitest';
import { SentKey } from './sent-key.js';

const KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef';

describe('SentKey', () => {
  it('replaces every occurrence of the key in text and in bytes, and leaves text and bytes without it as they are', () => {
    const key = SentKey.of(KEY) as SentKey;
    expect(key.replaceIn(`{"id":"gen-${KEY}","provider":"Bearer ${KEY}"}`)).toBe('{"id":"gen-[redacted]","provider":"Bearer [redacted]"}');
    expect(key.replaceIn(undefined)).toBeUndefined();
    const bytes = Buffer.from(`${KEY} and ${KEY}`);
    expect(key.replaceInBytes(bytes).toString('utf8')).toBe('[redacted] and [redacted]');
    const clean = Buffer.from('{"id":"gen-1"}');
    expect(key.replaceInBytes(clean)).toBe(clean);
  });

  it('finds the key only where it starts inside the bytes asked about', () => {
    const key = SentKey.of(KEY) as SentKey;
    const bytes = Buffer.from(`data: {}\n\ndata: {"x":"${KEY}"}\n\n`);
    expect(key.foundInBytes(bytes, 0, bytes.length)).toBe(true);
    expect(key.foundInBytes(bytes, 0, 10)).toBe(false);
  });

  it('is made once per key, and not at all for a key too short to look for', () => {
    expect(SentKey.of(KEY)).toBe(SentKey.of(KEY));
    expect(SentKey.of('short')).toBeUndefined();
  });
});
