import { describe, expect, it } from 'vitest';
import { withoutUrlCredentials } from './url-credentials.js';

describe('withoutUrlCredentials', () => {
  it('removes the user and password of every URL in a text', () => {
    expect(withoutUrlCredentials('cannot open postgres://nobody:bad@127.0.0.1:5432/test nor redis://:pw@cache:6379/0')).toBe('cannot open postgres://127.0.0.1:5432/test nor redis://cache:6379/0');
  });

  it('removes a password that itself contains colons or encoded characters', () => {
    expect(withoutUrlCredentials('postgresql://app:p%40ss:w0rd@db/ai')).toBe('postgresql://db/ai');
    expect(withoutUrlCredentials('postgres://app:p@ss@db/ai')).toBe('postgres://db/ai');
  });

  it('leaves text without credentials as it is', () => {
    expect(withoutUrlCredentials('see https://openrouter.ai/api/v1?x=a@b and user@example.com')).toBe('see https://openrouter.ai/api/v1?x=a@b and user@example.com');
  });
});
