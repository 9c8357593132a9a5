import type { ColumnType } from 'kysely';

/**
 * The largest value of an `integer` column (Postgres's int4, which positions use): a query comparing one with a
 * larger number fails on Postgres, though no row can hold it, so a store leaves such numbers out of its queries.
 */
export const INTEGER_MAX = 2_147_483_647;

/**
 * The tables, as one Kysely schema over SQLite and Postgres. Times are epoch milliseconds (`bigint`), JSON is
 * text, booleans are 0/1: the types both databases store the same way, so one query layer serves both.
 */
export interface Database {
  projects: ProjectTable;
  features: FeatureTable;
  feature_versions: FeatureVersionTable;
  client_keys: ClientKeyTable;
  provider_keys: ProviderKeyTable;
  audit_log: AuditTable;
  conversations: ConversationTable;
  conversation_owners: ConversationOwnerTable;
  conversation_messages: ConversationMessageTable;
  conversation_removals: ConversationRemovalTable;
  usage_records: UsageRecordTable;
  open_requests: OpenRequestTable;
  gateway_instances: GatewayInstanceTable;
  limit_policies: LimitPolicyTable;
  batch_jobs: BatchJobTable;
  batch_job_items: BatchJobItemTable;
  file_blobs: FileBlobTable;
  file_owners: FileOwnerTable;
  file_holds: FileHoldTable;
  file_owner_totals: FileOwnerTotalsTable;
  gateway_secrets: GatewaySecretTable;
}

export interface LimitPolicyTable {
  project_id: string;
  /** JSON of `LimitPolicy`. */
  policy: string;
  /** JSON of `BudgetAlerts`. */
  alerts: string;
  stopped: number;
  stop_reason: string | null;
  version: number;
  updated_at: number;
  updated_by: string;
}

export interface ProjectTable {
  id: string;
  name: string;
  allow_raw_models: number;
  created_at: number;
  updated_at: number;
}

export interface FeatureTable {
  /** Stable id, the seeds' `/configurations/:id`. */
  id: string;
  project_id: string;
  name: string;
  version: number;
  /** The feature's configuration (JSON of `Feature`). */
  config: string;
  /** What "reset to defaults" restores (JSON of `Feature`): the configuration it was created or seeded with. */
  defaults: string;
  created_at: number;
  updated_at: number;
  updated_by: string;
}

export interface FeatureVersionTable {
  id: string;
  feature_id: string;
  project_id: string;
  name: string;
  version: number;
  config: string;
  action: 'create' | 'update' | 'restore' | 'reset' | 'seed';
  changed_by: string;
  changed_at: number;
}

export interface ClientKeyTable {
  id: string;
  project_id: string;
  label: string;
  /** SHA-256 of the key, hex; the key itself is shown once and never stored. */
  key_hash: string;
  /** The first characters, so a person can tell keys apart. */
  prefix: string;
  role: 'admin' | 'user';
  user_id: string | null;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface ProviderKeyTable {
  project_id: string;
  /** AES-256-GCM ciphertext, IV and tag (base64), under master key `key_id`. */
  ciphertext: string;
  iv: string;
  tag: string;
  key_id: string;
  masked: string;
  label: string | null;
  limit_usd: number | null;
  limit_remaining_usd: number | null;
  usage_usd: number | null;
  is_free_tier: number;
  validated_at: number;
  updated_at: number;
  updated_by: string;
}

export interface AuditTable {
  id: string;
  project_id: string;
  actor: string;
  action: string;
  target: string;
  /** JSON of the state before and after; never a secret. */
  before: string | null;
  after: string | null;
  created_at: number;
}

export interface ConversationTable {
  /** Surrogate key the messages point at; `id` is the client's, unique per project and owner. */
  key: string;
  id: string;
  project_id: string;
  /** Whose it is, by kind: `user:<user id>`, `key:<client key id>`, or `anonymous`. */
  owner: string;
  title: string | null;
  feature: string | null;
  created_at: number;
  updated_at: number;
  message_count: number;
  /** The bytes of its messages as stored (JSON). */
  byte_count: number;
  /** Who saved it last with an order (`ConversationSave.order`), and that save's place in the writer's order. */
  writer: string | null;
  writer_sequence: number | null;
}

/** The latest removal of a conversation by each writer that removed it in its order; no content. Kept a day. */
export interface ConversationRemovalTable {
  project_id: string;
  owner: string;
  id: string;
  writer: string;
  writer_sequence: number;
  removed_at: number;
}

/** Each owner's conversations and their bytes, kept with every write so caps are checked in one row. */
export interface ConversationOwnerTable {
  project_id: string;
  owner: string;
  conversation_count: number;
  byte_count: number;
}

export interface ConversationMessageTable {
  conversation_key: string;
  /** 0-based order within the conversation. */
  position: number;
  message_id: string;
  /** The message as the client sent it (JSON object). */
  body: string;
  created_at: number;
}

/** One request in the usage ledger (`UsageRecord` as stored); the id is the gateway's request id. */
export interface UsageRecordTable {
  id: string;
  project_id: string;
  endpoint: 'chat' | 'embeddings' | 'images';
  /** The feature name, when the request named one. */
  feature: string | null;
  user_id: string | null;
  client_key_id: string | null;
  requested_model: string;
  served_model: string | null;
  provider: string | null;
  generation_id: string | null;
  status: 'ok' | 'error' | 'cancelled' | 'rejected';
  streamed: number;
  prompt_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  image_count: number | null;
  image_resolution: string | null;
  /** USD. */
  cost_usd: number;
  /**
   * `upstream`: OpenRouter's `usage.cost`; `reconciled`: its `GET /generation`; `estimated`: tokens × catalog prices;
   * `worst_case`: the reservation of a request aborted mid-call with no generation id to ask about.
   */
  cost_source: 'upstream' | 'estimated' | 'reconciled' | 'worst_case';
  /** USD a cache hit saved: what the answer cost when it was generated. */
  cost_saved_usd: number | null;
  /** JSON of `GuardrailDecision[]`, when a guardrail blocked or redacted. */
  guardrail_decisions: string | null;
  /** USD of the guardrails' own model calls (moderation). */
  guardrail_cost_usd: number | null;
  latency_ms: number;
  time_to_first_token_ms: number | null;
  error_code: string | null;
  cache_hit: number;
  attempts: number;
  /** When the request started. */
  created_at: number;
  reconciled_at: number | null;
  /** The batch job the request was an item of (optional on insert: most requests belong to none). */
  job_id: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * JSON of the generations of earlier attempts the record's cost adds up (`UsageRecord.failedGenerations`), `null`
   * where no generation id came; null for a record of one generation (optional on insert: most have one).
   */
  failed_generations: ColumnType<string | null, string | null | undefined, string | null>;
}

/**
 * A request on its way to or from OpenRouter, noted before it is sent and removed by the write that stores its usage
 * record: what is left of an instance that stopped is turned into records (`error_code: instance_lost`).
 */
export interface OpenRequestTable {
  /** The request id, which its usage record takes. */
  id: string;
  instance_id: string;
  project_id: string;
  endpoint: 'chat' | 'embeddings' | 'images';
  feature: string | null;
  user_id: string | null;
  client_key_id: string | null;
  requested_model: string;
  streamed: number;
  job_id: string | null;
  /** USD: the worst case its spend caps reserved, which stands for its cost when nothing better is known. */
  worst_case_usd: number;
  /** Tokens its token caps reserved, its prompt's and its output's (0 in notes older than these columns). */
  worst_case_prompt_tokens: ColumnType<number, number | undefined, number>;
  worst_case_completion_tokens: ColumnType<number, number | undefined, number>;
  /** Once OpenRouter named it (a stream's headers): its cost can then be reconciled. */
  generation_id: string | null;
  started_at: number;
}

/** A gateway instance and its heartbeat; one whose `seen_until` passed is taken for gone. */
export interface GatewayInstanceTable {
  id: string;
  /** The machine (`os.hostname()`) and process id: a start on the same machine can tell its predecessor is gone. */
  host: string;
  pid: number;
  started_at: number;
  seen_until: number;
}

export interface BatchJobTable {
  id: string;
  project_id: string;
  user_id: string | null;
  client_key_id: string | null;
  /** The creator's role: items run with the identity that created the job. */
  role: 'admin' | 'user';
  kind: 'summarize' | 'chat' | 'embeddings';
  status: 'queued' | 'running' | 'paused' | 'completed' | 'cancelled';
  /** Why it is paused or cancelled. */
  status_reason: string | null;
  /**
   * A job paused by a limit is tried again after this time (epoch ms): it goes on once the cap is raised or its
   * period ends, and pauses again if not. Null for a job an admin paused, which waits to be resumed.
   */
  paused_until: number | null;
  /** JSON of the job's options (summarization options, the feature). */
  options: string;
  total: number;
  /** USD: the most the job could cost, checked against spend caps when it was created. */
  worst_case_usd: number;
  /** The worker holding the job, until `locked_until` (epoch ms): a worker that dies lets its lease expire. */
  locked_by: string | null;
  locked_until: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface BatchJobItemTable {
  job_id: string;
  position: number;
  /** The item's idempotency key: `<job id>:<position>`. */
  key: string;
  status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
  /** JSON of the item's request (an article, or a chat or embeddings body). */
  input: string;
  /** JSON of the result. */
  output: string | null;
  error_code: string | null;
  error: string | null;
  attempts: number;
  /** When the item was last sent upstream: with no generation id yet, OpenRouter may or may not have it. */
  sent_at: number | null;
  /** OpenRouter's generation, persisted before the answer is read. */
  generation_id: string | null;
  request_id: string | null;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_usd: number | null;
  updated_at: number;
}

/** A file's bytes, stored once per project whoever holds them; `id` is the SHA-256 of the bytes (hex). */
export interface FileBlobTable {
  project_id: string;
  id: string;
  size: number;
  /** The bytes, or null when they are kept in the file store's folder. */
  bytes: Buffer | null;
  /** How many owners hold it: the blob goes when the last one lets go. */
  owner_count: number;
  created_at: number;
}

/** One owner's reference to a blob, with what the owner said it is. */
export interface FileOwnerTable {
  project_id: string;
  /** `user:<id>`, `key:<client key id>` or `anonymous`, as for conversations. */
  owner: string;
  file_id: string;
  media_type: string;
  name: string | null;
  size: number;
  created_at: number;
}

/** What keeps an owner's reference alive: an upload (`upload`) or a saved conversation (`conversation:<id>`). */
export interface FileHoldTable {
  project_id: string;
  owner: string;
  file_id: string;
  holder: string;
}

/** Each owner's files and their bytes, kept with every write so the cap is checked in one row. */
export interface FileOwnerTotalsTable {
  project_id: string;
  owner: string;
  file_count: number;
  byte_count: number;
}

/** Secrets the gateway makes for itself once and shares between instances (the file URL key without a master key). */
export interface GatewaySecretTable {
  name: string;
  /** Base64. */
  value: string;
  created_at: number;
}
