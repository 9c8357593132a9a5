import type { ClientKeyRecord } from '../store/client-key-store.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import { JobStore } from './job-store.js';

/** Why a job was cancelled by its key's revocation, as the job's status reason shows it. */
export const REVOKED_KEY_REASON = 'Cancelled: the client key that created this job was revoked.';

/**
 * Revokes a client key and cancels the batch jobs it created that have work left: a key revoked because it leaked
 * must not go on spending through the jobs queued with it. Each instance running one of them aborts its items in
 * flight at its next look at the job. Revoking a key revoked already cancels what is left of its jobs again (a
 * revocation cut short between the two writes).
 * @example
 * const { record, cancelledJobs } = await revokeClientKey(stores, 'default', 'ck_123', 'cli');
 */
export async function revokeClientKey(stores: GatewayStores, projectId: string, id: string, actor: string): Promise<{ record: ClientKeyRecord; cancelledJobs: number }> {
  const record = await stores.clientKeys.revoke(projectId, id, actor);
  const cancelledJobs = await new JobStore(stores.database.db, stores.clock.now).cancelOfClientKey(projectId, record.id, REVOKED_KEY_REASON);
  return { record, cancelledJobs };
}
