import type { RequestHandler } from 'express';
import { identify, type Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from '../gateway/context.js';
import type { PlainHandler, PlainResponse } from '../plain-http.js';
import { markRefusedBody } from './refused-bodies.js';
import { bodyUnread } from './request-hygiene.js';

/**
 * Identifies the caller once per request (401 when nobody) and keeps the identity on `res.locals`, then reads the body
 * (`parseBody`): a caller nobody knows is refused before its body is read, whatever it announces. Only a host
 * `authenticate` hook that looks at `req.body` has the body read before it answers (`identify`).
 * @example
 * router.use(identityMiddleware(context, plainJsonBody(limit, jsonBody(limit))));
 */
export function identityMiddleware(context: GatewayContext, parseBody: PlainHandler): PlainHandler {
  return async (req, res, next) => {
    let read: Promise<void> | undefined;
    // Only a host hook may want a body before the caller is known, and only one nothing has read yet needs reading.
    const readBody = context.authenticate && bodyUnread(req)
      ? () => (read ??= new Promise<void>((resolve, reject) => parseBody(req, res, (error?: unknown) => (error === undefined ? resolve() : reject(error)))))
      : undefined;
    res.locals['identity'] = await identify(req, context.authenticate, context.clientKeys, readBody);
    if (read) next();
    else {
      parseBody(req, res, (error?: unknown) => {
        // A known caller's body refused: a metered route still owes it a record (`recordRefusedBodies`).
        if (error !== undefined) markRefusedBody(res, error);
        next(error);
      });
    }
  };
}

export function identityOf(res: Pick<PlainResponse, 'locals'>): Identity {
  const identity = res.locals['identity'] as Identity | undefined;
  if (!identity) throw new GatewayError('unauthorized', 'Sign in or send an API key (Authorization: Bearer <key>, or x-api-key: <key>).');
  return identity;
}

/** 403 for callers who are not admins of their project. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (identityOf(res).role !== 'admin') throw new GatewayError('forbidden', 'This needs the admin role.');
  next();
};

/**
 * 403 for callers who are not admins of `projectId`: for what spans every project the gateway serves (its metrics,
 * its instances), which one project's admins must not read.
 * @example
 * router.get('/metrics', requireAdminOf(defaultProjectId), metricsHandler);
 */
export function requireAdminOf(projectId: string): RequestHandler {
  return (_req, res, next) => {
    const identity = identityOf(res);
    if (identity.role !== 'admin' || identity.projectId !== projectId) throw new GatewayError('forbidden', `This spans every project: it needs the admin role in the project "${projectId}".`);
    next();
  };
}
