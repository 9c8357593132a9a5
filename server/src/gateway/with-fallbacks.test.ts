import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { DEFAULT_RETRY_POLICY, withFallbacks } from './with-fallbacks.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 }, upstream: { timeouts: { firstByteMs: 250 } } });
});
afterEach(() => harness.emulator.clearRules());
afterAll(() => harness.close());

const PRIMARY = 'openai/gpt-4o-mini';
const FALLBACK = 'anthropic/claude-sonnet-4';
const send = async (content: string, stream = false) => {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream, messages: [{ role: 'user', content }] }),
  });
  await response.text();
  return { status: response.status, record: harness.usage.records.at(-1)! };
};
const failPrimary = (contains: string, scenario: string, times: number) => harness.emulator.addRule({ match: { model: PRIMARY, contains }, scenario, times });

describe('retries and fallback', () => {
  it('retries a 503 on the same model and succeeds', async () => {
    failPrimary('retry then succeed', 'status=503', 2);
    const { status, record } = await send('retry then succeed');
    expect(status).toBe(200);
    expect(record).toMatchObject({ status: 'ok', attempts: 3, servedModel: PRIMARY });
  });

  it('falls back to the next model once retries are spent', async () => {
    failPrimary('fall back', 'status=502', 3);
    const { status, record } = await send('fall back');
    expect(status).toBe(200);
    expect(record).toMatchObject({ status: 'ok', attempts: 4, servedModel: FALLBACK, provider: 'Anthropic' });
  });

  it('falls back for a stream whose first event is an error, before anything reached the client', async () => {
    failPrimary('stream fall back', 'error-after=0;error-code=503', 3);
    const { status, record } = await send('stream fall back', true);
    expect(status).toBe(200);
    expect(record).toMatchObject({ status: 'ok', servedModel: FALLBACK });
  });

  it('waits out a short Retry-After', async () => {
    failPrimary('retry after', 'status=429;retry-after=1', 1);
    const started = performance.now();
    const { record } = await send('retry after');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(record).toMatchObject({ status: 'ok', attempts: 2, servedModel: PRIMARY });
  });

  it('skips to the fallback instead of waiting out a long Retry-After', async () => {
    failPrimary('long retry after', 'status=429;retry-after=60', 1);
    const started = performance.now();
    const { record } = await send('long retry after');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(record).toMatchObject({ status: 'ok', attempts: 2, servedModel: FALLBACK });
  });

  it('retries a timeout before the first byte', async () => {
    failPrimary('slow first byte', 'stall=1000', 1);
    const { record } = await send('slow first byte');
    expect(record).toMatchObject({ status: 'ok', attempts: 2, servedModel: PRIMARY });
  });

  it('neither retries nor falls back when the request itself is at fault', async () => {
    failPrimary('bad request', 'status=400', 5);
    const { status, record } = await send('bad request');
    expect(status).toBe(400);
    expect(record).toMatchObject({ status: 'error', attempts: 1, errorCode: 'invalid_request' });
  });

  it('sends no attempt once the request was cancelled before it left (during its preparation)', async () => {
    const cancel = new AbortController();
    const sent: string[] = [];
    const preparer = { beforeAttempt: () => Promise.resolve().then(() => cancel.abort()) };
    const run = withFallbacks([PRIMARY, FALLBACK], DEFAULT_RETRY_POLICY, cancel.signal, async ({ model }) => void sent.push(model), {}, preparer);
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(sent).toEqual([]);
  });
});
