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
});
