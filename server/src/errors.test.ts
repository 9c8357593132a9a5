import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness } from '../test/harness.js';
import { GatewayError, renameParam, toGatewayError, type GatewayErrorCode } from './errors.js';
import { createRedisClient } from './net/redis-client.js';

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

describe('renameParam', () => {
  const renamed = (message: string, param: string | undefined, to: string) => {
    const error = renameParam(new GatewayError('invalid_parameter', message, param === undefined ? {} : { param }), () => to) as GatewayError;
    return [error.message, error.options.param];
  };

  it('names the field once, however the message named it', () => {
    expect(renamed('max_tokens must be at most 100.', 'max_tokens', 'max_tokens')).toEqual(['max_tokens must be at most 100.', 'max_tokens']);
    expect(renamed('stop must hold at most 4 sequences.', 'stop', 'stop_sequences')).toEqual(['stop_sequences must hold at most 4 sequences.', 'stop_sequences']);
    expect(renamed('temperature: a number from 0 to 2', 'temperature', 'items.3.temperature')).toEqual(['items.3.temperature: a number from 0 to 2', 'items.3.temperature']);
    expect(renamed('Unknown model.', undefined, 'items.0')).toEqual(['items.0: Unknown model.', 'items.0']);
  });
});

describe('Redis out of reach', () => {
  // A server that takes connections and never answers: commands time out rather than fail at once.
  const held = new Set<Socket>();
  const silent: Server = createServer((socket) => held.add(socket));
  const silentPort = new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)));
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  /** What the Redis client rejects a command with, as a route would meet it. */
  const failureOf = async (url: string, options: Parameters<typeof createRedisClient>[1]) => {
    const client = createRedisClient(url, { connectTimeout: 200, retryStrategy: () => 50, ...options });
    client.on('error', () => undefined);
    try {
      return await client.get('any').then(() => undefined, (error: unknown) => error);
    } finally {
      client.disconnect();
    }
  };

  it.each([
    ['refused, retried once', 'redis://127.0.0.1:1', { maxRetriesPerRequest: 1 }],
    ['refused, no offline queue', 'redis://127.0.0.1:1', { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true }],
  ])('is a 503 service_unavailable with Retry-After, not a 500 (%s)', async (_name, url, options) => {
    const error = toGatewayError(await failureOf(url, options));
    expect(error.code).toBe('service_unavailable');
    expect(error.status).toBe(503);
    expect(error.headers()).toEqual({ 'Retry-After': '5' });
  });

  it('is a 503 when Redis takes the connection and never answers (the command times out)', async () => {
    const error = toGatewayError(await failureOf(`redis://127.0.0.1:${await silentPort}`, { commandTimeout: 100, maxRetriesPerRequest: 1 }));
    expect(error.code).toBe('service_unavailable');
  });

  it('is a 503 when a store wrapped the client error in its own, and stays a 500 for a reply that names a bug', () => {
    const timedOut = new Error('Command timed out');
    expect(toGatewayError(new Error('the cache could not be read', { cause: timedOut })).code).toBe('service_unavailable');
    expect(toGatewayError(Object.assign(new Error('READONLY You can\'t write against a read only replica.'), { name: 'ReplyError' })).code).toBe('service_unavailable');
    expect(toGatewayError(Object.assign(new Error('ERR Error running script'), { name: 'ReplyError' })).code).toBe('internal_error');
  });

  it('answers 503 service_unavailable on every admin route that reads or writes Redis', async () => {
    const harness = await startHarness({ limits: { redisUrl: 'redis://127.0.0.1:1' }, operations: { circuitBreakers: {} } });
    try {
      for (const [method, path] of [['GET', '/api/ai/models/health'], ['GET', '/api/ai/errors'], ['GET', '/api/ai/errors/req_unknown'], ['DELETE', '/api/ai/cache'], ['DELETE', '/api/ai/cache/chat']] as const) {
        const response = await fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        const body = (await response.json()) as { error: { code: string } };
        expect({ path, status: response.status, code: body.error.code }).toEqual({ path, status: 503, code: 'service_unavailable' });
        expect(response.headers.get('retry-after')).toBe('5');
      }
      expect(harness.logs.filter((line) => line.includes('unhandled error in a gateway route'))).toEqual([]);
    } finally {
      await harness.close();
    }
  });
});
