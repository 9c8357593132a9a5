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

  it('removes a password holding /, ? or # that was not percent-encoded (base64 makes / and +)', () => {
    expect(withoutUrlCredentials('the URL postgres://app:Zm9v/YmFy+cXV4==@db:5432/ai is not valid')).toBe('the URL postgres://db:5432/ai is not valid');
    expect(withoutUrlCredentials('redis://:pa?ss#word@cache:6379')).toBe('redis://cache:6379');
    expect(withoutUrlCredentials('postgres://app:p/ss@db/ai and redis://:pw@cache:6379')).toBe('postgres://db/ai and redis://cache:6379');
  });

  it('leaves text without credentials as it is', () => {
    expect(withoutUrlCredentials('see https://openrouter.ai/api/v1?x=a@b and user@example.com')).toBe('see https://openrouter.ai/api/v1?x=a@b and user@example.com');
  });
});
