import type { ClientKeyVerifier, Authenticate } from '../auth/identity.js';
import type { FeatureStore } from '../features/feature-store.js';
import type { QuotaGuard } from '../limits/quota-guard.js';
import type { UsageSink } from '../usage/usage-record.js';
import type { ModelCatalog } from '../upstream/model-catalog.js';
import type { OpenRouterClient } from '../upstream/openrouter-client.js';
import type { GatewayLogger } from '../logger.js';
import type { AttachmentReferences } from './attachment-references.js';
import type { RequestLifecycle } from './metered-request.js';
import type { RawModelPolicy } from './resolve-target.js';
import type { RetryPolicy } from './with-fallbacks.js';

/** What every route of one gateway shares, built once from the options. */
export interface GatewayContext {
  upstream: OpenRouterClient;
  /** The OpenRouter key for a project: its stored key, else the gateway's; a 502 `upstream_auth` when none. */
  upstreamKey(projectId: string): Promise<string>;
  catalog: ModelCatalog;
  features: FeatureStore;
  allowRawModels: RawModelPolicy;
  authenticate: Authenticate | undefined;
  clientKeys: ClientKeyVerifier;
  retry: RetryPolicy;
  /** Milliseconds of silence after which a streaming client gets an SSE comment. */
  heartbeatMs: number;
  usage: UsageSink;
  /** Checks and reserves the caller's limits before a request is forwarded. */
  quota: QuotaGuard;
  /** Every metered request in flight, their deadline and their clean end at shutdown. */
  lifecycle: RequestLifecycle;
  /** Puts the bytes of the file store's files that a chat's messages name; without it, messages go as they came. */
  attachments?: AttachmentReferences;
  /** Where the gateway's database lives (no password), or undefined before it is open. */
  databaseLocation?: string;
  logger: GatewayLogger;
  /** Removes every secret the gateway knows from a text that reaches a client or a log. */
  redact(text: string): string;
}
