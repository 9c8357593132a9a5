import type { RequestListener } from 'node:http';

/**
 * A node:http server's `checkContinue` listener: serves a request sent with `Expect: 100-continue` with `listener`,
 * and sends its `100 Continue` only when something starts reading the body. Node's server sends it as soon as the
 * headers arrive, so the client sends its body even to a handler that answers without reading it; with this, a caller
 * the gateway refuses from its headers alone (no valid credentials: 401; a JSON body announced past `maxBodyBytes`:
 * 413) gets that answer instead, and never sends the body. Nothing changes for a handler that reads the body.
 * @example
 * const listener = hotRoutesListener(gateway, app);
 * createServer(listener).on('checkContinue', continueOnRead(listener)).listen(8080);
 */
export function continueOnRead(listener: RequestListener): RequestListener {
  return (req, res) => {
    // Readable calls `_read` when a reader first asks for data (a `data` listener, `pipe`, `read()`); after the answer
    // Node only drains what the client sends anyway, which needs no 100 either.
    const read = req._read.bind(req);
    req._read = (size) => {
      req._read = read;
      if (!res.headersSent) res.writeContinue();
      read(size);
    };
    listener(req, res);
  };
}
