import type { Identity } from '../auth/identity.js';
import { GatewayError, toGatewayError } from '../errors.js';
import { prepareChat, type ChatRun } from '../gateway/chat.js';
import { parseChatRequest, parseRequest } from '../gateway/chat-request.js';
import type { GatewayContext } from '../gateway/context.js';
import type { ForwardResult, MeteredRequest, MeteredRoute } from '../gateway/metered-request.js';
import { estimateChat, estimateEmbeddings } from '../gateway/quota-estimate.js';
import { resolveTarget } from '../gateway/resolve-target.js';
import { openAIStreamFormat } from '../gateway/stream-formats.js';
import { openChatStream, type OpenedStream } from '../gateway/open-chat-stream.js';
import type { UpstreamChunk } from '../gateway/stream-proxy.js';
import { postWithFallbacks } from '../gateway/upstream-json.js';
import { embeddingsRequestSchema } from '../gateway/embeddings-request.js';
import type { Feature } from '../features/feature.js';
import { toTransportError } from '../upstream/openrouter-client.js';
import type { SseItem } from '../upstream/sse-events.js';
import { classifyUpstreamError, statusOfErrorCode } from '../upstream/upstream-errors.js';
import { usageFigures } from '../upstream/usage-figures.js';
import { detachedResponse } from './detached-response.js';

/** What a job tells the runner of one item, and learns from it as it goes. */
export interface ItemHooks {
  /** The job the item belongs to (undefined for the articles a summarize request answers at once). */
  jobId: string | undefined;
  /** The job's cancel signal: aborting it aborts the upstream request. */
  signal: AbortSignal;
  /** Called right before each upstream attempt, with its request's id: from here OpenRouter may bill the item. */
  sent(requestId: string): Promise<void>;
  /** Called with the generation id as soon as it is known, before the answer is read; awaited. */
  generation(id: string): Promise<void>;
}

/** One item's answer, with the figures of its request. */
export interface ItemAnswer {
  /** The chat's text, or the embeddings body. */
  content: unknown;
  requestId: string;
  generationId: string | undefined;
  model: string | undefined;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | undefined;
}

/** An item that failed, with what retrying it means. */
export class ItemFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly requestId: string,
    /** It was admitted: its request reached the lifecycle's forward stage. */
    readonly admitted: boolean,
  ) {
    super(error.message);
  }
}

/**
 * Runs one batch item through the metered lifecycle without HTTP — plan (the feature's policy), estimate, admit
 * (limits), the gateway's stages before forwarding (guardrails, the cache), forward, settle and record with the job
 * id — and answers its content, or throws an `ItemFailure`. Chat items stream from OpenRouter internally, so the
 * generation id arrives with the headers and is persisted before the answer is read.
 */
export async function runItem(context: GatewayContext, identity: Identity, kind: 'chat' | 'embeddings', body: unknown, hooks: ItemHooks): Promise<ItemAnswer> {
  const meter = context.lifecycle.begin(identity, kind, { callerGone: hooks.signal });
  if (hooks.jobId !== undefined) meter.recordFields.jobId = hooks.jobId;
  try {
    const route = kind === 'chat' ? chatItemRoute(context, hooks) : embeddingsItemRoute(context, hooks);
    return await runMetered(context, meter, route as ItemRoute<unknown>, body);
  } catch (thrown) {
    const error = meter.signal.aborted ? meter.abortError() ?? new GatewayError('service_unavailable', 'The job was cancelled.') : toGatewayError(thrown);
    if (!meter.admission) meter.finish({ status: 'rejected', errorCode: error.code });
    else meter.finish(meter.signal.aborted && !meter.abortError() ? { status: 'cancelled' } : { status: 'error', errorCode: error.code });
    throw new ItemFailure(error, meter.requestId, meter.admission !== undefined);
  } finally {
    if (!meter.finished) meter.finish({ status: 'error', errorCode: 'internal_error' });
  }
}

/** A route of the lifecycle whose forward stage answers the item instead of writing an HTTP response. */
interface ItemRoute<Plan> extends Omit<MeteredRoute<Plan>, 'plan' | 'forward'> {
  plan(body: unknown, meter: MeteredRequest): Promise<Plan>;
  forward(plan: Plan, meter: MeteredRequest): Promise<{ result: ForwardResult; content: unknown }>;
  /** Reads an answer a stage wrote in place of the upstream (a cache hit). */
  replayed(text: string, plan: Plan): unknown;
}

async function runMetered<Plan>(context: GatewayContext, meter: MeteredRequest, route: ItemRoute<Plan>, body: unknown): Promise<ItemAnswer> {
  const { beforeForward = [] } = context.lifecycle.ports;
  meter.stage = 'plan';
  const plan = await route.plan(body, meter);
  meter.stage = 'estimate';
  meter.estimate = await route.estimate(plan, meter);
  meter.stage = 'admit';
  meter.admission = await context.quota.admit({ identity: meter.identity, feature: meter.feature, requestId: meter.requestId }, meter.estimate);
  for (const stage of beforeForward) {
    meter.stage = stage.name;
    const detached = detachedResponse();
    const answered = await stage.run(meter, plan, detached.res, route as unknown as MeteredRoute<unknown>);
    if (answered) {
      meter.finish(answered);
      if (answered.status !== 'ok') throw new GatewayError('upstream_error', 'The answer the gateway replayed for this item failed.');
      return answerOf(meter, answered, route.replayed(detached.text(), plan));
    }
  }
  meter.stage = 'forward';
  const { result, content } = await route.forward(plan, meter);
  meter.finish(result);
  return answerOf(meter, result, content);
}

function answerOf(meter: MeteredRequest, result: ForwardResult, content: unknown): ItemAnswer {
  const figures = usageFigures(result.usage);
  return {
    content,
    requestId: meter.requestId,
    generationId: result.generationId,
    model: result.servedModel,
    promptTokens: figures.promptTokens,
    completionTokens: figures.completionTokens,
    costUsd: meter.recordFields.cacheHit ? 0 : figures.costUsd,
  };
}

function chatItemRoute(context: GatewayContext, hooks: ItemHooks): ItemRoute<ChatRun> {
  return {
    endpoint: 'chat',
    async plan(body, meter) {
      const { stream: _stream, stream_options: _options, ...request } = parseChatRequest(body);
      meter.requestedModel = request.model;
      meter.streamed = true;
      const run = await prepareChat(context, meter.identity, request);
      meter.feature = run.target.isFeature ? run.target.feature.name : undefined;
      meter.promptCharacters = run.promptCharacters;
      return run;
    },
    estimate: (run) => estimateChat(context, run),
    forward: (run, meter) => streamChatItem(context, run, meter, hooks),
    replayed: (text) => textOfSse(text),
    exchange: {
      outgoing: (run) => ({ kind: 'chat', feature: run.target.isFeature ? run.target.feature : undefined, models: run.target.models, body: run.body, apiKey: run.apiKey }),
      streamFormat: () => openAIStreamFormat(false),
    },
  };
}

interface EmbeddingsPlan {
  models: string[];
  body: Record<string, unknown>;
  input: unknown;
  apiKey: string;
  feature: Feature | undefined;
}

function embeddingsItemRoute(context: GatewayContext, hooks: ItemHooks): ItemRoute<EmbeddingsPlan> {
  return {
    endpoint: 'embeddings',
    async plan(body, meter) {
      const request = parseRequest(embeddingsRequestSchema, body);
      meter.requestedModel = request.model;
      const target = await resolveTarget(context, meter.identity, request.model, 'embedding');
      meter.feature = target.isFeature ? target.feature.name : undefined;
      const { model: _model, user: _user, ...options } = request;
      const sent: Record<string, unknown> = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== null && value !== undefined));
      if (meter.identity.userId) sent['user'] = meter.identity.userId;
      Object.assign(sent, target.feature.params.extra);
      return { models: target.models, body: sent, input: request.input, apiKey: await context.upstreamKey(meter.identity.projectId), feature: target.isFeature ? target.feature : undefined };
    },
    estimate: (plan) => estimateEmbeddings(context, plan.models, plan.input, plan.feature?.guardrails),
    async forward(plan, meter) {
      // Stored before the request leaves: a worker that dies with it in flight leaves a trace the next one reads.
      await hooks.sent(meter.requestId);
      const { result } = await postWithFallbacks<{ id?: string; model?: string; provider?: string; usage?: unknown; data?: unknown; error?: { code?: unknown } }>(context, {
        path: '/embeddings',
        models: plan.models,
        body: plan.body,
        apiKey: plan.apiKey,
        signal: meter.signal,
        meter,
        observer: meter.observer.attempts,
      });
      const facts = { usage: result.usage, servedModel: result.model, provider: result.provider, generationId: result.id };
      await meter.screenAnswer(result as Record<string, unknown>, facts);
      return { result: { status: 'ok', ...facts }, content: result.data };
    },
    replayed: (text) => (JSON.parse(text) as { data?: unknown }).data,
    exchange: {
      outgoing: (plan) => ({ kind: 'embeddings', feature: plan.feature, models: plan.models, body: plan.body, apiKey: plan.apiKey }),
    },
  };
}

/**
 * Streams one chat from OpenRouter and collects its text. It opens as a client's stream does (`openChatStream`):
 * retries and fallbacks apply until the first chunk, and an attempt that may be billed and failed before it counts in
 * the item's record and its caps. Each attempt is marked sent before it leaves, and its generation id is handed to
 * `hooks.generation` (and awaited) before its body is read.
 */
async function streamChatItem(context: GatewayContext, run: ChatRun, meter: MeteredRequest, hooks: ItemHooks): Promise<{ result: ForwardResult; content: string }> {
  const { signal } = meter;
  let named: string | undefined;
  // Both stores learn the generation before its answer is read: the job's item, and the note of the request in flight.
  const persist = (generationId: string) => Promise.all([hooks.generation(generationId), meter.named(generationId, 'now')]);
  let opened: OpenedStream;
  try {
    opened = await openChatStream(context, run, meter, {
      sending: () => hooks.sent(meter.requestId),
      async answered(generationId) {
        named = generationId;
        if (generationId) await persist(generationId);
      },
    });
  } catch (error) {
    // Cancelled (or shut down) after OpenRouter named the generation: the record carries it, to be reconciled.
    if (signal.aborted) finishAborted(meter, { generationId: named });
    throw error;
  }
  const { generationId } = opened;
  let text = '';
  let usage: unknown;
  let servedModel: string | undefined;
  let provider: string | undefined;
  let timeToFirstTokenMs: number | undefined;
  const take = async (chunk: UpstreamChunk) => {
    for (const tap of meter.answerTaps) await tap.chunk?.(chunk);
    servedModel ??= chunk.model;
    provider ??= chunk.provider;
    if (chunk.usage) usage = chunk.usage;
    const piece = chunk.choices?.[0]?.delta?.['content'];
    if (typeof piece === 'string' && piece !== '') {
      timeToFirstTokenMs ??= performance.now() - run.startedAt;
      text += piece;
    }
  };
  // `[DONE]` before any chunk: an answer with nothing in it, complete.
  let done = opened.first === undefined;
  try {
    // No generation id in the headers: the first chunk's is stored before the chunk is used.
    if (generationId && generationId !== named) await persist(generationId);
    if (opened.first) {
      await take(opened.first.chunk);
      for await (const item of itemsAfterFirst(opened)) {
        if (item.kind === 'comment') continue;
        if (item.data === '[DONE]') {
          done = true;
          break;
        }
        const chunk = JSON.parse(item.data) as UpstreamChunk;
        if (chunk.error) throw classifyUpstreamError(statusOfErrorCode(chunk.error.code), chunk.error).error;
        await take(chunk);
      }
    }
    if (!done) throw new GatewayError('upstream_stream_truncated', 'The model provider ended the answer without finishing it.');
    for (const tap of meter.answerTaps) await tap.streamEnd?.();
  } catch (error) {
    if (signal.aborted) {
      finishAborted(meter, { usage, servedModel, provider, generationId, timeToFirstTokenMs, completionCharacters: text.length });
      throw error;
    }
    const failure = error instanceof GatewayError ? error : toTransportError(error).kind === 'timeout'
      ? new GatewayError('upstream_timeout', 'The model stopped sending the answer mid-way.')
      : new GatewayError('upstream_stream_truncated', 'The connection to the model provider dropped mid-answer.');
    meter.finish({ status: 'error', errorCode: failure.code, usage, servedModel, provider, generationId, timeToFirstTokenMs, completionCharacters: text.length });
    throw failure;
  } finally {
    await opened.batches.return(undefined);
  }
  return { result: { status: 'ok', usage, servedModel, provider, generationId, timeToFirstTokenMs, completionCharacters: text.length }, content: text };
}

/**
 * Finishes an item whose request was aborted mid-way, with what it knew (its generation, above all): `cancelled` when
 * its job was, an error when the gateway ended it (its deadline, a shutdown).
 */
function finishAborted(meter: MeteredRequest, known: Omit<ForwardResult, 'status'>): void {
  const ended = meter.abortError();
  meter.finish(ended ? { ...known, status: 'error', errorCode: ended.code } : { ...known, status: 'cancelled' });
}

/** The items of an opened stream after its first chunk: those of the first chunk's read, then the rest of the body. */
async function* itemsAfterFirst(opened: OpenedStream): AsyncGenerator<SseItem> {
  yield* opened.rest;
  for await (const batch of opened.batches) yield* batch;
}

/** The text of an OpenAI chunk stream (a replayed answer). */
function textOfSse(text: string): string {
  let answer = '';
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6)) as UpstreamChunk;
    if (chunk.error) throw new GatewayError('upstream_error', 'The answer the gateway replayed for this item failed.');
    const piece = chunk.choices?.[0]?.delta?.['content'];
    if (typeof piece === 'string') answer += piece;
  }
  return answer;
}
