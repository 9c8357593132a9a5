import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long a connection answered before its body was read goes on reading that body, at most, before it closes. */
const LINGER_MS = 2_000;
/** How much more of that body it reads, at most. */
const LINGER_BYTES = 4 * 1024 * 1024;

/**
 * Lets a client still sending a body the gateway refused (a 413 past the limit, a 401 before the body) read the
 * answer. Node closes such a connection as soon as the answer is written (`Connection: close`), and the bytes the
 * client goes on sending then meet a closed socket: the kernel answers them with a reset, which throws away the
 * answer the client had not read yet (it sees EPIPE or ECONNRESET instead of the 413). So the gateway closes its side
 * and reads on, discarding, until the client stops sending or `LINGER_MS` / `LINGER_BYTES` pass, as web servers do
 * (nginx's lingering close). Only for a response on a socket (not one made in process).
 * @example
 * if (res.req?.complete === false) lingerOnClose(res);
 */
export function lingerOnClose(res: ServerResponse): void {
  const socket = res.socket;
  const req = res.req as ServerResponse['req'] | undefined;
  if (!socket || socket.destroyed || !req) return;
  // Node's server calls `destroySoon` once the answer is written, when the connection is not to be kept.
  socket.destroySoon = function lingeringDestroySoon(this: Socket) {
    if (this.writable) this.end();
    let read = 0;
    const close = () => this.destroy();
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    req.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > LINGER_BYTES) close();
    });
    // The client sent its whole body, or closed its side: nothing more to read.
    req.once('end', close);
    this.once('end', close);
  };
}
