import { Router } from 'express';
import { z } from 'zod';
import { parseRequest } from '../../gateway/chat-request.js';
import { revokeClientKey } from '../../jobs/revoke-client-key.js';
import { CLIENT_KEY_LIMITS, type ClientKeyRecord } from '../../store/client-key-store.js';
import type { GatewayStores } from '../../store/gateway-stores.js';
import { identityOf, requireAdmin } from '../identity-middleware.js';
import { isoTime } from '../iso-time.js';
import { adminActor } from './admin-actor.js';

/** A client key as the admin API shows it: never the key, only its first characters. */
export interface ClientKeyResponse extends Omit<ClientKeyRecord, 'createdAt' | 'lastUsedAt' | 'revokedAt'> {
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const CreateKeyBody = z
  .object({
    label: z.string().trim().min(1, 'label is required: say who or what the key is for').max(CLIENT_KEY_LIMITS.labelLength),
    role: z.enum(['admin', 'user']).optional(),
    userId: z.string().trim().min(1).max(CLIENT_KEY_LIMITS.userIdLength).optional(),
  })
  .strict();

const toResponse = (record: ClientKeyRecord): ClientKeyResponse => ({
  ...record,
  createdAt: isoTime(record.createdAt),
  lastUsedAt: isoTime(record.lastUsedAt),
  revokedAt: isoTime(record.revokedAt),
});

/**
 * Client API keys of the project: create (the key is in that one response only), list, revoke.
 *
 * @example
 * router.use(clientKeysRouter(stores));
 */
export function clientKeysRouter(stores: GatewayStores): Router {
  const keys = stores.clientKeys;
  const router = Router();
  const path = '/api/ai/keys';
  // Every route below is for admins only: 403 for a user.
  router.use(path, requireAdmin);

  router.post(path, async (req, res) => {
    const identity = identityOf(res);
    const { label, role, userId } = parseRequest(CreateKeyBody, req.body);
    const created = await keys.create(identity.projectId, { label, ...(role ? { role } : {}), ...(userId ? { userId } : {}) }, adminActor(identity));
    res.status(201).json({ key: created.key, ...toResponse(created.record) });
  });

  router.get(path, async (_req, res) => {
    res.json({ data: (await keys.list(identityOf(res).projectId)).map(toResponse) });
  });

  // Revoking keeps the record (label, last use) for the audit trail; the key stops authenticating at once, and the
  // batch jobs it created are cancelled (how many, in `cancelledJobs`).
  router.delete(`${path}/:id` as const, async (req, res) => {
    const identity = identityOf(res);
    const { record, cancelledJobs } = await revokeClientKey(stores, identity.projectId, req.params.id, adminActor(identity));
    res.json({ ...toResponse(record), cancelledJobs });
  });

  return router;
}
