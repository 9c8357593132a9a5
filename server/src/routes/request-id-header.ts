import type { PlainHandler, PlainResponse } from '../plain-http.js';
import { newRequestId } from '../usage/request-id.js';

/** Where `res.locals` keeps the request's id. */
const REQUEST_ID = 'requestId';

/**
 * Gives the request its id and its answer an `x-request-id` header that carries it, whatever the answer: a refusal
 * before the caller is known (401) as much as a completion. A metered request's usage record keeps the same id, so it
 * is what a client quotes when it asks why a request failed.
 * @example
 * router.use(requestIdHeader, identityMiddleware(context, parseBody));
 */
export const requestIdHeader: PlainHandler = (_req, res, next) => {
  const requestId = newRequestId();
  res.locals[REQUEST_ID] = requestId;
  res.setHeader('x-request-id', requestId);
  next();
};

/** The id `requestIdHeader` gave the request; undefined where it did not run. */
export function requestIdOf(res: Pick<PlainResponse, 'locals'>): string | undefined {
  const requestId = res.locals[REQUEST_ID];
  return typeof requestId === 'string' ? requestId : undefined;
}
