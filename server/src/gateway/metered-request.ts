import type { Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import type { Feature } from '../features/feature.js';
import { withoutKeyShapes, type GatewayLogger } from '../logger.js';
import type { Admission, QuotaEstimate, QuotaGuard } from '../limits/quota-guard.js';
import type { PlainRequest, PlainResponse } from '../plain-http.js';
import { usageFigures } from '../upstream/usage-figures.js';
import { newRequestId } from '../usage/request-id.js';
import type { InFlightLog, OpenRequest, UsageRecord, UsageSink } from '../usage/usage-record.js';
import type { StreamFormat, UpstreamChunk } from './stream-proxy.js';
import type { AttemptObserver } from './with-fallbacks.js';

/** What the forward stage reports about the upstream call, for the record and the settlement. */
export interface ForwardResult {
  status: 'ok' | 'error' | 'cancelled';
  /** OpenRouter's `usage` object, when the answer carried one. */
  usage?: unknown;
  servedModel?: string | undefined;
  provider?: string | undefined;
  /** The generation that holds the real cost, when it is known (streams learn it from the headers). */
  generationId?: string | undefined;
  timeToFirstTokenMs?: number | undefined;
  errorCode?: string | undefined;
  /** Characters of answer forwarded, for an estimate when no usage arrived. */
  completionCharacters?: number | undefined;
  imageCount?: number | undefined;
}

/** What a complete answer says of the generation that made it (`MeteredRequest.screenAnswer`). */
export type AnswerFacts = Pick<ForwardResult, 'usage' | 'servedModel' | 'provider' | 'generationId'>;

/**
 * A route in the metered lifecycle: it parses and plans (everything before the estimate), estimates the worst case,
 * and forwards (calls OpenRouter and writes the answer in its protocol). Admission, settlement and the usage record
 * are the lifecycle's, so no route can forget one.
 */
export interface MeteredRoute<Plan, Req extends PlainRequest = PlainRequest> {
  endpoint: UsageRecord['endpoint'];
  /** Parses the body and resolves the feature and its policy; sets `requestedModel`, `feature` and `streamed` on the meter. */
  plan(req: Req, meter: MeteredRequest): Promise<Plan>;
  /** The most the request may consume; spend and token caps reserve it before forwarding. */
  estimate(plan: Plan, meter: MeteredRequest): Promise<QuotaEstimate>;
  /**
   * Calls OpenRouter (counting each attempt with `meter.attempt()`) and writes the answer. Throws only while nothing
   * was written; after that, it ends the response itself and reports the failure in its result.
   */
  forward(plan: Plan, meter: MeteredRequest, res: PlainResponse): Promise<ForwardResult>;
  /** What the stages around the upstream call (a response cache, guardrails) may read and answer with. */
  exchange?: RouteExchange<Plan>;
}

/** What a request sends upstream, for the stages before forwarding: a stage may read it or change it in place. */
export interface OutgoingRequest {
  /**
   * `responses` is a chat sent in the Responses API's shape (`input` items, `instructions`, flat tools); `messages` in
   * Anthropic's Messages API's (`system`, content blocks, `input_schema` tools).
   */
  kind: 'chat' | 'responses' | 'messages' | 'embeddings' | 'images';
  /** The resolved feature (its settings), or undefined for a raw model id. */
  feature: Feature | undefined;
  /** The models tried in order. */
  models: readonly string[];
  /** The body sent to each model (without `model` and `stream`); redaction edits it in place. */
  body: Record<string, unknown>;
  /** The caller's OpenRouter key, for a stage's own upstream calls (a moderation model). */
  apiKey: string;
}

/**
 * A route's hooks for the stages before forwarding: what it will send, and how to write an answer in its own
 * protocol when a stage answers in place of the upstream (a cached or coalesced answer).
 */
export interface RouteExchange<Plan> {
  outgoing(plan: Plan): OutgoingRequest;
  /** Writes a stream in the route's protocol (chat). */
  streamFormat?(plan: Plan): StreamFormat;
  /** The JSON answer for an OpenRouter body (a completion or embeddings); undefined sends the body as it is. */
  toJson?(plan: Plan, body: Record<string, unknown>): unknown;
  /** The error body of a failure before anything was sent, in the route's protocol; undefined: the OpenAI error body. */
  errorBody?(error: GatewayError): unknown;
}

/**
 * Sees the answer as the forward stage writes it (output guardrails, a response cache). Chunk and body hooks run
 * before the text is written: throwing a `GatewayError` refuses it (a stream then ends with that error event).
 */
export interface AnswerTap {
  /**
   * Each chunk of a stream, in order, before it is written; returns the chunk to write in its place when it changed
   * its text (held part of it back, or sent held text with it), as a copy: the chunk it is given may be shared.
   */
  chunk?(chunk: UpstreamChunk): UpstreamChunk | undefined | Promise<UpstreamChunk | undefined>;
  /**
   * True when the tap reads nothing in a plain piece of text (text only: no usage, finish, tool calls or reasoning;
   * never the first chunk): such chunks may then pass unparsed and it sees only the others. A tap that reads the
   * text (a guardrail, the cache) leaves it unset.
   */
  skipsPlainText?: boolean;
  /** Before the closing events of a complete stream are written; returns chunks to write before them (text it held). */
  streamEnd?(): UpstreamChunk[] | undefined | Promise<UpstreamChunk[] | undefined>;
  /** A complete JSON answer, before it is written. */
  body?(body: Record<string, unknown>): void | Promise<void>;
  /** The request's outcome, once (the answer written or failed). */
  finished?(result: ForwardResult | { status: 'rejected'; errorCode: string }): void;
}

/**
 * Shows a chunk to the taps from `from` on, in order, each given what the one before it made of it; the chunk to
 * write in its place when one of them changed it (see `AnswerTap.chunk`), else undefined.
 * @example
 * const rewritten = await passTaps(meter.answerTaps, chunk);
 * write(format.chunk(rewritten ?? chunk, rewritten ? JSON.stringify(rewritten) : raw));
 */
export async function passTaps(taps: readonly AnswerTap[], chunk: UpstreamChunk, from = 0): Promise<UpstreamChunk | undefined> {
  let rewritten: UpstreamChunk | undefined;
  for (let index = from; index < taps.length; index += 1) rewritten = (await taps[index]?.chunk?.(rewritten ?? chunk)) ?? rewritten;
  return rewritten;
}

/**
 * Tells the taps a stream is complete: the chunks to write before its closing events (what a tap held back until
 * the end), each shown to the taps after the one that answered it.
 * @example
 * for (const chunk of await endTaps(meter.answerTaps)) write(format.chunk(chunk, JSON.stringify(chunk)));
 */
export async function endTaps(taps: readonly AnswerTap[]): Promise<UpstreamChunk[]> {
  const last: UpstreamChunk[] = [];
  for (const [index, tap] of taps.entries()) {
    for (const chunk of (await tap.streamEnd?.()) ?? []) last.push((await passTaps(taps, chunk, index + 1)) ?? chunk);
  }
  return last;
}

/**
 * A stage the gateway runs after admission and before forwarding (a response cache, an input guardrail). It may
 * answer in place of the upstream (then it wrote the response) or throw a `GatewayError` to refuse the request.
 */
export interface ForwardStage {
  name: string;
  run(meter: MeteredRequest, plan: unknown, res: PlainResponse, route: MeteredRoute<unknown>): Promise<ForwardResult | undefined>;
}

/**
 * Watches one request from its start to its record (metrics, traces, an error log), and gates and watches its
 * upstream attempts (circuit breakers). Made by the `observe` port when the request begins.
 */
export interface RequestObserver {
  /** Passed to `withFallbacks` by the forward stage. */
  attempts?: AttemptObserver;
  /** Called once with the request's record, after the usage sink took it. */
  ended?(record: UsageRecord): void;
}

/** What the lifecycle needs from the gateway: ports, wired by `createAiGateway`. */
export interface LifecyclePorts {
  quota: QuotaGuard;
  usage: UsageSink;
  /** Where requests are noted as they are sent, so a crash cannot lose them (the ledger's); without it, nowhere. */
  inFlight?: InFlightLog | undefined;
  logger: GatewayLogger;
  /** The longest a request may take from arrival to its last byte. */
  deadlineMs: number;
  /** Extra stages between admission and forwarding, in order. */
  beforeForward?: ForwardStage[];
  /** Called with every record once written, for metrics, traces and the host's own hooks. */
  onRecord?: (record: UsageRecord, meter: MeteredRequest) => void;
  /** Makes the observer of each request as it begins (operations: metrics, traces, circuit breakers). */
  observe?: (meter: MeteredRequest) => RequestObserver;
}

/** What a request is metered with beyond its caller and endpoint. */
export interface MeterOptions {
  /** Aborts when the caller is gone (a batch job was cancelled); an HTTP route calls `callerLeft()` instead. */
  callerGone?: AbortSignal | undefined;
  /** The id its answer already carries (`x-request-id`); a new one otherwise. */
  requestId?: string | undefined;
}

/** Why a request was ended by the gateway rather than by its client. */
type EndReason = 'deadline' | 'shutdown';

/**
 * One request on its way through the lifecycle. It carries what the record needs, the signal every upstream call
 * listens to (client gone, deadline, shutdown), and `finish`, which settles the quota and writes the record exactly
 * once whatever happened.
 */
export class MeteredRequest {
  /** The id of the request's usage record, and of its answer (its `x-request-id` header). */
  readonly requestId: string;
  readonly startedAt = performance.now();
  readonly signal: AbortSignal;
  /** The stage the request is in: `plan`, `estimate`, `admit`, an extra stage's name, or `forward`. */
  stage = 'plan';
  requestedModel = '';
  feature: string | undefined;
  streamed = false;
  /** The size of the prompt as sent (every part billed as prompt), for estimates. */
  promptCharacters: number | undefined;
  imageResolution: string | undefined;
  estimate: QuotaEstimate | undefined;
  admission: Admission | undefined;
  attempts = 0;
  /**
   * Generations of attempts that failed after reaching OpenRouter (`failedAfterSending`), in order; `null` where no
   * generation id came. OpenRouter may have billed them: the record's cost and the caps count them.
   */
  readonly failedGenerations: Array<string | null> = [];
  /** Sees the request's attempts and its end; see `LifecyclePorts.observe`. */
  readonly observer: RequestObserver;
  /** Watchers of the answer, added by the stages before forwarding. */
  readonly answerTaps: AnswerTap[] = [];
  /** Fields the stages add to the usage record (a cache hit, the cost saved, guardrail decisions). */
  readonly recordFields: Partial<Pick<UsageRecord, 'cacheHit' | 'costSavedUsd' | 'guardrails' | 'guardrailCostUsd' | 'guardrailGenerations' | 'jobId'>> = {};
  #holds = 0;
  /** Whether the request was noted in flight (`LifecyclePorts.inFlight`), before its first attempt. */
  #noted = false;
  /** The generation last noted with it (`named`). */
  #named: string | undefined;
  /** How many of `failedGenerations` the attempts after them have reserved for (see `attempt`). */
  #reservedAgain = 0;
  /** Whether an attempt is out with OpenRouter (sent, and not failed on its own): aborting it may leave it billed. */
  #attemptOut = false;
  /** What its own calls beyond the answer reserved past the estimate (`reserveMore`). */
  #reservedMoreUsd = 0;
  /** What a complete JSON answer said of its generation, once in hand (`screenAnswer`). */
  #answer: AnswerFacts | undefined;
  readonly #abort = new AbortController();
  #endReason: EndReason | undefined;
  #clientGone = false;
  #finished = false;
  #deadline: NodeJS.Timeout;
  /**
   * Aborts when the caller is gone (a batch job was cancelled). An HTTP route calls `callerLeft()` instead, which
   * spares every request an AbortController of its own.
   */
  private readonly callerGone: AbortSignal | undefined;
  /** The listener on `callerGone`, made only when there is one: an HTTP request (most of them) needs none. */
  readonly #onCallerGone: (() => void) | undefined;

  constructor(
    readonly identity: Identity,
    readonly endpoint: UsageRecord['endpoint'],
    options: MeterOptions,
    private readonly ports: LifecyclePorts,
    private readonly onDone: (meter: MeteredRequest) => void,
  ) {
    this.requestId = options.requestId ?? newRequestId();
    const callerGone = (this.callerGone = options.callerGone);
    this.signal = this.#abort.signal;
    this.observer = ports.observe?.(this) ?? {};
    if (callerGone?.aborted) this.#callerIsGone();
    else if (callerGone) {
      this.#onCallerGone = () => this.#callerIsGone();
      callerGone.addEventListener('abort', this.#onCallerGone);
    }
    this.#deadline = setTimeout(() => this.end('deadline'), ports.deadlineMs);
    this.#deadline.unref();
  }

  /** The caller is gone (an HTTP client hung up before its answer ended). */
  callerLeft(): void {
    this.#callerIsGone();
  }

  #callerIsGone(): void {
    if (this.#finished) return;
    this.#clientGone = true;
    // Others still wait for this request's upstream answer (coalesced followers): it goes on until they leave.
    if (this.#holds === 0) this.#abort.abort();
  }

  /**
   * Keeps the upstream call going if this request's caller leaves, until the returned release is called: for
   * requests that receive the same answer (coalesced followers), whom a cancelled leader must not cancel.
   */
  hold(): () => void {
    this.#holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds -= 1;
      if (this.#holds === 0 && this.#clientGone && !this.#finished) this.#abort.abort();
    };
  }

  /** Counts one upstream attempt (a retry or a fallback is another). */
  attempt(): void {
    this.attempts += 1;
    this.#attemptOut = true;
  }

  /** The last attempt failed on its own (`AttemptPreparer.attemptFailed`): a cancel now leaves nothing billed behind. */
  attemptFailed(): void {
    this.#attemptOut = false;
  }

  /**
   * Readies the next attempt (`withFallbacks`' preparer): before the first, the request is noted in flight (durably
   * where that costs no round trip); after one OpenRouter may have billed, it first reserves its own worst case
   * against the caps, and throws their refusal.
   */
  beforeAttempt(): Promise<void> | undefined {
    const noted = this.#noted ? undefined : this.#note();
    if (this.failedGenerations.length === this.#reservedAgain || !this.admission) return noted;
    this.#reservedAgain = this.failedGenerations.length;
    const admission = this.admission;
    const reserve = async () => {
      await admission.reserveAgain();
      await this.#noteWorstCase();
    };
    return noted ? noted.then(reserve) : reserve();
  }

  /**
   * Reserves `costUsd` more against the request's spend caps, for a call of its own its estimate did not cover
   * (`Admission.reserveMore`), and notes the request's new worst case in flight. Throws the caps' refusal.
   */
  async reserveMore(costUsd: number): Promise<void> {
    if (!this.admission || !(costUsd > 0)) return;
    await this.admission.reserveMore(costUsd);
    this.#reservedMoreUsd += costUsd;
    await this.#noteWorstCase();
  }

  /**
   * Notes in flight what the request reserved in all, once it reserved more than its estimate: should its instance
   * stop, its record stands at that, not at one generation's figures (`InFlightLog.reserved`).
   */
  #noteWorstCase(): Promise<void> | undefined {
    if (!this.#noted || this.#finished) return undefined;
    const times = 1 + this.#reservedAgain;
    const tokens = worstCaseTokensOf(this.estimate);
    return this.ports.inFlight?.reserved(this.requestId, {
      worstCaseUsd: (this.estimate?.costUsd ?? 0) * times + this.#reservedMoreUsd,
      worstCaseTokens: { prompt: tokens.prompt * times, completion: tokens.completion * times },
    });
  }

  /** Notes the request in flight with what its record needs; the promise to wait for when the note must land first. */
  #note(): Promise<void> | undefined {
    this.#noted = true;
    const inFlight = this.ports.inFlight;
    if (!inFlight || !this.admission) return undefined;
    return inFlight.opened({
      requestId: this.requestId,
      endpoint: this.endpoint,
      projectId: this.identity.projectId,
      userId: this.identity.userId,
      clientKeyId: this.identity.clientKeyId,
      feature: this.feature,
      requestedModel: this.requestedModel,
      streamed: this.streamed,
      jobId: this.recordFields.jobId,
      worstCaseUsd: this.estimate?.costUsd ?? 0,
      worstCaseTokens: worstCaseTokensOf(this.estimate),
      startedAt: Date.now() - (performance.now() - this.startedAt),
    });
  }

  /**
   * The generation OpenRouter named for this request before its answer ended (a stream's): noted with the request in
   * flight, so that a crash leaves a record that can be reconciled; `now`, or within a second (`InFlightLog.named`).
   * Resolves once durable; nothing to wait for without a note.
   */
  named(generationId: string | undefined, when: 'now' | 'soon'): Promise<void> | undefined {
    const id = textOf(generationId);
    if (id === undefined || id === this.#named || !this.#noted || this.#finished) return undefined;
    // Its guardrails' moderation calls are generations of their own: a record reconciled to the answer's alone would
    // leave them out, so one left by a stopped instance stands at the worst case its caps reserved for all of them.
    if ((this.estimate?.guardrailCostUsd ?? 0) > 0) return undefined;
    this.#named = id;
    return this.ports.inFlight?.named(this.requestId, id, when);
  }

  /**
   * An attempt that failed after reaching OpenRouter, not by this request's own abort: answered 200, then an error
   * inside the answer or a body that cannot be read or broke off; or no answer in time to a request it had whole
   * (no generation id then). It may be billed though nothing of it is used.
   */
  failedAfterSending(generationId: string | undefined): void {
    if (this.signal.aborted) return;
    this.failedGenerations.push(generationId === undefined ? null : (textOf(generationId) ?? null));
  }

  /**
   * Shows a complete JSON answer to the taps (an output guardrail may rewrite it, or refuse it by throwing), after
   * keeping what it says of its generation: a refused answer was still made and billed, so its record and the caps
   * count its usage and cost, and its generation id reconciles them, whatever ends the request after this.
   * @example
   * await meter.screenAnswer(completion, { usage: completion.usage, servedModel: completion.model, provider: completion.provider, generationId: completion.id });
   */
  async screenAnswer(body: Record<string, unknown>, facts: AnswerFacts): Promise<void> {
    this.#answer = facts;
    for (const tap of this.answerTaps) await tap.body?.(body);
  }

  /** Ends the request on the gateway's side: the upstream call is aborted and the client gets `abortError()`. */
  end(reason: EndReason): void {
    if (this.#finished || this.signal.aborted) return;
    this.#endReason = reason;
    this.#abort.abort();
  }

  /** The error to answer with when the gateway ended the request; undefined when the client hung up (nobody to answer). */
  abortError(): GatewayError | undefined {
    if (this.#clientGone || this.#endReason === undefined) return undefined;
    const minutes = Math.round(this.ports.deadlineMs / 60_000);
    return this.#endReason === 'deadline'
      ? new GatewayError('upstream_timeout', `The request took longer than this gateway allows (${minutes >= 1 ? `${minutes} min` : `${this.ports.deadlineMs} ms`}).`)
      : new GatewayError('service_unavailable', 'The gateway is restarting; send the request again.', { retryAfterSeconds: 1 });
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Settles the admission and hands the record to the usage sink: once, whatever is called after. */
  finish(result: ForwardResult | { status: 'rejected'; errorCode: string }): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#deadline);
    if (this.#onCallerGone) this.callerGone?.removeEventListener('abort', this.#onCallerGone);
    this.onDone(this);
    // An answer made and then refused, or left by its client while it was screened: billed as it was made.
    if (this.#answer && result.status !== 'ok' && result.status !== 'rejected') result = { ...this.#answer, ...result };
    const figures = usageFigures('usage' in result ? result.usage : undefined);
    // What the upstream named is a string or nothing: any other JSON there would cost the record its row.
    const generationId = 'generationId' in result ? textOf(result.generationId) : undefined;
    // Reached OpenRouter and may have been billed: a generation id says so, an answer does, and so does an abort
    // mid-call (not one before the first attempt left, nor while waiting to retry after a refusal). An answer
    // without cost or id keeps its worst case (there is nothing to reconcile it with).
    const mayBeBilled = this.attempts > 0 && result.status !== 'rejected' && (generationId !== undefined || result.status === 'ok' || (this.signal.aborted && this.#attemptOut));
    // The real cost can never be known (no generation to ask): the worst case stands, and the record says so.
    const worstCase = mayBeBilled && figures.costUsd === undefined && generationId === undefined && this.estimate !== undefined;
    const record: UsageRecord = {
      requestId: this.requestId,
      endpoint: this.endpoint,
      projectId: this.identity.projectId,
      requestedModel: this.requestedModel,
      status: result.status,
      streamed: this.streamed,
      promptTokens: figures.promptTokens,
      completionTokens: figures.completionTokens,
      reasoningTokens: figures.reasoningTokens,
      latencyMs: performance.now() - this.startedAt,
      attempts: this.attempts,
      startedAt: new Date(Date.now() - (performance.now() - this.startedAt)),
    };
    // Only the fields that have a value: a record never carries a key set to undefined. What OpenRouter could not
    // have billed (nothing sent, or refused with an error status) costs nothing, rather than an estimate that no
    // generation will ever reconcile.
    defined(record, 'costUsd', worstCase ? this.estimate?.costUsd : (figures.costUsd ?? (mayBeBilled ? undefined : 0)));
    if (worstCase) {
      record.costBasis = 'worst_case';
      // The tokens stand at their worst case too, as the caps keep them: a token cap seeded from the ledger (a cap set
      // later in the period, counters Redis lost) would otherwise count none of what OpenRouter may have made.
      const tokens = worstCaseTokensOf(this.estimate);
      record.promptTokens = Math.max(record.promptTokens, tokens.prompt);
      record.completionTokens = Math.max(record.completionTokens, tokens.completion);
    }
    defined(record, 'userId', this.identity.userId);
    defined(record, 'clientKeyId', this.identity.clientKeyId);
    defined(record, 'feature', this.feature);
    defined(record, 'generationId', generationId);
    defined(record, 'imageResolution', this.imageResolution);
    defined(record, 'promptCharacters', this.promptCharacters);
    if ('servedModel' in result) {
      defined(record, 'servedModel', textOf(result.servedModel));
      defined(record, 'provider', textOf(result.provider));
      defined(record, 'timeToFirstTokenMs', result.timeToFirstTokenMs);
      defined(record, 'completionCharacters', result.completionCharacters);
      defined(record, 'imageCount', result.imageCount);
    }
    defined(record, 'errorCode', result.errorCode);
    if (this.failedGenerations.length > 0) {
      record.failedGenerations = [...this.failedGenerations];
      // An attempt without a generation id can never be reconciled: its worst case stands for it.
      if (this.failedGenerations.includes(null)) defined(record, 'failedWorstCaseUsd', this.estimate?.costUsd);
    }
    // Whatever the stages added (usually nothing): every field of theirs, so a new one is never left out.
    const fields: Record<string, unknown> = this.recordFields;
    for (const key in fields) if (fields[key] !== undefined) (record as unknown as Record<string, unknown>)[key] = fields[key];
    try {
      this.ports.usage.record(record);
      this.ports.onRecord?.(record, this);
    } catch (error) {
      this.ports.logger.error('usage sink failed to take a record', { error, requestId: record.requestId });
    }
    for (const tap of this.answerTaps) {
      try {
        tap.finished?.(result);
      } catch (error) {
        this.ports.logger.error('an answer tap failed', { error, requestId: record.requestId });
      }
    }
    try {
      this.observer.ended?.(record);
    } catch (error) {
      this.ports.logger.error('a request observer failed', { error, requestId: record.requestId });
    }
    if (!this.admission) return;
    const tokens = figures.promptTokens + figures.completionTokens;
    void this.admission
      .settle({ tokens, costUsd: figures.costUsd, generationId, mayBeBilled, failedGenerations: this.failedGenerations, extraCostUsd: this.recordFields.guardrailCostUsd, extraGenerations: this.recordFields.guardrailGenerations })
      .catch((error: unknown) => this.ports.logger.error('quota settlement failed', { error, requestId: record.requestId }));
  }
}

/**
 * A field the upstream named (model, provider, generation id) as the record keeps it: a string or nothing, and nothing
 * shaped like an OpenRouter key in it, which would otherwise reach the ledger, metric labels and traces.
 */
const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? withoutKeyShapes(value) : undefined);

/**
 * The tokens an estimate reserves, its prompt's apart from its output's (all output where it does not tell them apart).
 * @example
 * worstCaseTokensOf({ tokens: 1_200, promptTokens: 200, costUsd: 0.01 }); // { prompt: 200, completion: 1_000 }
 */
export function worstCaseTokensOf(estimate: QuotaEstimate | undefined): OpenRequest['worstCaseTokens'] {
  const tokens = estimate?.tokens ?? 0;
  const prompt = Math.min(estimate?.promptTokens ?? 0, tokens);
  return { prompt, completion: tokens - prompt };
}

/** Sets an optional field of a record when it has a value. */
function defined<K extends keyof UsageRecord>(record: UsageRecord, key: K, value: UsageRecord[K] | undefined): void {
  if (value !== undefined) record[key] = value;
}

/**
 * The requests in flight of one gateway, each with its deadline, so that shutdown can end them cleanly: every
 * remaining stream gets an error event and every request its record.
 */
export class RequestLifecycle {
  readonly #inFlight = new Set<MeteredRequest>();
  #drained: (() => void) | undefined;
  #draining: Promise<void> | undefined;
  #closing = false;

  constructor(readonly ports: LifecyclePorts) {}

  /** Starts metering a request; once the gateway is shutting down, new requests get a 503 instead. */
  begin(identity: Identity, endpoint: UsageRecord['endpoint'], options: MeterOptions = {}): MeteredRequest {
    if (this.#closing) throw new GatewayError('service_unavailable', 'The gateway is restarting; send the request again.', { retryAfterSeconds: 1 });
    const meter = new MeteredRequest(identity, endpoint, options, this.ports, (done) => {
      this.#inFlight.delete(done);
      if (this.#inFlight.size === 0) this.#drained?.();
    });
    this.#inFlight.add(meter);
    return meter;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Requests in flight that stream their answer. */
  get inFlightStreams(): number {
    let streams = 0;
    for (const meter of this.#inFlight) if (meter.streamed) streams += 1;
    return streams;
  }

  /**
   * Waits up to `graceMs` for the requests in flight to finish, then ends the rest (streams get an SSE error event,
   * JSON requests a 503) and waits for their records. Resolves once every request is recorded. A second call while
   * draining shortens the wait (`drain(0)` ends the rest at once, as a second Ctrl-C does); it never lengthens it.
   */
  async drain(graceMs: number): Promise<void> {
    this.#closing = true;
    if (this.#inFlight.size === 0) return;
    this.#draining ??= new Promise<void>((resolve) => (this.#drained = resolve));
    const timer = setTimeout(() => {
      for (const meter of this.#inFlight) meter.end('shutdown');
    }, graceMs);
    await this.#draining;
    clearTimeout(timer);
  }
}
