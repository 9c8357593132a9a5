import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';

const exporter = new InMemorySpanExporter();
let harness: Harness;
beforeAll(async () => {
  // What a host does with its own SDK; the gateway itself only uses the API.
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  harness = await startHarness({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } });
});
beforeEach(() => {
  exporter.reset();
  harness.emulator.clearRules();
});
afterAll(async () => {
  await harness.close();
  trace.disable();
});

const chat = async (content: string, stream = false) => {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream, messages: [{ role: 'user', content }] }),
  });
  await response.text();
  return response.status;
};

function spansOfLastRequest(): { request: ReadableSpan; attempts: ReadableSpan[] } {
  const spans = exporter.getFinishedSpans();
  const requests = spans.filter((span) => span.attributes['insforge.request_id'] !== undefined);
  expect(requests).toHaveLength(1);
  const request = requests[0]!;
  const attempts = spans.filter((span) => span.parentSpanContext?.spanId === request.spanContext().spanId);
  for (const attempt of attempts) expect(attempt.spanContext().traceId).toBe(request.spanContext().traceId);
  return { request, attempts };
}

describe('traces', () => {
  it('one span per request with the GenAI attributes and one child per upstream attempt, with no prompt in any', async () => {
    expect(await chat('a secret prompt for the trace test')).toBe(200);
    const { request, attempts } = spansOfLastRequest();
    const record = harness.usage.records.at(-1)!;
    expect(request.name).toBe('chat chat');
    expect(request.kind).toBe(SpanKind.CLIENT);
    expect(request.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openrouter',
      'gen_ai.request.model': 'chat',
      'gen_ai.response.model': record.servedModel,
      'gen_ai.usage.input_tokens': record.promptTokens,
      'gen_ai.usage.output_tokens': record.completionTokens,
      'insforge.request_id': record.requestId,
      'insforge.feature': 'chat',
      'insforge.outcome': 'ok',
      'insforge.attempts': 1,
    });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ name: 'chat openai/gpt-4o-mini', attributes: { 'gen_ai.request.model': 'openai/gpt-4o-mini' } });
    const everything = JSON.stringify(exporter.getFinishedSpans().map((span) => [span.name, span.attributes, span.events]));
    expect(everything).not.toContain('secret prompt');
    expect(everything).not.toContain('user-1');
  });

  it('a retried request has two attempt spans, the failed one marked with its error type', async () => {
    harness.emulator.addRule({ match: { contains: 'retry me' }, scenario: 'status=503', times: 1 });
    expect(await chat('retry me', true)).toBe(200);
    const { request, attempts } = spansOfLastRequest();
    expect(request.attributes['insforge.attempts']).toBe(2);
    expect(attempts).toHaveLength(2);
    const [failed, answered] = [...attempts].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    expect(failed!.attributes['error.type']).toBe('upstream_error');
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
    expect(answered!.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('a request refused before forwarding has no attempt span, and its span says the stage that refused it', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-such-feature', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.status).toBe(400);
    const { request, attempts } = spansOfLastRequest();
    expect(request.name).toBe('chat no-such-feature');
    expect(request.attributes).toMatchObject({ 'error.type': 'model_not_found', 'insforge.outcome': 'rejected', 'insforge.stage': 'plan' });
    expect(attempts).toHaveLength(0);
  });

  it('a failed request ends its span with the error type', async () => {
    harness.emulator.addRule({ match: { contains: 'bad input' }, scenario: 'status=400' });
    expect(await chat('bad input')).toBe(400);
    const { request, attempts } = spansOfLastRequest();
    expect(request.attributes).toMatchObject({ 'error.type': 'invalid_request', 'insforge.outcome': 'error', 'insforge.stage': 'forward' });
    expect(request.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts).toHaveLength(1);
  });
});
