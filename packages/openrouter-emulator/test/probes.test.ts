import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { chatBody, json, post } from './client.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

/** Reads an SSE body until `tokens` content chunks arrived, then aborts; returns the generation id. */
async function streamThenAbort(scenario: string, tokens: number, model = 'openai/gpt-4o-mini') {
  const controller = new AbortController();
  const response = await post(emulator, '/chat/completions', chatBody('abort me', { model, stream: true }), { 'x-emulator-scenario': scenario }, emulator.apiKey, controller.signal);
  const id = response.headers.get('x-generation-id')!;
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while ((text.match(/"content":"[^"]/g) ?? []).length < tokens) text += decoder.decode((await reader.read()).value);
  const abortedAt = performance.timeOrigin + performance.now();
  controller.abort();
  return { id, abortedAt };
}

const getJson = async (path: string, key = emulator.apiKey) => {
  const response = await fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: await json(response) };
};

describe('probes', () => {
  it('records when the client closed a stream and how many tokens it had been sent', async () => {
    const { id, abortedAt } = await streamThenAbort('tps=50;tokens=200', 3);
    const probe = await emulator.waitForGeneration(id);
    expect(probe.clientClosed).toBe(true);
    expect(probe.status).toBe('cancelled');
    expect(probe.clientClosedAt! - abortedAt).toBeLessThan(100);
    expect(probe.tokensSent).toBeGreaterThanOrEqual(3);
    expect(probe.tokensSent).toBeLessThan(probe.plannedTokens);
  });

  it('bills a cancelled stream for the tokens sent where the provider stops on cancel', async () => {
    const { id } = await streamThenAbort('tps=50;tokens=200', 3);
    const probe = await emulator.waitForGeneration(id);
    expect(probe.billed?.completionTokens).toBe(probe.tokensSent);
  });

  it('bills the full answer for providers that do not stop, or when cancel-billing=full', async () => {
    const groq = await emulator.waitForGeneration((await streamThenAbort('tps=50;tokens=200', 2, 'meta-llama/llama-3.3-70b-instruct')).id);
    expect(groq.provider).toBe('Groq');
    expect(groq.billed?.completionTokens).toBe(groq.plannedTokens);
    const forced = await emulator.waitForGeneration((await streamThenAbort('tps=50;tokens=200;cancel-billing=full', 2)).id);
    expect(forced.billed?.completionTokens).toBe(forced.plannedTokens);
  });

  it('sees a non-streaming request cancelled while it is being generated', async () => {
    const controller = new AbortController();
    const pending = post(emulator, '/chat/completions', chatBody('slow json', { stream: false }), { 'x-emulator-scenario': 'ttft=100;tps=20;tokens=100' }, emulator.apiKey, controller.signal).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const running = emulator.generations({ status: 'running' }).find((candidate) => !candidate.streamed);
    expect(running).toBeDefined();
    const abortedAt = performance.timeOrigin + performance.now();
    controller.abort();
    await pending;
    const probe = await emulator.waitForGeneration(running!.id);
    expect(probe.status).toBe('cancelled');
    expect(probe.clientClosedAt! - abortedAt).toBeLessThan(100);
    expect(probe.billed?.completionTokens).toBe(probe.plannedTokens);
  });

  it('keeps the request as received and the attribution headers, never the key', async () => {
    const response = await post(emulator, '/chat/completions', chatBody('attribution'), { 'http-referer': 'https://app.example', 'x-title': 'Example' });
    const probe = emulator.probe(response.headers.get('x-generation-id')!)!;
    expect(probe.headers).toMatchObject({ 'http-referer': 'https://app.example', 'x-title': 'Example' });
    expect((probe.request as { messages: unknown[] }).messages).toEqual([{ role: 'user', content: 'attribution' }]);
    expect(JSON.stringify(probe)).not.toContain(emulator.apiKey);
  });

  it('totals what it billed', async () => {
    emulator.reset();
    const costs = [];
    for (const content of ['one', 'two', 'three']) costs.push((await json(await post(emulator, '/chat/completions', chatBody(content)))).usage.cost);
    const total = emulator.billedTotal();
    expect(total.generations).toBe(3);
    expect(total.cost).toBeCloseTo(costs.reduce((sum, cost) => sum + cost, 0), 15);
  });
});

describe('GET /generation', () => {
  it('404s until the record delay has passed, then shows the cancelled generation', async () => {
    const { id } = await streamThenAbort('tps=50;tokens=200;generation-delay=300', 2);
    await emulator.waitForGeneration(id);
    expect((await getJson(`/generation?id=${id}`)).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 320));
    const { status, body } = await getJson(`/generation?id=${id}`);
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ id, cancelled: true, streamed: true, provider_name: 'OpenAI', api_type: 'completions' });
    expect(body.data.total_cost).toBe(emulator.probe(id)!.billed!.cost);
  });

  it('hides another key\'s generations', async () => {
    const response = await post(emulator, '/chat/completions', chatBody('mine'));
    const other = emulator.addKey();
    expect((await getJson(`/generation?id=${response.headers.get('x-generation-id')}`, other.key)).status).toBe(404);
  });
});

describe('control API', () => {
  it('serves probes, the billed total, keys, rules and defaults over HTTP', async () => {
    const control = (path: string, init?: RequestInit) => fetch(`${emulator.origin}/_emulator${path}`, init).then(async (response) => ({ status: response.status, body: await json(response) }));
    const created = await control('/keys', { method: 'POST', body: JSON.stringify({ limit: 0.5, label: 'ci' }) });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ label: 'ci', limit: 0.5 });
    const rule = await control('/rules', { method: 'POST', body: JSON.stringify({ match: { contains: 'rule me' }, scenario: 'status=502', times: 1 }) });
    expect(rule.status).toBe(201);
    expect((await post(emulator, '/chat/completions', chatBody('please rule me'), {}, created.body.data.key)).status).toBe(502);
    expect((await post(emulator, '/chat/completions', chatBody('please rule me'), {}, created.body.data.key)).status).toBe(200);
    const answered = await post(emulator, '/chat/completions', chatBody('probe over http'));
    const probe = await control(`/generations/${answered.headers.get('x-generation-id')}`);
    expect(probe.body.data).toMatchObject({ status: 'completed', kind: 'chat' });
    expect((await control('/billing')).body.data.generations).toBeGreaterThan(0);
    expect((await control('/defaults', { method: 'PUT', body: JSON.stringify({ scenario: 'usage=b' }) })).body.data).toEqual({ usageForm: 'b' });
    expect((await control('/defaults', { method: 'PUT', body: JSON.stringify({ scenario: 'nonsense=1' }) })).status).toBe(400);
    await control('/defaults', { method: 'PUT', body: JSON.stringify({ scenario: '' }) });
  });

  it('applies programmatic rules by model and expires them after `times`', async () => {
    const rule = emulator.addRule({ match: { model: 'openai/gpt-4o' }, scenario: { failStatus: 503, retryAfterSeconds: 2 }, times: 2 });
    const statuses = [];
    for (let attempt = 0; attempt < 3; attempt += 1) statuses.push((await post(emulator, '/chat/completions', chatBody('rule', { model: 'openai/gpt-4o' }))).status);
    expect(statuses).toEqual([503, 503, 200]);
    rule.remove();
  });
});
