import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import express, { type Response } from 'express';

// Express's request and response methods (`res.json`, `req.get`…) read their app's settings: one app serves them all.
const app = express();

/** A response nobody receives over HTTP: what the stages of a batch item write is kept as text. */
export interface DetachedResponse {
  res: Response;
  /** Everything written so far. */
  text(): string;
}

/**
 * An Express response without a socket, for the stages before forwarding (a cache that answers in place) when a
 * request comes from a batch job instead of an HTTP client: its bytes are collected, not sent.
 * @example
 * const { res, text } = detachedResponse();
 * res.status(200).json({ ok: true });
 * JSON.parse(text());
 */
export function detachedResponse(): DetachedResponse {
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  req.url = '/';
  req.headers = {};
  Object.setPrototypeOf(req, app.request);
  const res = new ServerResponse(req);
  Object.setPrototypeOf(res, app.response);
  const chunks: Buffer[] = [];
  let headSent = false;
  let ended = false;
  const keep = (chunk: unknown, encoding?: unknown) => {
    headSent = true;
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const callbackOf = (...args: unknown[]) => args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
  Object.defineProperties(res, {
    req: { value: req },
    locals: { value: {} },
    headersSent: { get: () => headSent },
    writableEnded: { get: () => ended },
    writeHead: {
      value(status: number) {
        res.statusCode = status;
        headSent = true;
        return res;
      },
    },
    write: {
      value(chunk: unknown, encoding?: unknown, callback?: unknown) {
        if (!ended) keep(chunk, encoding);
        callbackOf(encoding, callback)?.();
        return true;
      },
    },
    end: {
      value(chunk?: unknown, encoding?: unknown, callback?: unknown) {
        if (ended) return res;
        if (typeof chunk !== 'function') keep(chunk, encoding);
        headSent = true;
        ended = true;
        callbackOf(chunk, encoding, callback)?.();
        res.emit('finish');
        res.emit('close');
        return res;
      },
    },
  });
  return { res: res as unknown as Response, text: () => Buffer.concat(chunks).toString('utf8') };
}
