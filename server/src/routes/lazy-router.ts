import type { RequestHandler, Router } from 'express';

/**
 * A router for a gateway whose stores are still opening: `build` runs once, when `ready` resolves, and requests
 * that arrive before then wait for it. A failure to open reaches the error handler of every request.
 *
 * @example
 * router.use(lazyRouter(ready, (stores) => conversationsRouter(stores.conversations)));
 */
export function lazyRouter<T>(ready: Promise<T>, build: (value: T) => Router): RequestHandler {
  let router: Promise<Router> | undefined;
  return async function lazyRoutes(req, res, next) {
    router ??= ready.then(build);
    (await router)(req, res, next);
  };
}
