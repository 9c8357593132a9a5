import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** A Node request handler, as an Express app or router is. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Runs a Node request handler on a `Request` and answers its output as a streamed `Response`, without a socket: the
 * fetch handler serves the gateway this way, and the MCP server calls the gateway's own API through it.
 * @example
 * const response = await bridge(app, new Request('http://gateway.local/health'));
 */
export async function bridge(app: NodeHandler, request: Request): Promise<Response> {
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
