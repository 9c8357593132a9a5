import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { GatewayError, sendGatewayError } from '../errors.js';
import type { Next, PlainErrorHandler, PlainHandler, PlainRequest, PlainResponse } from '../plain-http.js';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
/** The router, called with what Express calls it with. */
type RouterHandler = (req: Request, res: Response, next: Next) => void;

export interface HotRoutes {
  /** Routes by `METHOD /path`, matched against the request's exact method and URL (no query, no trailing slash). */
  routes: Record<string, PlainHandler>;
  /** What runs before each of them, in order: the same middlewares the router runs for their paths. */
  before: PlainHandler[];
  /** The router's error handlers, in order. */
  onError: PlainErrorHandler[];
  /**
   * Whether the hot routes may also run on node:http's own request and response, without Express
   * (`hotRoutesListener`): only when every handler reads nothing but node:http's API — not when the host's
   * `authenticate` hook, which is given an Express request, takes part.
   */
  withoutExpress: boolean;
}

/** Runs a hot route on a request straight from node:http (`path`: its URL below the mount); false when it names none. */
type PlainRunner = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;
const RUN_WITHOUT_EXPRESS = Symbol('hot routes without Express');

/**
 * The routes nearly every request takes (`POST /v1/chat/completions`, `POST /v1/embeddings`), run as a plain list of
 * handlers instead of through the router's walk over every layer (health, files, operations and MCP routers, each
 * matching paths); every other request, and these paths written any other way (a query, a trailing slash, another
 * case), goes to `router`, which holds the same handlers, so the answer is the same either way. Handlers keep
 * Express's contract: `next(error)`, a thrown error or a rejected promise go to the error handlers, in order, and
 * what the last one passes on goes to the caller's `next`.
 * @example
 * const handler = withHotRoutes(router, { routes: { 'POST /v1/embeddings': embeddings }, before: [identity], onError: [errorHandler], withoutExpress: true });
 */
export function withHotRoutes(router: RouterHandler, hot: HotRoutes): NodeHandler {
  const routes = new Map(Object.entries(hot.routes).map(([key, handler]) => [key, [...hot.before, handler]]));
  const handler: NodeHandler = (req, res, next) => {
    const handlers = routes.get(`${req.method} ${req.url}`);
    if (handlers) runHandlers(handlers, hot.onError, req as PlainRequest, res as PlainResponse, next);
    else router(req as Request, res as Response, next);
  };
  if (!hot.withoutExpress) return handler;
  const runWithoutExpress: PlainRunner = (req, res, path) => {
    const handlers = routes.get(`${req.method} ${path}`);
    if (!handlers) return false;
    // What Express's app gives every request and response that the handlers read: the URL as it came, `locals`.
    const request = Object.assign(req, { originalUrl: req.url ?? '', bodyIsGateways: true as const });
    const response = Object.assign(res, { locals: Object.create(null) as Record<string, unknown> });
    runHandlers(handlers, hot.onError, request, response, (error) => unanswered(response, error));
    return true;
  };
  return Object.defineProperty(handler, RUN_WITHOUT_EXPRESS, { value: runWithoutExpress });
}

/**
 * A node:http listener that serves a gateway's hot routes (`POST /v1/chat/completions`, `POST /v1/embeddings`, spelt
 * exactly so, below `mountPath`) on node:http's own request and response, and hands every other request to
 * `fallback` (the Express app the gateway is mounted in at `mountPath`). Express gives each request and response
 * prototypes of its own, and Node's HTTP code then runs slower on them: with the app's routing, a quarter to a third
 * of a JSON chat's CPU (bench/findings.md, change 23). Nothing of the app runs before the hot routes, so this is for a
 * server that is the gateway alone (`insforge-ai serve`, the fetch handler); a gateway with an `authenticate` hook
 * (which reads an Express request) sends everything to `fallback`.
 * @example
 * const app = express();
 * app.use('/', gateway);
 * const listener = hotRoutesListener(gateway, app);
 * createServer(listener).on('checkContinue', continueOnRead(listener)).listen(8080);
 */
export function hotRoutesListener(gateway: object, fallback: RequestListener, mountPath = '/'): RequestListener {
  const run = (gateway as { [RUN_WITHOUT_EXPRESS]?: PlainRunner })[RUN_WITHOUT_EXPRESS];
  if (!run) return fallback;
  // `/api/ai`, `api/ai/` and `/api/ai/` are one mount; `/` (or '') is the root.
  const trimmed = mountPath.replace(/^\/+|\/+$/g, '');
  const prefix = trimmed === '' ? '' : `/${trimmed}`;
  return (req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith(`${prefix}/`) || !run(req, res, url.slice(prefix.length))) fallback(req, res);
  };
}

/** What Express's final handler does with what the hot route's handlers passed on: a 404, or the error's answer. */
function unanswered(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    if (error !== undefined) res.destroy();
    return;
  }
  sendGatewayError(res, error === undefined ? new GatewayError('not_found', 'No route for this request.') : new GatewayError('internal_error', 'The gateway failed to handle the request.'));
}

function runHandlers(handlers: PlainHandler[], onError: PlainErrorHandler[], req: PlainRequest, res: PlainResponse, done: Next): void {
  let index = 0;
  let errorIndex = 0;
  const fail = (error: unknown): void => {
    const handler = onError[errorIndex++];
    if (!handler) return done(error);
    invoke(() => handler(error, req, res, afterError), fail);
  };
  // An error handler that calls `next()` without an error ends the list: nothing comes after the error handlers. A
  // route handler that calls `next()` (none of the gateway's does) passes the request on to the caller's `next`.
  const afterError = (error?: unknown): void => (isError(error) ? fail(error) : done());
  const next = (error?: unknown): void => {
    if (error === 'router' || error === 'route') return done();
    if (isError(error)) return fail(error);
    const handler = handlers[index++];
    if (!handler) return done();
    invoke(() => handler(req, res, next), fail);
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
