import { GatewayError, redactedError, sendGatewayError } from '../errors.js';
import { DEFAULT_CACHE_TTL_SECONDS } from '../features/feature-policies.js';
import { endTaps, passTaps, type ForwardResult, type ForwardStage, type MeteredRequest, type OutgoingRequest, type RouteExchange } from '../gateway/metered-request.js';
import { SSE_HEADERS, type UpstreamChunk } from '../gateway/stream-proxy.js';
import { DEFAULT_GUARDRAIL_MESSAGE } from '../guardrails/guardrails.js';
import type { GatewayLogger } from '../logger.js';
import { sendJson, setHeaders, type PlainResponse } from '../plain-http.js';
import { isRecord } from '../records.js';
import { answerAs, chunksAsSent, contentCharactersOf, costOfAnswer, storedFormOf, summaryOfChunks, unbilledUsage, uncacheableReason, type AnswerForm, type CachedAnswer } from './cached-answer.js';
import type { CacheStore } from './cache-store.js';
import { cacheKeyOf, cacheScopeOf } from './canonical-key.js';

/** What the `X-Cache` header of an answer says. */
export type CacheStatus = 'hit' | 'miss' | 'bypass' | 'coalesced';

/** Whether and how one request uses the cache. */
type CacheUse = { use: false; header?: 'bypass' } | { use: true; read: boolean; write: boolean; ttlMs: number };

/**
 * How a request may use the cache: its feature's settings (off for chat unless enabled, on for embeddings), a
 * chat sampled with `temperature` other than 0 only when the feature allows non-deterministic answers (an absent
 * temperature is the model's default, which samples), and the client's `Cache-Control`: `no-cache` reads nothing
 * (a fresh answer, which is still stored), `no-store` stores nothing.
 */
export function cacheUseOf(request: OutgoingRequest, cacheControl: string | undefined): CacheUse {
  const settings = request.feature?.cache;
  // Images are not cached: each generation is meant to be new, and their answers are large.
  if (request.kind === 'images' || !request.feature || !(settings?.enabled ?? request.kind === 'embeddings')) return { use: false };
  if ((request.kind === 'chat' || request.kind === 'responses' || request.kind === 'messages') && request.body['temperature'] !== 0 && settings?.cacheNonDeterministic !== true) return { use: false, header: 'bypass' };
  const directives = new Set((cacheControl ?? '').toLowerCase().split(',').map((part) => part.trim()));
  const read = !directives.has('no-cache');
  const write = !directives.has('no-store');
  if (!read && !write) return { use: false, header: 'bypass' };
  return { use: true, read, write, ttlMs: (settings?.ttlSeconds ?? DEFAULT_CACHE_TTL_SECONDS) * 1000 };
}

/** An identical request on its way upstream, which later ones wait for instead of calling OpenRouter again. */
class Flight {
  readonly chunks: UpstreamChunk[] = [];
  body: Record<string, unknown> | undefined;
  state: 'running' | 'ok' | 'failed' = 'running';
  /** Why the leader's answer failed, which a follower that already has part of it ends with. */
  errorCode: string | undefined;
  #waiters = new Set<() => void>();

  constructor(readonly leader: MeteredRequest, readonly kind: CachedAnswer['kind']) {}

  notify(): void {
    for (const waiter of this.#waiters) waiter();
    this.#waiters.clear();
  }

  /** Resolves at the next change (a chunk, the end) or when `signal` aborts. */
  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', done);
      this.#waiters.add(done);
    });
  }

  answer(): CachedAnswer {
    return this.body ? { kind: this.kind, body: this.body } : { kind: this.kind, chunks: this.chunks };
  }
}

export interface ResponseCacheOptions {
  store: CacheStore;
  logger: GatewayLogger;
  /** Removes secrets from an error message before a client sees it. */
  redact?: (text: string) => string;
}

/**
 * The response cache as a stage before forwarding. A request whose feature caches is looked up by its canonical
 * key (see `cacheKeyOf`); a hit is written in the route's own protocol (chat's, the Responses API's or the Messages
 * API's; a stream from a JSON answer and back, every part of the message kept, else it is a miss), its usage 0 as
 * nothing was billed, and recorded with cost 0 and the cost it saved. A miss leads a flight: identical requests that
 * arrive meanwhile join it and receive its chunks as they come, and its caller leaving does not cancel them. A
 * complete answer is stored unless it failed, was cut off, asks for tool calls, or a guardrail changed the request or
 * the answer.
 * @example
 * const cache = new ResponseCache({ store: new MemoryCacheStore(), logger });
 * new RequestLifecycle({ ...ports, beforeForward: [cache.stage()] });
 */
export class ResponseCache {
  readonly #flights = new Map<string, Flight>();

  constructor(private readonly options: ResponseCacheOptions) {}

  /** Requests leading a flight now (for tests and metrics). */
  get flights(): number {
    return this.#flights.size;
  }

  /**
   * Forgets the project's cached answers: one feature's, or all of them. A request already running when the purge
   * happens may still store its answer.
   */
  purge(projectId: string, feature?: string): Promise<number> {
    return this.options.store.deletePrefix(cacheScopeOf(projectId, feature));
  }

  stage(): ForwardStage {
    return { name: 'cache', run: (meter, plan, res, route) => this.#run(meter, plan, res, route.exchange) };
  }

  async #run(meter: MeteredRequest, plan: unknown, res: PlainResponse, exchange: RouteExchange<unknown> | undefined): Promise<ForwardResult | undefined> {
    if (!exchange) return undefined;
    const outgoing = exchange.outgoing(plan);
    const use = cacheUseOf(outgoing, res.req?.headers['cache-control']);
    // An input a guardrail changed is not the client's request: its answer is neither looked up nor kept.
    if (!use.use || meter.recordFields.guardrails?.some((decision) => decision.verdict === 'redact')) {
      if (use.use || use.header) res.setHeader('x-cache', 'bypass');
      return undefined;
    }
    const key = cacheKeyOf(meter.identity.projectId, outgoing);
    const streamed = meter.streamed && exchange.streamFormat !== undefined;
    while (use.read) {
      const cached = await this.#read(key);
      // An answer this protocol cannot carry whole is a miss; the new answer takes its place.
      const form = cached && answerAs(cached, streamed);
      if (cached && form) {
        res.setHeader('x-cache', 'hit');
        return this.#write(cached, form, { meter, plan, exchange, res, written: 0 });
      }
      const flight = this.#flights.get(key);
      if (!flight || flight.leader.signal.aborted) break;
      res.setHeader('x-cache', 'coalesced');
      const followed = await this.#follow(flight, meter, plan, exchange, res);
      if (followed) return followed;
      // The flight failed before this request got any of it: it looks again, and may lead the next one.
      res.removeHeader('x-cache');
    }
    res.setHeader('x-cache', use.read ? 'miss' : 'bypass');
    this.#lead(key, meter, outgoing.kind, use);
    return undefined;
  }

  async #read(key: string): Promise<CachedAnswer | undefined> {
    try {
      const text = await this.options.store.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as CachedAnswer);
    } catch (error) {
      // A cache that cannot be read is a miss, never a failed request.
      this.options.logger.warn('the response cache could not be read', { error });
      return undefined;
    }
  }

  /**
   * Watches the request's answer as it is forwarded: shares it with the followers of its flight (only requests
   * that may read the cache lead one), then stores it.
   */
  #lead(key: string, meter: MeteredRequest, kind: CachedAnswer['kind'], use: Extract<CacheUse, { use: true }>): void {
    const flight = new Flight(meter, kind);
    if (use.read) this.#flights.set(key, flight);
    meter.answerTaps.push({
      chunk: (chunk) => {
        flight.chunks.push(...chunksAsSent(kind, chunk));
        flight.notify();
      },
      body: (body) => {
        flight.body = body;
      },
      finished: (result) => {
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
        flight.state = result.status === 'ok' ? 'ok' : 'failed';
        flight.errorCode = 'errorCode' in result ? result.errorCode : undefined;
        flight.notify();
        const answer = flight.answer();
        if (result.status !== 'ok' || !use.write || meter.recordFields.guardrails?.length || uncacheableReason(answer)) return;
        this.options.store.set(key, JSON.stringify(storedFormOf(answer)), use.ttlMs).catch((error: unknown) => this.options.logger.warn('the response cache could not store an answer', { error }));
      },
    });
  }

  /**
   * Writes the leader's answer to a follower as it arrives (chunks of a stream as they come). Undefined when the
   * leader failed before anything was written, so the follower can go upstream itself.
   */
  async #follow(flight: Flight, meter: MeteredRequest, plan: unknown, exchange: RouteExchange<unknown>, res: PlainResponse): Promise<ForwardResult | undefined> {
    const release = flight.leader.hold();
    const writing: Writing = { meter, plan, exchange, res, written: 0 };
    try {
      const format = meter.streamed ? exchange.streamFormat?.(plan) : undefined;
      for (;;) {
        if (meter.signal.aborted) return this.#ended(writing);
        if (format && !flight.body) {
          for (; writing.written < flight.chunks.length; writing.written += 1) {
            const chunk = unbilledChunk(flight.chunks[writing.written] as UpstreamChunk);
            // This request's own output guardrails judge what it is sent, as they would its own answer.
            const judged = await judgedChunks(meter, [chunk], false);
            if (judged instanceof GatewayError) return refuse(judged, writing);
            for (const own of judged) {
              const text = format.chunk(own, JSON.stringify(own));
              if (text !== undefined) commit(res).write(text);
            }
          }
        }
        if (flight.state === 'ok') {
          const form = answerAs(flight.answer(), format !== undefined);
          if (form) return await this.#write(flight.answer(), form, writing, true);
          // The leader's answer in the other protocol would lose a part: this request goes upstream itself.
          if (!res.headersSent) return undefined;
        }
        if (flight.state !== 'running') {
          if (!res.headersSent) return undefined;
          // A guardrail stopped the shared answer: the follower is told what the feature tells its users.
          const error = flight.errorCode === 'content_policy_violation'
            ? new GatewayError('content_policy_violation', exchange.outgoing(plan).feature?.guardrailMessage ?? DEFAULT_GUARDRAIL_MESSAGE, { metadata: { source: 'guardrail' } })
            : new GatewayError('upstream_error', 'The identical request this one was answered with failed; send it again.');
          res.end(format?.error(error));
          return { status: 'error', errorCode: error.code };
        }
        await flight.changed(meter.signal);
      }
    } finally {
      release();
    }
  }

  /**
   * Writes a complete answer (the rest of it, for a follower that has part already) in the route's protocol, `form`
   * being the answer in that protocol, once the request's answer taps (its output guardrails) have judged it as they
   * judge a fresh answer: a refusal is the guardrail's error, before anything of the answer is written. Its usage says
   * what this request was billed: nothing. `shared` when the answer is a flight's, which a tap must not change.
   */
  async #write(answer: CachedAnswer, form: AnswerForm, writing: Writing, shared = false): Promise<ForwardResult> {
    const { meter, plan, exchange, res } = writing;
    if (meter.signal.aborted) return this.#ended(writing);
    const format = meter.streamed ? exchange.streamFormat?.(plan) : undefined;
    if (form.stream && format) {
      const chunks = form.chunks.map(unbilledChunk);
      // A follower of a JSON request has nothing yet: it gets the whole stream rebuilt from the body.
      const from = answer.chunks ? writing.written : 0;
      const judged = await judgedChunks(meter, chunks.slice(from), true);
      if (judged instanceof GatewayError) return refuse(judged, writing);
      let text = '';
      for (const chunk of judged) text += format.chunk(chunk, JSON.stringify(chunk)) ?? '';
      commit(res).end(text + format.end(summaryOfChunks(chunks)));
    } else if (!form.stream) {
      // A tap may rewrite the answer (a redaction): it gets this request's own copy.
      const own = shared && meter.answerTaps.some((tap) => tap.body) ? structuredClone(form.body) : form.body;
      const body = own['usage'] === undefined ? own : { ...own, usage: unbilledUsage(own['usage']) };
      const refused = await refusalOf(async () => {
        for (const tap of meter.answerTaps) await tap.body?.(body);
      });
      if (refused instanceof GatewayError) return refuse(refused, writing);
      sendJson(res, 200, exchange.toJson ? exchange.toJson(plan, body) : body);
    }
    meter.recordFields.cacheHit = true;
    const saved = costOfAnswer(answer);
    if (saved !== undefined) meter.recordFields.costSavedUsd = saved;
    // Nothing was generated for this request: no tokens and no spend count against its limits.
    const first = answer.body ?? answer.chunks?.[0] ?? {};
    // A Responses event names the model in its response, a Messages stream in its first event's message.
    const head = isRecord(first['response']) ? first['response'] : isRecord(first['message']) ? first['message'] : first;
    return {
      status: 'ok',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0 },
      servedModel: typeof head['model'] === 'string' ? head['model'] : undefined,
      provider: typeof head['provider'] === 'string' ? head['provider'] : undefined,
      completionCharacters: contentCharactersOf(answer),
    };
  }

  /** A follower whose caller left, or whose deadline passed. */
  #ended({ meter, plan, exchange, res }: Writing): ForwardResult {
    const ended = meter.abortError();
    if (!ended) return { status: 'cancelled' };
    const safe = this.options.redact ? redactedError(ended, this.options.redact) : ended;
    const format = meter.streamed ? exchange.streamFormat?.(plan) : undefined;
    if (res.headersSent && format) res.end(format.error(safe));
    // Not yet answered: the same answer the leader gets (a shutdown's Retry-After included), in the route's shape.
    else sendGatewayError(res, safe, exchange.errorBody?.(safe));
    return { status: 'error', errorCode: ended.code };
  }
}

interface Writing {
  meter: MeteredRequest;
  plan: unknown;
  exchange: RouteExchange<unknown>;
  res: PlainResponse;
  /** Chunks of the flight already written. */
  written: number;
}

/**
 * Shows chunks of an answer written again to the request's taps, in order, and that it ended when `ends`: the chunks
 * to write, as the taps made them (an output guardrail holds back or redacts text as in a fresh stream), or the
 * error a tap refused them with.
 */
async function judgedChunks(meter: MeteredRequest, chunks: readonly UpstreamChunk[], ends: boolean): Promise<UpstreamChunk[] | GatewayError> {
  const taps = meter.answerTaps;
  if (taps.length === 0) return [...chunks];
  return refusalOf(async () => {
    const judged: UpstreamChunk[] = [];
    for (const chunk of chunks) judged.push((await passTaps(taps, chunk)) ?? chunk);
    if (ends) judged.push(...(await endTaps(taps)));
    return judged;
  });
}

/** What a tap-run answers, or the error a tap refused the answer with (an output guardrail's). */
async function refusalOf<T>(run: () => Promise<T>): Promise<T | GatewayError> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
}

/**
 * Ends a request whose answer a tap refused: thrown while nothing is written (the route answers with its status, a
 * 403), else as the stream's error event after the part already sent.
 */
function refuse(error: GatewayError, { meter, plan, exchange, res }: Writing): ForwardResult {
  const format = meter.streamed ? exchange.streamFormat?.(plan) : undefined;
  if (!res.headersSent || !format) throw error;
  res.end(format.error(error));
  return { status: 'error', errorCode: error.code };
}

/**
 * A chunk as a hit writes it: its usage (a Responses event's, in its response; `message_start`'s, in its message), if
 * it carries one, billed nothing.
 */
function unbilledChunk(chunk: UpstreamChunk): UpstreamChunk {
  for (const field of ['response', 'message']) {
    const inner = chunk[field];
    if (isRecord(inner) && inner['usage'] != null) return { ...chunk, [field]: { ...inner, usage: unbilledUsage(inner['usage']) } };
  }
  return chunk.usage === undefined ? chunk : { ...chunk, usage: unbilledUsage(chunk.usage) };
}

/** The response as a stream, its status and headers sent once. */
function commit(res: PlainResponse): PlainResponse {
  if (!res.headersSent) {
    res.statusCode = 200;
    setHeaders(res, SSE_HEADERS);
  }
  return res;
}
