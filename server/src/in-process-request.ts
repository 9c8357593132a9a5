import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** How many bytes of a Response's body may wait unread before writes say to wait (a socket's buffer, about). */
const BODY_QUEUE_BYTES = 64 * 1024;

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
  // The address the request came to is its URL's: over TLS when it is https (what `req.protocol` reads), at its host
  // when no Host header came with it (the signed file URLs the gateway answers are built from both).
  const socket = Object.assign(new Socket(), { encrypted: url.protocol === 'https:' });
  const req = new IncomingMessage(socket);
  req.method = request.method;
  req.url = `${url.pathname}${url.search}`;
  req.headers = { host: url.host, ...Object.fromEntries(request.headers) };
  // The body is read as the handler reads it, not first: the gateway's size limit then stops a body that passes it
  // (as it stops one on a socket) instead of the whole upload landing in memory before anything looks at it.
  const body = request.body?.getReader();
  if (body && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) req.headers['transfer-encoding'] = 'chunked';
  const bodyEnded = () => {
    req.complete = true;
    req.push(null);
  };
  if (!body) bodyEnded();
  else {
    const readMessage = req._read.bind(req);
    req._read = (size) => {
      // IncomingMessage's own first: it marks the message as being read, without which Readable asks for one chunk only.
      readMessage(size);
      body.read().then(
        ({ done, value }) => {
          if (closed) return;
          if (done) bodyEnded();
          else req.push(value);
        },
        (error: unknown) => req.destroy(error instanceof Error ? error : new Error('The request body could not be read.')),
      );
    };
  }

  const res = new ServerResponse(req);
  let headed: (response: Response) => void = () => undefined;
  let refused: (reason: unknown) => void = () => undefined;
  const head = new Promise<Response>((resolve, reject) => {
    headed = resolve;
    refused = reject;
  });
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  let closed = false;
  /** Whether the body's queue held its fill when last written (`writableNeedDrain`): 'drain' comes once it is read. */
  let needDrain = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (control) => void (controller = control),
      // The reader took some: a handler waiting for the queue to empty (a stream holding the upstream back) goes on.
      pull: () => {
        if (!needDrain) return;
        needDrain = false;
        res.emit('drain');
      },
      cancel: () => close(),
    },
    // As a socket's buffer: past this many bytes unread, writes answer false and the stream waits for 'drain'.
    { highWaterMark: BODY_QUEUE_BYTES, size: (chunk) => chunk.byteLength },
  );
  const close = () => {
    if (closed) return;
    closed = true;
    // What the handler left unread of the body (an answer that came before it, a 413) is not read at all; a handler
    // still to read it learns, as from a socket, that the client went away.
    if (body && !req.complete) {
      void body.cancel().catch(() => undefined);
      req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    }
    res.emit('close');
    req.emit('close');
    // Gone before its answer began: the caller is told as `fetch` tells it, and nothing waits for a head for ever.
    if (!headSent) refused(request.signal.reason ?? new DOMException('The request was aborted.', 'AbortError'));
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
    // Read by the gateway to see a client that went away before a handler began (as `closed` of a socket's response).
    closed: { get: () => closed },
    writableEnded: { get: () => ended },
    writableNeedDrain: { get: () => needDrain && !closed && !ended },
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
        needDrain = !closed && !ended && (controller.desiredSize ?? 0) <= 0;
        return !needDrain;
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
