import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { AttemptOutcome } from '../gateway/with-fallbacks.js';
import type { UsageRecord } from '../usage/usage-record.js';

/** OpenTelemetry's GenAI operation names for the gateway's endpoints. */
const OPERATION: Record<UsageRecord['endpoint'], string> = { chat: 'chat', embeddings: 'embeddings', images: 'generate_content' };

/** The request span's name before its model is known, and after (`chat openai/gpt-4o`, as the conventions name it). */
const spanName = (endpoint: UsageRecord['endpoint'], model?: string) => (model ? `${OPERATION[endpoint]} ${model}` : OPERATION[endpoint]);

/**
 * Spans of one request, through `@opentelemetry/api` only: the host's SDK and exporter receive them, and without
 * one every call is a no-op. The request span carries the GenAI attributes (operation, provider, request and
 * response model, token usage, error type) and the gateway's own (`insforge.*`: request id, feature, outcome,
 * attempts, cost); each upstream attempt is a child span. No prompt, answer, user id or key is ever an attribute.
 */
export class RequestTrace {
  readonly #span: Span;

  constructor(
    private readonly tracer: Tracer,
    private readonly endpoint: UsageRecord['endpoint'],
    requestId: string,
  ) {
    // Parented to whatever span is active as the request arrives (the host's HTTP server span, when it has one).
    this.#span = tracer.startSpan(spanName(endpoint), {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.operation.name': OPERATION[endpoint], 'gen_ai.provider.name': 'openrouter', 'insforge.request_id': requestId },
    });
  }

  /** Starts the child span of one upstream attempt; the function it returns ends it with the attempt's outcome. */
  attempt(model: string): (outcome: AttemptOutcome) => void {
    const parent = trace.setSpan(context.active(), this.#span);
    const span = this.tracer.startSpan(
      spanName(this.endpoint, model),
      { kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': OPERATION[this.endpoint], 'gen_ai.provider.name': 'openrouter', 'gen_ai.request.model': model } },
      parent,
    );
    return (outcome) => {
      if (!outcome.ok) {
        const type = outcome.aborted ? 'cancelled' : (outcome.failure?.error.code ?? 'internal_error');
        span.setAttribute('error.type', type);
        span.setStatus({ code: SpanStatusCode.ERROR, message: type });
      }
      span.end();
    };
  }

  /** Notes on the request span that a model was not called because its circuit is open. */
  skipped(model: string): void {
    this.#span.addEvent('circuit_open', { 'gen_ai.request.model': model });
  }

  /** Ends the request span with what its record says, and the lifecycle stage it ended in (`plan`, `admit`, `forward`…). */
  end(record: UsageRecord, stage: string): void {
    const span = this.#span;
    // Without a tracer provider (or when the sampler dropped it) the span records nothing: spare the attributes.
    if (!span.isRecording()) {
      span.end();
      return;
    }
    const model = record.servedModel ?? record.requestedModel;
    span.updateName(spanName(this.endpoint, record.requestedModel || model));
    const attributes: Record<string, string | number | boolean | undefined> = {
      'gen_ai.request.model': record.requestedModel,
      'gen_ai.response.model': record.servedModel,
      'gen_ai.response.id': record.generationId,
      'gen_ai.usage.input_tokens': record.promptTokens,
      'gen_ai.usage.output_tokens': record.completionTokens,
      'insforge.feature': record.feature,
      'insforge.endpoint': record.endpoint,
      'insforge.outcome': record.status,
      'insforge.attempts': record.attempts,
      'insforge.streamed': record.streamed,
      'insforge.upstream_provider': record.provider,
      'insforge.cost_usd': record.costUsd,
      'insforge.cache_hit': record.cacheHit,
      'insforge.time_to_first_token_ms': record.timeToFirstTokenMs,
      'insforge.stage': stage,
    };
    for (const [name, value] of Object.entries(attributes)) if (value !== undefined) span.setAttribute(name, value);
    if (record.status === 'error' || record.status === 'rejected') {
      const type = record.errorCode ?? 'internal_error';
      span.setAttribute('error.type', type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    }
    span.end();
  }
}

/** The tracer the gateway's spans come from (the host's provider, or the API's no-op one). */
export function gatewayTracer(): Tracer {
  return trace.getTracer('@insforge/ai-server');
}
