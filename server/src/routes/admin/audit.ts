import { Router } from 'express';
import { z } from 'zod';
import { parseRequest } from '../../gateway/chat-request.js';
import type { AuditEntry, AuditLog } from '../../store/audit-log.js';
import { identityOf, requireAdmin } from '../identity-middleware.js';
import { isoTime } from '../iso-time.js';
import { decodePageCursor, encodePageCursor } from '../page-cursor.js';

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.string().min(1).optional(),
});

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
    const page = await audit.list(projectId, { ...(query.limit ? { limit: query.limit } : {}), ...(query.before ? { before: decodePageCursor(query.before) } : {}) });
    res.json({ data: page.entries.map(toResponse), next: page.next ? encodePageCursor(page.next) : null });
  });
  return router;
}
