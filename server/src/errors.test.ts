import { describe, expect, it } from 'vitest';
import { GatewayError, toGatewayError, type GatewayErrorCode } from './errors.js';

describe('GatewayError', () => {
  it.each<[GatewayErrorCode, number, string]>([
    ['invalid_parameter', 400, 'invalid_request_error'],
    ['model_not_found', 400, 'invalid_request_error'],
    ['unauthorized', 401, 'authentication_error'],
    ['quota_exceeded', 402, 'insufficient_quota'],
    ['forbidden', 403, 'permission_error'],
    ['request_too_large', 413, 'invalid_request_error'],
    ['rate_limit_exceeded', 429, 'rate_limit_error'],
    ['upstream_auth', 502, 'server_error'],
    ['upstream_error', 502, 'server_error'],
    ['upstream_timeout', 504, 'server_error'],
  ])('maps %s to HTTP %i and the OpenAI error shape', (code, status, type) => {
    const error = new GatewayError(code, 'Something specific.', { param: 'temperature' });
    expect(error.status).toBe(status);
    expect(error.toBody()).toEqual({ error: { message: 'Something specific.', type, code, param: 'temperature' } });
  });

  it('sets Retry-After in whole seconds', () => {
    expect(new GatewayError('rate_limit_exceeded', 'Slow down.', { retryAfterSeconds: 1.2 }).headers()).toEqual({ 'Retry-After': '2' });
  });

  it('turns unknown failures into a 500 that reveals nothing internal', () => {
    const error = toGatewayError(new Error('ECONNRESET at /internal/path with secret'));
    expect(error.status).toBe(500);
    expect(error.message).toBe('The gateway failed to handle the request.');
  });
});
