import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { parseRequest } from '../../gateway/chat-request.js';
import type { AuditEntry, AuditLog } from '../../store/audit-log.js';
import { identityOf, requireAdmin } from '../identity-middleware.js';
import { isoTime } from './admin-actor.js';

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.string().min(1).optional(),
});

const cursorSchema = z.object({ createdAt: z.number().int().nonnegative(), id: z.string().min(1) }).strict();
type Cursor = z.infer<typeof cursorSchema>;

/** The position after a page, as an opaque string a client passes back as `before`. */
export const encodeAuditCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64url');

export function decodeAuditCursor(text: string): Cursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch (error) {
    throw new GatewayError('invalid_parameter', 'before must be the "next" value of a previous page.', { param: 'before', cause: error });
  }
}

const toResponse = (entry: AuditEntry) => ({ ...entry, createdAt: isoTime(entry.createdAt) });

/**
 * `GET /api/ai/audit?limit=&before=`: the project's admin actions, newest first, a page at a time; `next` is
 * the cursor of the following page, `null` on the last.
 *
 * @example
 * router.use(auditRouter(stores.audit));
 */
export function auditRouter(audit: AuditLog): Router {
  const router = Router();
  // Every route below is for admins only: 403 for a user.
  router.use('/api/ai/audit', requireAdmin);
  router.get('/api/ai/audit', async (req, res) => {
    const { projectId } = identityOf(res);
    const query = parseRequest(AuditQuery, req.query);
    const page = await audit.list(projectId, { ...(query.limit ? { limit: query.limit } : {}), ...(query.before ? { before: decodeAuditCursor(query.before) } : {}) });
    res.json({ data: page.entries.map(toResponse), next: page.next ? encodeAuditCursor(page.next) : null });
  });
  return router;
}
