import express from 'express';
import { createAiGateway, type AiGateway, type AiGatewayOptions } from './create-ai-gateway.js';
import { bridge } from './in-process-request.js';
import { hotRoutesListener } from './routes/hot-routes.js';

export interface AiFetchHandlerOptions extends AiGatewayOptions {
  /**
   * The path the handler is served under, e.g. `/api/ai` for a Next.js route file at `app/api/ai/[...path]/route.ts`
   * (clients then use `/api/ai` as their base URL). Default: `/`.
   */
  basePath?: string;
}

/** A Web-standard handler, `(request) => Promise<Response>`, with the gateway behind it. */
export interface AiFetchHandler {
  (request: Request): Promise<Response>;
  readonly gateway: AiGateway;
  /** As `AiGateway.drain` then `close`: ends what runs cleanly, writes the usage ledger, closes connections. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The gateway as a Web-standard fetch handler, for Next.js route handlers (Node runtime), Hono and any server that
 * speaks `Request`/`Response`. It runs the same router as `createAiGateway` — the same lifecycle, limits, ledger and
 * errors — through an in-process bridge: streams stream, and a client that goes away (the request's signal aborts
 * or the response body is cancelled) aborts the upstream call and is recorded as cancelled.
 * @example
 * // app/api/ai/[...path]/route.ts
 * const handler = createAiFetchHandler({ basePath: '/api/ai', features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }] });
 * export const runtime = 'nodejs';
 * export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };
 */
export function createAiFetchHandler(options: AiFetchHandlerOptions = {}): AiFetchHandler {
  const { basePath = '/', ...gatewayOptions } = options;
  const mount = `/${basePath.replace(/^\/+|\/+$/g, '')}`;
  const gateway = createAiGateway(gatewayOptions);
  const app = express();
  app.disable('x-powered-by');
  app.use(mount, gateway);
  // The hot routes skip the app (no Express prototypes); everything else goes through it.
  const listener = hotRoutesListener(gateway, app, mount);
  const handler = (request: Request) => bridge(listener, request);
  Object.defineProperty(handler, 'gateway', { value: gateway });
  Object.defineProperty(handler, 'close', {
    value: async (graceMs = 10_000) => {
      await gateway.drain(graceMs);
      await gateway.close();
    },
  });
  return handler as AiFetchHandler;
}
