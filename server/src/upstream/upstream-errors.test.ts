import { describe, expect, it } from 'vitest';
import { classifyUpstreamError } from './upstream-errors.js';

describe('classifyUpstreamError', () => {
  it('passes the upstream message on for input errors, with anything shaped like an OpenRouter key removed', () => {
    const key = 'sk-or-v1-0123456789abcdef0123456789abcdef';
    for (const status of [400, 403, 404, 422]) {
      const { error } = classifyUpstreamError(status, { message: `Bad request (sent with Authorization: Bearer ${key})` });
      expect(error.message, String(status)).toContain('Bad request (sent with Authorization: Bearer [redacted])');
      expect(error.message).not.toContain('sk-or-');
    }
    const context = classifyUpstreamError(400, { message: `too long for ${key}`, metadata: { error_type: 'context_length_exceeded' } }).error;
    expect(context.code).toBe('context_length_exceeded');
    expect(context.message).toBe('too long for [redacted]');
  });

  it('adds the provider\'s own words to "Provider returned error", keys removed and length capped', () => {
    const key = 'sk-or-v1-0123456789abcdef0123456789abcdef';
    const raw = `Function call is missing a thought_signature (key ${key})`;
    const { error } = classifyUpstreamError(400, { message: 'Provider returned error', code: 400, metadata: { raw, provider_name: 'Google' } });
    expect(error.code).toBe('invalid_request');
    expect(error.message).toBe('Provider returned error (Google: Function call is missing a thought_signature (key [redacted]))');
    const long = classifyUpstreamError(400, { message: 'Provider returned error', metadata: { raw: 'x'.repeat(5_000) } }).error.message;
    expect(long).toMatch(/^Provider returned error \(The provider: x+…\)$/);
    expect(long.length).toBeLessThan(1_100);
    // Nothing to add: the message stays as it came.
    expect(classifyUpstreamError(400, { message: 'Bad', metadata: { raw: '  ' } }).error.message).toBe('Bad');
  });

  it('passes a Retry-After on as a day at most, whatever the upstream said', () => {
    const header = (value: string) => classifyUpstreamError(429, { message: 'slow down' }, { 'retry-after': value }).error.headers()['Retry-After'];
    expect(header('30')).toBe('30');
    expect(header('1e308')).toBe('86400');
    expect(header('Fri, 31 Dec 9999 23:59:59 GMT')).toBe('86400');
    expect(classifyUpstreamError(503, { message: 'busy', metadata: { retry_after_seconds: 1e300 } }).error.headers()['Retry-After']).toBe('86400');
  });
});
