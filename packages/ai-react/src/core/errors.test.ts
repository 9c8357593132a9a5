import { errorBody, GATEWAY_ERROR_CODES, GATEWAY_ERROR_STATUS } from '@insforge/ai-protocol';
import { describe, expect, it } from 'vitest';
import { AiError, isAiError, readAiError, toAiError } from './errors.js';

const body = (code: string | number, message = 'It failed.', extra: Record<string, unknown> = {}) => ({ error: { message, type: 'x', code, param: null, ...extra } });

describe('toAiError', () => {
  it.each([
    ['rate_limit_exceeded', 429, 'rate_limited', true],
    ['quota_exceeded', 402, 'quota_exceeded', false],
    ['unauthorized', 401, 'unauthorized', false],
    ['forbidden', 403, 'forbidden', false],
    ['content_policy_violation', 403, 'forbidden', false],
    ['invalid_parameter', 400, 'invalid_request', false],
    ['context_length_exceeded', 400, 'invalid_request', false],
    ['model_not_found', 400, 'model_not_found', false],
    ['not_found', 404, 'not_found', false],
    ['version_conflict', 409, 'conflict', false],
    ['upstream_auth', 502, 'provider_key_invalid', false],
    ['upstream_insufficient_credits', 502, 'provider_key_invalid', false],
    ['upstream_error', 502, 'upstream_unavailable', true],
    ['upstream_model_unavailable', 502, 'upstream_unavailable', true],
    ['upstream_stream_truncated', 502, 'upstream_unavailable', true],
    ['upstream_timeout', 504, 'timeout', true],
    ['internal_error', 500, 'upstream_unavailable', true],
  ] as const)('maps the gateway code %s (%i) to %s, retryable %s', (serverCode, status, code, retryable) => {
    const error = toAiError(body(serverCode), { status });
    expect(error).toMatchObject({ code, status, serverCode, retryable, message: 'It failed.' });
    expect(error.userMessage).not.toBe('');
  });

  it('reads every code the gateway answers with (the protocol\'s list) as a known code, at its own status', () => {
    for (const serverCode of GATEWAY_ERROR_CODES) {
      const error = toAiError(errorBody(serverCode, 'It failed.'), { status: GATEWAY_ERROR_STATUS[serverCode] });
      expect(error.serverCode).toBe(serverCode);
      // Only a server's own misconfiguration has no better name than `unknown`.
      if (serverCode !== 'encryption_key_missing') expect(error.code, serverCode).not.toBe('unknown');
      expect(error.userMessage).not.toBe('');
    }
    expect(toAiError(errorBody('unsupported_media_type', 'Not JSON.'), { status: 415 }).code).toBe('invalid_request');
    expect(toAiError(errorBody('encryption_key_missing', 'No key.'), { status: 500 })).toMatchObject({
      code: 'unknown',
      retryable: false,
      userMessage: 'The server cannot store keys: it has no encryption key configured.',
    });
    // A name that only looks like a code is not one.
    expect(toAiError(body('constructor'), { status: 400 }).code).toBe('invalid_request');
    expect(toAiError(body('toString')).code).toBe('unknown');
  });

  it('says what to do, in plain words, for the failures a user meets', () => {
    const headers = new Headers({ 'retry-after': '12' });
    expect(toAiError(body('rate_limit_exceeded'), { status: 429, headers }).userMessage).toBe('Too many requests — try again in 12 seconds.');
    expect(toAiError(body('quota_exceeded'), { status: 402 }).userMessage).toBe('The usage limit is reached; contact your administrator.');
    expect(toAiError(body('upstream_auth'), { status: 502 }).userMessage).toBe('The AI service key is invalid; an administrator must update it.');
    expect(toAiError(body('upstream_insufficient_credits'), { status: 502 }).userMessage).toContain('out of credit');
    expect(toAiError(body('model_not_found'), { status: 400 }).userMessage).toContain('not available');
    expect(toAiError(body('upstream_error'), { status: 502 }).userMessage).toContain('unavailable');
    expect(toAiError(body('context_length_exceeded'), { status: 400 }).userMessage).toContain('too long');
  });

  it('reads the wait from Retry-After (seconds or a date), retry-after-ms, or the body', () => {
    expect(toAiError(body('rate_limit_exceeded'), { status: 429, headers: new Headers({ 'retry-after': '30' }) }).retryAfter).toBe(30);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(toAiError(body('rate_limit_exceeded'), { status: 429, headers: new Headers({ 'retry-after': inTenSeconds }) }).retryAfter).toBeGreaterThanOrEqual(9);
    expect(toAiError(body('rate_limit_exceeded'), { status: 429, headers: new Headers({ 'retry-after-ms': '1500' }) }).retryAfter).toBe(2);
    expect(toAiError(body('rate_limit_exceeded', 'x', { retry_after: 7 }), { status: 429 }).retryAfter).toBe(7);
    expect(toAiError(body('rate_limit_exceeded'), { status: 429 }).userMessage).toBe('Too many requests — wait a moment and try again.');
  });

  it('falls back on the status when the code is not one it knows, and on OpenRouter\'s numeric code mid-stream', () => {
    expect(toAiError(body('something_new'), { status: 429 }).code).toBe('rate_limited');
    expect(toAiError(body('something_new'), { status: 503 })).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    expect(toAiError(body('something_new'), { status: 408 })).toMatchObject({ code: 'timeout', retryable: true });
    expect(toAiError({ error: { code: 502, message: 'Provider returned error' } })).toMatchObject({ code: 'upstream_unavailable', status: 502 });
    expect(toAiError({ error: true, code: 'upstream_error', message: 'x' }).code).toBe('upstream_unavailable');
    expect(toAiError('nonsense')).toMatchObject({ code: 'unknown', retryable: false });
  });

  it('maps a failed fetch to offline and an abort to aborted', () => {
    expect(toAiError(new TypeError('fetch failed'))).toMatchObject({ code: 'offline', retryable: true });
    expect(toAiError(new TypeError('Failed to fetch')).code).toBe('offline');
    expect(toAiError(new TypeError('Load failed')).code).toBe('offline');
    expect(toAiError(new DOMException('The operation was aborted.', 'AbortError'))).toMatchObject({ code: 'aborted', retryable: false });
    expect(toAiError(new DOMException('Timed out', 'TimeoutError')).code).toBe('timeout');
  });

  it('calls a missing admin route admin_unavailable, and a missing record not_found', () => {
    const noRoute = body('not_found', 'No route GET /api/ai/usage/summary.');
    expect(toAiError(noRoute, { status: 404, admin: true })).toMatchObject({ code: 'admin_unavailable', userMessage: expect.stringContaining('no admin routes') });
    expect(toAiError({ message: '<html>Cannot GET</html>' }, { status: 404, admin: true }).code).toBe('admin_unavailable');
    expect(toAiError({ error: { code: 404, message: 'Not Found' } }, { status: 404, admin: true }).code).toBe('admin_unavailable');
    expect(toAiError(body('not_found', 'No configuration "x" in this project.'), { status: 404, admin: true }).code).toBe('not_found');
    expect(toAiError(noRoute, { status: 404 }).code).toBe('not_found');
  });

  it('keeps the version a conflict lost to, and the field at fault', () => {
    const error = toAiError(body('version_conflict'), { status: 409, headers: new Headers({ 'x-current-version': '4' }) });
    expect(error).toMatchObject({ code: 'conflict', currentVersion: 4, retryable: false });
    expect(toAiError(body('invalid_parameter', 'temperature: too high', { param: 'temperature' }), { status: 400 }).param).toBe('temperature');
  });

  it("shows a guardrail's refusal in the feature's own words, and a provider's moderation refusal in ours", () => {
    const refused = toAiError(body('content_policy_violation', 'We only talk about gardening.', { metadata: { source: 'guardrail', guardrail: 'topics' } }), { status: 403 });
    expect(refused).toMatchObject({ code: 'forbidden', guardrail: 'topics', userMessage: 'We only talk about gardening.' });
    expect(AiError.fromJSON(JSON.parse(JSON.stringify(refused)))).toMatchObject({ guardrail: 'topics', userMessage: 'We only talk about gardening.' });
    // InsForge's stream error event, and a size bound's 400.
    expect(toAiError({ error: true, code: 'content_policy_violation', message: 'Not here.', metadata: { source: 'guardrail' } })).toMatchObject({ guardrail: 'guardrail', userMessage: 'Not here.' });
    expect(toAiError(body('invalid_parameter', 'Keep it under 2,000 characters.', { metadata: { source: 'guardrail', guardrail: 'size' } }), { status: 400 }).userMessage).toBe('Keep it under 2,000 characters.');
    const provider = toAiError(body('content_policy_violation', 'Input flagged by provider [violence]'), { status: 403 });
    expect(provider.guardrail).toBeUndefined();
    expect(provider.userMessage).toBe('The message was flagged by moderation; rephrase it and try again.');
  });

  it('survives JSON: a stored failed answer shows the same error', () => {
    const error = toAiError(body('rate_limit_exceeded'), { status: 429, headers: new Headers({ 'retry-after': '3' }) });
    const back = AiError.fromJSON(JSON.parse(JSON.stringify(error)));
    expect(back.toJSON()).toEqual(error.toJSON());
    expect(isAiError(back)).toBe(true);
    expect(toAiError(back)).toBe(back);
  });
});

describe('readAiError', () => {
  it('reads a JSON error body with its status and headers, and a non-JSON one as text', async () => {
    const json = new Response(JSON.stringify(body('rate_limit_exceeded')), { status: 429, headers: { 'retry-after': '5' } });
    expect(await readAiError(json)).toMatchObject({ code: 'rate_limited', retryAfter: 5, status: 429 });
    const html = new Response('<h1>Bad gateway</h1>', { status: 502 });
    expect(await readAiError(html)).toMatchObject({ code: 'upstream_unavailable', status: 502 });
    expect(await readAiError(new Response('', { status: 404 }), { admin: true })).toMatchObject({ code: 'admin_unavailable' });
  });

  it("reads a proxy's HTML error page by its title or its words, never its markup (an invalid_request shows it)", async () => {
    const page = '<html><head><title>400 Bad Request</title></head><body><h1>Bad</h1><script>alert(1)</script></body></html>';
    const titled = await readAiError(new Response(page, { status: 400, headers: { 'content-type': 'text/html' } }));
    expect(titled).toMatchObject({ code: 'invalid_request', message: '400 Bad Request', userMessage: 'The request was not accepted: 400 Bad Request' });
    const untitled = await readAiError(new Response('<center><h1>403 Forbidden</h1></center><hr><center>nginx</center>', { status: 403 }));
    expect(untitled.message).toBe('403 Forbidden nginx');
    expect((await readAiError(new Response('upstream connect error', { status: 503 }))).message).toBe('upstream connect error');
  });

  it('keeps the words of an error given as a string', () => {
    expect(toAiError({ error: 'The provider exploded' }).message).toBe('The provider exploded');
  });
});
