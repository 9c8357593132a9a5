import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';

type Next = (error?: unknown) => void;
type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
/** The router, called with what Express calls it with. */
type RouterHandler = (req: Request, res: Response, next: Next) => void;

export interface HotRoutes {
  /** Routes by `METHOD /path`, matched against the request's exact method and URL (no query, no trailing slash). */
  routes: Record<string, RequestHandler>;
  /** What runs before each of them, in order: the same middlewares the router runs for their paths. */
  before: RequestHandler[];
  /** The router's error handlers, in order. */
  onError: ErrorRequestHandler[];
}

/**
 * The routes nearly every request takes (`POST /v1/chat/completions`, `POST /v1/embeddings`), run as a plain list of
 * handlers instead of through the router's walk over every layer (health, files, operations and MCP routers, each
 * matching paths); every other request, and these paths written any other way (a query, a trailing slash, another
 * case), goes to `router`, which holds the same handlers, so the answer is the same either way. Handlers keep
 * Express's contract: `next(error)`, a thrown error or a rejected promise go to the error handlers, in order, and
 * what the last one passes on goes to the caller's `next`.
 * @example
 * const handler = withHotRoutes(router, { routes: { 'POST /v1/embeddings': embeddings }, before: [identity], onError: [errorHandler] });
 */
export function withHotRoutes(router: RouterHandler, hot: HotRoutes): NodeHandler {
  const routes = new Map(Object.entries(hot.routes).map(([key, handler]) => [key, [...hot.before, handler]]));
  return (req, res, next) => {
    const handlers = routes.get(`${req.method} ${req.url}`);
    if (handlers) runHandlers(handlers, hot.onError, req as Request, res as Response, next);
    else router(req as Request, res as Response, next);
  };
}

function runHandlers(handlers: RequestHandler[], onError: ErrorRequestHandler[], req: Request, res: Response, done: Next): void {
  let index = 0;
  let errorIndex = 0;
  const fail = (error: unknown): void => {
    const handler = onError[errorIndex++];
    if (!handler) return done(error);
    invoke(() => handler(error, req, res, afterError as NextFunction), fail);
  };
  // An error handler that calls `next()` without an error ends the list: nothing comes after the error handlers. A
  // route handler that calls `next()` (none of the gateway's does) passes the request on to the caller's `next`.
  const afterError = (error?: unknown): void => (isError(error) ? fail(error) : done());
  const next = (error?: unknown): void => {
    if (error === 'router' || error === 'route') return done();
    if (isError(error)) return fail(error);
    const handler = handlers[index++];
    if (!handler) return done();
    invoke(() => handler(req, res, next as NextFunction), fail);
  };
  next();
}

const isError = (error: unknown): boolean => error !== undefined && error !== null && error !== false && error !== 'route' && error !== 'router';

/** Calls a handler as Express 5 does: a throw or a rejected promise becomes its error. */
function invoke(call: () => unknown, fail: (error: unknown) => void): void {
  try {
    const result = call();
    if (result instanceof Promise) result.then(undefined, (error: unknown) => fail(error ?? new Error('Rejected promise')));
  } catch (error) {
    fail(error);
  }
}
