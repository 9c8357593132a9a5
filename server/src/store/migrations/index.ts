import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.js';
import { conversations } from './0002-conversations.js';
import { usage } from './0003-usage.js';
import { limits } from './0004-limits.js';
import { cacheGuardrails } from './0006-cache-guardrails.js';
import { conversationOwners } from './0005-conversation-owners.js';
import { batchJobs } from './0007-batch-jobs.js';
import { files } from './0008-files.js';
import { conversationRevisions } from './0009-conversation-revisions.js';
import { conversationRemovals } from './0010-conversation-removals.js';
import { jobGenerationIndex } from './0011-job-generation-index.js';
import { openRequests } from './0012-open-requests.js';
import { openRequestTokens } from './0013-open-request-tokens.js';
import { auditWebhookUrls } from './0014-audit-webhook-urls.js';

/** Every migration, in order; names sort in the order they run. Add new ones at the end, never edit old ones. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-conversations': conversations,
  '0003-usage': usage,
  '0004-limits': limits,
  '0005-conversation-owners': conversationOwners,
  '0006-cache-guardrails': cacheGuardrails,
  '0007-batch-jobs': batchJobs,
  '0008-files': files,
  '0009-conversation-revisions': conversationRevisions,
  '0010-conversation-removals': conversationRemovals,
  '0011-job-generation-index': jobGenerationIndex,
  '0012-open-requests': openRequests,
  '0013-open-request-tokens': openRequestTokens,
  '0014-audit-webhook-urls': auditWebhookUrls,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
