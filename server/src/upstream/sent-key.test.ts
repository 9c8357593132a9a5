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

  it('finds the secret without its public prefix, and the key in parsed JSON where escapes spelled it', () => {
    const key = SentKey.of(KEY) as SentKey;
    const secret = KEY.slice('sk-or-v1-'.length);
    expect(key.secret).toBe(secret);
    expect(key.replaceIn(`token ${secret}, key ${KEY}`)).toBe('token [redacted], key [redacted]');
    expect(key.replaceInBytes(Buffer.from(`token ${secret}`)).toString('utf8')).toBe('token [redacted]');
    const escaped = [...KEY].map((character) => `\\u00${character.charCodeAt(0).toString(16)}`).join('');
    const parsed = JSON.parse(`{"a":["x ${escaped}"],"${escaped}":{"b":1},"c":"clean"}`) as Record<string, unknown>;
    expect(key.cleanParsed(parsed)).toBe(true);
    expect(parsed).toEqual({ a: ['x [redacted]'], '[redacted]': { b: 1 }, c: 'clean' });
    expect(key.cleanParsed({ a: 'clean' })).toBe(false);
  });

  it('is made once per key, and not at all for a key too short to look for', () => {
    expect(SentKey.of(KEY)).toBe(SentKey.of(KEY));
    expect(SentKey.of('short')).toBeUndefined();
  });
});
