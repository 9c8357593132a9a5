/** The outcome of one request, as the usage ledger stores it. */
export interface UsageRecord {
  requestId: string;
  endpoint: 'chat' | 'embeddings' | 'images';
  projectId: string;
  userId?: string;
  clientKeyId?: string;
  /** The feature name, when `model` named one. */
  feature?: string;
  requestedModel: string;
  servedModel?: string;
  provider?: string;
  generationId?: string;
  /**
   * Generations of earlier attempts that OpenRouter answered 200 and that then failed (an error inside the answer, a
   * body the gateway could not read, or no answer in time to a request OpenRouter had whole), before a retry or
   * fallback answered or the request failed; `null` where no generation id came. OpenRouter may have billed them: the ledger adds their cost to this record's.
   */
  failedGenerations?: Array<string | null>;
  /** What each of `failedGenerations` without a generation id stands at for good: the request's worst case. */
  failedWorstCaseUsd?: number;
  status: 'ok' | 'error' | 'cancelled' | 'rejected';
  streamed: boolean;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  imageCount?: number;
  imageResolution?: string;
  /** OpenRouter's own `usage.cost` in USD; undefined when the response carried none (to reconcile later). */
  costUsd?: number;
  /**
   * `worst_case`: the request reached OpenRouter and was aborted before any figure or generation id came back, so
   * its real cost can never be known; `costUsd` is the worst case reserved for it.
   */
  costBasis?: 'worst_case';
  latencyMs: number;
  timeToFirstTokenMs?: number;
  errorCode?: string;
  /** Answered from a cache (or by joining an identical request in flight) without calling OpenRouter. */
  cacheHit?: boolean;
  /** What the answer cost when it was generated, for a cache hit: the spend the cache saved. */
  costSavedUsd?: number;
  /** The guardrails that acted on the request: which one, and its verdict (`block` or `redact`). */
  guardrails?: GuardrailDecision[];
  /** What the guardrails' own model calls (a moderation model) cost, besides `costUsd`. */
  guardrailCostUsd?: number;
  /**
   * Generations of the guardrails' calls that OpenRouter may have billed with no cost to say how much (cancelled or
   * failed after it answered): `guardrailCostUsd` counts each at its worst case until the ledger reconciles it.
   */
  guardrailGenerations?: Array<{ generationId: string; worstCaseUsd: number }>;
  /**
   * When usage is missing (a cancelled stream): the characters of the prompt sent and of the answer forwarded so
   * far, so the ledger's estimate is not 0 until OpenRouter's figure arrives.
   */
  promptCharacters?: number;
  completionCharacters?: number;
  /** The batch job the request was an item of. */
  jobId?: string;
  /**
   * Its generation may show up at OpenRouter long after the request ended (a request whose instance stopped with it
   * in flight): reconciliation keeps looking for it for an hour instead of half a minute.
   */
  lateGeneration?: boolean;
  attempts: number;
  startedAt: Date;
}

/** What one guardrail did to a request. */
export interface GuardrailDecision {
  name: string;
  stage: 'input' | 'output';
  verdict: 'block' | 'redact';
}

/** A request as it is sent to OpenRouter: what its record needs should its instance stop before writing it. */
export interface OpenRequest {
  requestId: string;
  endpoint: UsageRecord['endpoint'];
  projectId: string;
  userId: string | undefined;
  clientKeyId: string | undefined;
  feature: string | undefined;
  requestedModel: string;
  streamed: boolean;
  jobId: string | undefined;
  /** What its spend caps reserved: what it stands at in the ledger when nothing better is known. */
  worstCaseUsd: number;
  /** What its token caps reserved, the prompt's bound and the output it may make: its tokens in that record. */
  worstCaseTokens: { prompt: number; completion: number };
  /** Epoch ms. */
  startedAt: number;
}

/**
 * Where the requests in flight are noted, so that a crash cannot lose them: a request is noted before it is sent, its
 * generation once OpenRouter names it, and the write that stores its record removes the note. The notes of an
 * instance that stopped become records. The ledger implements it over its database.
 */
export interface InFlightLog {
  /** Notes a request about to be sent; resolves once the note is durable where it must be before the request leaves, else undefined. */
  opened(request: OpenRequest): Promise<void> | undefined;
  /**
   * Notes the generation of a request in flight; resolves once durable (never rejects). `soon`: within a second,
   * unless its record comes first (a request that short needs no note of it), which spares most requests a write;
   * `now` for a caller that waits for it.
   */
  named(requestId: string, generationId: string, when: 'now' | 'soon'): Promise<void>;
  /**
   * Notes that a request in flight reserved more than its note says (an attempt after one OpenRouter may have billed,
   * a call of its own its estimate did not cover): the note takes the request's whole worst case, and its record
   * would stand at it for good, since no one generation's figures are the request's cost any more (its generation is
   * no longer noted). Resolves once durable where the next attempt must wait for it, else undefined.
   */
  reserved(requestId: string, worstCase: WorstCase): Promise<void> | undefined;
}

/** What a request's caps reserved in all: spend, and tokens (the prompt's bound and the output it may make). */
export type WorstCase = Pick<OpenRequest, 'worstCaseUsd' | 'worstCaseTokens'>;

/** Where usage records go; the ledger of the usage issue implements it over SQLite or Postgres. */
export interface UsageSink {
  record(record: UsageRecord): void;
}

/** Keeps the last `capacity` records in memory: for tests, and for a gateway without a ledger. */
export class MemoryUsageSink implements UsageSink {
  readonly records: UsageRecord[] = [];

  constructor(private readonly capacity = 10_000) {}

  record(record: UsageRecord): void {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
  }
}
