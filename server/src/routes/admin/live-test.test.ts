import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../../../test/harness.js';
import type { LiveTestResult } from './live-test.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

type ErrorBody = { error: { message: string; code: string; param: string | null } };
async function liveTest(path: string, body: unknown) {
  const response = await fetch(`${harness.url}/api/ai/configurations${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as LiveTestResult & ErrorBody };
}

const upstreamRequests = () => harness.emulator.generations({ kind: 'chat' });

describe('the live test', () => {
  it('runs a saved feature on a prompt: answer, model, tokens, cost and latency, recorded as the feature\'s usage', async () => {
    const result = await liveTest('/chat/test', { prompt: 'Say hello to the settings dialog' });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      feature: 'chat',
      model: 'openai/gpt-4o-mini',
      provider: 'OpenAI',
      usage: { promptTokens: expect.any(Number), completionTokens: expect.any(Number), totalTokens: expect.any(Number) },
      costUsd: expect.any(Number),
      latencyMs: expect.any(Number),
      finishReason: 'stop',
    });
    expect(result.body.answer).toContain('Say hello to the settings dialog');
    expect(result.body.usage.totalTokens).toBe(result.body.usage.promptTokens + result.body.usage.completionTokens);
    const probe = upstreamRequests().at(-1)!;
    expect(probe.request).toMatchObject({
      model: 'openai/gpt-4o-mini',
      temperature: 0.5,
      max_tokens: 512,
      stream: false,
      messages: [{ role: 'system', content: 'You are the chat assistant of Acme.' }, { role: 'user', content: 'Say hello to the settings dialog' }],
    });
    expect(result.body.costUsd).toBe(probe.billed!.cost);
    expect(harness.usage.records.at(-1)).toMatchObject({ endpoint: 'chat', feature: 'chat', status: 'ok', servedModel: 'openai/gpt-4o-mini', costUsd: result.body.costUsd });
  });

  it('runs a draft that is not saved, and saves nothing', async () => {
    const draft = { modelId: 'anthropic/claude-sonnet-4', systemPrompt: 'You are a draft.', params: { temperature: 0.1 } };
    const result = await liveTest('/test', { prompt: 'Draft prompt', draft });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ feature: 'draft', model: 'anthropic/claude-sonnet-4', costUsd: expect.any(Number) });
    expect(result.body.answer).toContain('Draft prompt');
    expect(upstreamRequests().at(-1)!.request).toMatchObject({ temperature: 0.1, messages: [{ role: 'system', content: 'You are a draft.' }, { role: 'user', content: 'Draft prompt' }] });
    const list = await fetch(`${harness.url}/api/ai/configurations`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(((await list.json()) as { data: Array<{ name: string }> }).data.map((record) => record.name)).not.toContain('draft');
  });

  it('runs unsaved edits over a saved feature', async () => {
    const result = await liveTest('/code/test', { prompt: 'Edited', draft: { systemPrompt: 'You write Go.' } });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ feature: 'code', model: 'anthropic/claude-sonnet-4' });
    expect(upstreamRequests().at(-1)!.request).toMatchObject({ messages: [{ role: 'system', content: 'You write Go.' }, { role: 'user', content: 'Edited' }] });
  });

  it('falls back like a real request when the feature\'s model fails', async () => {
    harness.emulator.addRule({ match: { model: 'openai/gpt-4o-mini' }, scenario: 'status=503' });
    const result = await liveTest('/chat/test', { prompt: 'fallback please' });
    expect(result.status).toBe(200);
    expect(result.body.model).toBe('anthropic/claude-sonnet-4');
  });

  it('400 naming the field for a bad draft or a missing prompt; 400 for a feature that is not text', async () => {
    expect((await liveTest('/test', { prompt: 'x', draft: { params: { temperature: 9 } } })).body.error.param).toBe('draft.model');
    expect((await liveTest('/test', { prompt: 'x', draft: { model: 'a/b', params: { temperature: 9 } } })).body.error.param).toBe('draft.params.temperature');
    expect((await liveTest('/test', { prompt: 'x' })).body.error.param).toBe('draft');
    expect((await liveTest('/chat/test', {})).body.error.param).toBe('prompt');
    const embed = await liveTest('/embed/test', { prompt: 'x' });
    expect(embed.status).toBe(400);
    expect(embed.body.error.message).toContain('embedding feature');
    expect((await liveTest('/nope/test', { prompt: 'x' })).status).toBe(404);
  });

  it('answers with the upstream failure when every model fails', async () => {
    harness.emulator.addRule({ match: { contains: 'broken' }, scenario: 'status=500' });
    const result = await liveTest('/code/test', { prompt: 'broken' });
    expect(result.status).toBe(502);
    expect(result.body.error.code).toBe('upstream_error');
    expect(harness.usage.records.at(-1)).toMatchObject({ feature: 'code', status: 'error', errorCode: 'upstream_error' });
  });
});
