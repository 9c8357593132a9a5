import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import express from 'express';
import { createAiGateway, type AiGateway, type AiGatewayOptions } from './create-ai-gateway.js';

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
  const handler = (request: Request) => bridge(app, request);
  Object.defineProperty(handler, 'gateway', { value: gateway });
  Object.defineProperty(handler, 'close', {
    value: async (graceMs = 10_000) => {
      await gateway.drain(graceMs);
      await gateway.close();
    },
  });
  return handler as AiFetchHandler;
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Runs a Node request handler on a `Request` and answers its output as a streamed `Response`. */
async function bridge(app: NodeHandler, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const socket = new Socket();
  const req = new IncomingMessage(socket);
  req.method = request.method;
  req.url = `${url.pathname}${url.search}`;
  req.headers = Object.fromEntries(request.headers);
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  if (body && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) req.headers['content-length'] = String(body.byteLength);
  if (body) req.push(body);
  req.push(null);

  const res = new ServerResponse(req);
  let headed: (response: Response) => void = () => undefined;
  const head = new Promise<Response>((resolve) => (headed = resolve));
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start: (control) => void (controller = control),
    cancel: () => close(),
  });
  const close = () => {
    if (closed) return;
    closed = true;
    res.emit('close');
    req.emit('close');
  };
  request.signal.addEventListener('abort', close);
  const sendHead = () => {
    if (headSent) return;
    headSent = true;
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.getHeaders())) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, String(item));
    }
    const empty = request.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
    headed(new Response(empty ? null : stream, { status: res.statusCode, statusText: res.statusMessage, headers }));
  };
  let headSent = false;
  const toBytes = (chunk: unknown, encoding?: unknown): Uint8Array | undefined => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
    if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    return chunk as Uint8Array;
  };
  // The response's own writing methods, replaced: its bytes become the body of the Response instead of a socket's.
  Object.defineProperties(res, {
    headersSent: { get: () => headSent },
    writableEnded: { get: () => ended },
    writeHead: {
      value(status: number, ...rest: unknown[]) {
        res.statusCode = status;
        const headers = rest.find((item) => typeof item === 'object' && item !== null);
        if (headers) for (const [name, value] of Object.entries(headers as Record<string, string>)) res.setHeader(name, value);
        sendHead();
        return res;
      },
    },
    write: {
      value(chunk: unknown, encoding?: unknown, callback?: unknown) {
        sendHead();
        const bytes = toBytes(chunk, encoding);
        if (bytes && bytes.byteLength > 0 && !closed && !ended) controller.enqueue(bytes);
        const done = [encoding, callback].find((item) => typeof item === 'function') as (() => void) | undefined;
        done?.();
        return true;
      },
    },
    end: {
      value(chunk?: unknown, encoding?: unknown, callback?: unknown) {
        if (ended) return res;
        sendHead();
        const bytes = toBytes(chunk, encoding);
        if (bytes && bytes.byteLength > 0 && !closed) controller.enqueue(bytes);
        ended = true;
        if (!closed) controller.close();
        const done = [chunk, encoding, callback].find((item) => typeof item === 'function') as (() => void) | undefined;
        done?.();
        res.emit('finish');
        close();
        return res;
      },
    },
  });
  app(req, res);
  return head;
}
