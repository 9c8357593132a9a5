import { catalogEntries, type CatalogResponse } from '@insforge/ai-protocol';
import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { parseRequest } from '../../gateway/chat-request.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { CatalogSnapshot } from '../../upstream/model-catalog.js';
import { requireAdmin } from '../identity-middleware.js';

/** An OpenRouter model as listed upstream, with the feature modalities it can serve (the protocol's shape). */
export type { CatalogEntry } from '@insforge/ai-protocol';

const ModelsQuery = z.object({
  modality: z.enum(['text', 'image', 'embedding']).optional(),
  search: z.string().trim().max(200).optional(),
});

/**
 * `GET /api/ai/models?modality=&search=`: OpenRouter's chat, embedding and image models, for picking a feature's
 * model. The catalog is cached and fetched once however many requests arrive together; `search` matches the id
 * or name, case-insensitively.
 *
 * @example
 * router.use(catalogRouter(context));
 */
export function catalogRouter(context: GatewayContext): Router {
  const router = Router();
  // Every route below is for admins only: 403 for a user.
  router.use('/api/ai/models', requireAdmin);
  router.get('/api/ai/models', async (req, res) => {
    const { modality, search } = parseRequest(ModelsQuery, req.query);
    let snapshot: CatalogSnapshot;
    try {
      snapshot = await context.catalog.snapshot();
    } catch (error) {
      throw new GatewayError('upstream_error', 'The model catalog cannot be fetched from OpenRouter right now.', { cause: error });
    }
    res.json({ data: catalogEntries(snapshot.models, { modality, search }) } satisfies CatalogResponse);
  });
  return router;
}
