import type { ServerResponse } from 'node:http';
import { toGatewayError } from '../errors.js';
import type { AnswerFacts, ForwardResult, MeteredRequest, MeteredRoute, RequestLifecycle } from '../gateway/metered-request.js';
import type { Target } from '../gateway/resolve-target.js';
import { sendJson, sendJsonText, setHeaders, whenClosed, type PlainHandler, type PlainRequest } from '../plain-http.js';
import { identityOf } from './identity-middleware.js';
import { requestIdOf } from './request-id-header.js';

/**
 * The Express handler of a metered route. Its stages run in order — plan (parse, identify, feature policy), estimate
 * (the worst case), admit (limits and spend reservations), the gateway's extra stages before forwarding (each may
 * answer in place of the upstream), forward (OpenRouter with retries and fallbacks) — and the record and the
 * settlement are written exactly once whatever the outcome (ok, error, cancelled, rejected, timed out, shut down).
 * @example
 * router.post('/v1/embeddings', meteredHandler(lifecycle, embeddingsRoute(context)));
 */
export function meteredHandler<Plan, Req extends PlainRequest = PlainRequest>(lifecycle: RequestLifecycle, route: MeteredRoute<Plan, Req>): PlainHandler<Req> {
  const { quota, beforeForward = [] } = lifecycle.ports;
  return async (req, res) => {
    const answeredAs = requestIdOf(res);
    const meter = lifecycle.begin(identityOf(res), route.endpoint, { requestId: answeredAs });
    // The client hung up before its answer ended (not when it ends normally), perhaps before this handler began.
    whenClosed(res, () => {
      if (!res.writableEnded) meter.callerLeft();
    });
    // The id of the usage record and the error log: what a client quotes when it asks why a request failed.
    if (answeredAs === undefined) res.setHeader('x-request-id', meter.requestId);
    try {
      meter.stage = 'plan';
      const plan = await route.plan(req, meter);
      // The plan holds what is sent; the request's parse of it (a long conversation, its files) may go.
      if (req.bodyIsGateways) req.body = undefined;
      meter.stage = 'estimate';
      meter.estimate = await route.estimate(plan, meter);
      meter.stage = 'admit';
      meter.admission = await quota.admit({ identity: meter.identity, feature: meter.feature, requestId: meter.requestId }, meter.estimate);
      setHeaders(res, meter.admission.headers);
      for (const stage of beforeForward) {
        meter.stage = stage.name;
        const answered = await stage.run(meter, plan, res, route as MeteredRoute<unknown, PlainRequest>);
        if (answered) return meter.finish(answered);
      }
      meter.stage = 'forward';
      meter.finish(await route.forward(plan, meter, res));
    } catch (thrown) {
      const endedByGateway = meter.signal.aborted ? meter.abortError() : undefined;
      const clientGone = meter.signal.aborted && endedByGateway === undefined;
      const error = endedByGateway ?? toGatewayError(thrown);
      if (!meter.admission) meter.finish({ status: 'rejected', errorCode: error.code });
      else meter.finish(clientGone ? { status: 'cancelled' } : { status: 'error', errorCode: error.code });
      // The client hung up: there is nobody to answer.
      if (clientGone) return;
      throw endedByGateway ?? thrown;
    } finally {
      // A route that returned without finishing (it should not) still leaves its record.
      if (!meter.finished) meter.finish({ status: 'error', errorCode: 'internal_error' });
    }
  };
}

/**
 * The plan of a chat in any of its shapes (chat completions, Responses, Messages): the record names the model asked
 * for before the body is read (so a request refused while parsing is recorded under it), then the body is parsed and
 * the feature's policy applied, and the record learns whether it streams, its feature and the size of its prompt.
 * @example
 * plan: (req, meter) => planChat(meter, req.body, parseMessagesRequest, (request) => prepareMessages(context, meter.identity, request)),
 */
export async function planChat<Request extends { model: string; stream?: boolean | null | undefined }, Run extends { target: Target; promptCharacters: number }>(
  meter: MeteredRequest,
  body: unknown,
  parse: (body: unknown) => Request,
  prepare: (request: Request) => Promise<Run>,
): Promise<Run> {
  meter.requestedModel = modelFieldOf(body, '');
  const request = parse(body);
  meter.requestedModel = request.model;
  meter.streamed = request.stream === true;
  const run = await prepare(request);
  meter.feature = run.target.isFeature ? run.target.feature.name : undefined;
  meter.promptCharacters = run.promptCharacters;
  return run;
}

/** The `model` field of a body not parsed yet, for the record of a request refused while parsing. */
export function modelFieldOf(body: unknown, fallback: string): string {
  const model = (body as { model?: unknown } | null | undefined)?.model;
  return typeof model === 'string' ? model.slice(0, 256) : fallback;
}

/** Aborts when the client hangs up before the response ended (not when it ends normally). */
export function clientGoneSignal(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  whenClosed(res, () => {
    if (!res.writableEnded) gone.abort();
  });
  return gone.signal;
}

/**
 * Answers a JSON request with OpenRouter's answer once the request's output guardrails judged it (`screenAnswer`,
 * which first keeps what the answer says of its generation): its bytes as they came, unless a guardrail changed it (a
 * redaction), which is serialized again; `toJson` writes it in the client's own shape instead.
 * @example
 * return sendScreenedAnswer(meter, res, { result: message, raw }, { usage: message.usage, servedModel: message.model, provider: message.provider, generationId: message.id });
 */
export async function sendScreenedAnswer<Answer extends Record<string, unknown>>(
  meter: MeteredRequest,
  res: ServerResponse,
  { result, raw }: { result: Answer; raw: Buffer },
  facts: AnswerFacts,
  toJson?: (answer: Answer) => unknown,
): Promise<ForwardResult> {
  await meter.screenAnswer(result, facts);
  if (toJson) sendJson(res, 200, toJson(result));
  else if (meter.recordFields.guardrails?.some((decision) => decision.stage === 'output')) sendJson(res, 200, result);
  else sendJsonText(res, 200, raw);
  return { status: 'ok', ...facts };
}
