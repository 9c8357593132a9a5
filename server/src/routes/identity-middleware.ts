import type { RequestHandler } from 'express';
import { identify, type Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from '../gateway/context.js';
import type { PlainHandler, PlainResponse } from '../plain-http.js';

/** Identifies the caller once per request (401 when nobody) and keeps the identity on `res.locals`. */
export function identityMiddleware(context: GatewayContext): PlainHandler {
  return async (req, res, next) => {
    res.locals['identity'] = await identify(req, context.authenticate, context.clientKeys);
    next();
  };
}

export function identityOf(res: Pick<PlainResponse, 'locals'>): Identity {
  const identity = res.locals['identity'] as Identity | undefined;
  if (!identity) throw new GatewayError('unauthorized', 'Sign in or send an API key (Authorization: Bearer <key>).');
  return identity;
}

/** 403 for callers who are not admins of their project. */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (identityOf(res).role !== 'admin') throw new GatewayError('forbidden', 'This needs the admin role.');
  next();
};
