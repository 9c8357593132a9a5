import { Router } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../errors.js';
import { parseRequest } from '../../gateway/chat-request.js';
import type { GatewayContext } from '../../gateway/context.js';
import type { AuditLog } from '../../store/audit-log.js';
import { maskProviderKey, type ProviderKeyStore } from '../../store/provider-key-store.js';
import { validateOpenRouterKey, type KeyFacts } from '../../upstream/key-validation.js';
import { identityOf, requireAdmin } from '../identity-middleware.js';
import { isoTime } from '../iso-time.js';
import { adminActor } from './admin-actor.js';

/** What an admin sees of the OpenRouter key in use: where it comes from, masked, and OpenRouter's facts. */
export interface ProviderKeyState extends Partial<KeyFacts> {
  configured: boolean;
  /** `stored`: set through this API; `environment`: the gateway's own key (`OPENROUTER_API_KEY`); `none`. */
  source: 'stored' | 'environment' | 'none';
  masked?: string;
  /** When OpenRouter last confirmed the key (ISO time). */
  validatedAt?: string;
}

const SetKeyBody = z.object({
  key: z
    .string()
    .trim()
    .min(1, 'Paste the OpenRouter key (it starts with sk-or-).')
    .max(512, 'This is too long to be an OpenRouter key.')
    // A key is sent in a header: a line break or any control character in it could never work, or could inject one.
    .regex(/^[^\p{Cc}]+$/u, 'The key contains a line break or another control character; paste it again without them.')
    // Anything else outside visible ASCII (a space, an emoji, a typographic dash) cannot be sent in a header either:
    // checking it with OpenRouter would fail as if OpenRouter were down.
    .regex(/^[\x21-\x7e]+$/, 'An OpenRouter key has only letters, digits and dashes; this one has a space or another character no key has.'),
});

const TARGET = 'provider_key:openrouter';

/**
 * The admin routes of the project's OpenRouter key: read (masked), set or replace (validated with OpenRouter's
 * `GET /key` first), delete, and test. No response, error or audit entry carries the key. The gateway's own key (the
 * fallback of a project that stores none) is the host's: testing it tells the admins of `hostProjectId` its label,
 * limit and usage (every project's spend through it), and the admins of other projects only whether it works.
 *
 * @example
 * router.use(identityMiddleware(context, parseBody));
 * router.use(providerKeyRouter(context, providerKeys, audit, 'default'));
 */
export function providerKeyRouter(context: Pick<GatewayContext, 'upstream'>, store: ProviderKeyStore, audit: AuditLog, hostProjectId: string): Router {
  const router = Router();

  /** The gateway-wide key (options or `OPENROUTER_API_KEY`), or undefined when there is none. */
  const environmentKey = async (): Promise<string | undefined> => {
    try {
      return await context.upstream.apiKey();
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'upstream_auth') return undefined;
      throw error;
    }
  };

  const stateOf = async (projectId: string): Promise<ProviderKeyState> => {
    const stored = await store.describe(projectId);
    if (stored) {
      const { masked, label, limit, limitRemaining, usage, isFreeTier, validatedAt } = stored;
      return { configured: true, source: 'stored', masked, label, limit, limitRemaining, usage, isFreeTier, validatedAt: isoTime(validatedAt) };
    }
    const fallback = await environmentKey();
    return fallback ? { configured: true, source: 'environment', masked: maskProviderKey(fallback) } : { configured: false, source: 'none' };
  };

  const path = '/api/ai/provider-key';

  router.get(path, requireAdmin, async (_req, res) => {
    res.json(await stateOf(identityOf(res).projectId));
  });

  router.put(path, requireAdmin, async (req, res) => {
    const identity = identityOf(res);
    const { key } = parseRequest(SetKeyBody, req.body);
    // Say so before asking OpenRouter: without a master key nothing can be stored anyway.
    store.assertCanStore();
    let facts: KeyFacts;
    try {
      facts = await validateOpenRouterKey(context.upstream, key);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'invalid_provider_key') {
        await audit.record({ projectId: identity.projectId, actor: adminActor(identity), action: 'provider_key.rejected', target: TARGET, before: null, after: { masked: maskProviderKey(key) } });
      }
      throw error;
    }
    await store.set(identity.projectId, key, facts, adminActor(identity));
    res.json(await stateOf(identity.projectId));
  });

  router.delete(path, requireAdmin, async (_req, res) => {
    const identity = identityOf(res);
    await store.remove(identity.projectId, adminActor(identity));
    res.json(await stateOf(identity.projectId));
  });

  router.post(`${path}/test`, requireAdmin, async (_req, res) => {
    const identity = identityOf(res);
    const stored = await store.secret(identity.projectId);
    const source = stored ? 'stored' : 'environment';
    const key = stored ?? (await environmentKey());
    if (!key) throw new GatewayError('not_found', 'No OpenRouter key is configured: set one with PUT /api/ai/provider-key, or set OPENROUTER_API_KEY on the gateway.');
    const masked = maskProviderKey(key);
    let facts: KeyFacts;
    try {
      facts = await validateOpenRouterKey(context.upstream, key);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'invalid_provider_key') {
        await audit.record({ projectId: identity.projectId, actor: adminActor(identity), action: 'provider_key.test', target: TARGET, before: null, after: { source, masked, valid: false } });
      }
      throw error;
    }
    const validatedAt = Date.now();
    if (stored) await store.updateFacts(identity.projectId, facts, validatedAt);
    await audit.record({ projectId: identity.projectId, actor: adminActor(identity), action: 'provider_key.test', target: TARGET, before: null, after: { source, masked, valid: true } });
    const shown = stored || identity.projectId === hostProjectId ? facts : {};
    const state: ProviderKeyState & { valid: true } = { valid: true, configured: true, source, masked, ...shown, validatedAt: isoTime(validatedAt) };
    res.json(state);
  });

  return router;
}
