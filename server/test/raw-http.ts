import { connect, type Socket } from 'node:net';

/**
 * The status line of a request that announces a 10 MB JSON body and sends its first kilobyte only: the answer can
 * come only from a gateway that did not wait for the rest of the body, so never parsed it (`no answer before the
 * body` when none came within 5 s). `headers` are whole lines (`Authorization: …\r\n`), or empty.
 */
export function answerToAnnouncedBody(url: string, method: string, path: string, headers: string): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${method} ${pathname.replace(/\/$/, '')}${path} HTTP/1.1\r\nHost: ${hostname}\r\n${headers}Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"model":"chat","messages":[${'{"role":"user","content":"x"},'.repeat(35)}`);
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.slice(0, answer.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve('no answer before the body');
    });
  });
}

/**
 * Sends a request with `Expect: 100-continue` as a careful client does: the headers, then the body only after a
 * `100 Continue`. Resolves with the status line of each answer, in order (`timeout` when none came).
 */
export function askToContinue(url: string, head: string, body: string): Promise<string[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let received = '';
    const socket = connect(Number(port), hostname, () => socket.write(`${head}Expect: 100-continue\r\n\r\n`));
    const done = () => {
      socket.destroy();
      resolve(lines);
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      while (received.includes('\r\n')) {
        const line = received.slice(0, received.indexOf('\r\n'));
        lines.push(line);
        if (line !== 'HTTP/1.1 100 Continue') return done();
        // The interim answer ends with an empty line; the body goes after it.
        received = received.slice(received.indexOf('\r\n\r\n') + 4);
        socket.write(body);
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => {
      lines.push('timeout');
      done();
    });
  });
}

/**
 * Sends a request on a raw socket and never reads the answer (the socket is paused): a client that stalls, whose
 * answer waits in the server. Resolves with the socket once the request is sent; destroy it to leave.
 * `headers` are whole lines (`Authorization: …\r\n`); a `body` gets its Content-Length.
 */
export function neverReadingRequest(url: string, { method = 'GET', headers = '', body = '' }: { method?: string; headers?: string; body?: string } = {}): Promise<Socket> {
  const target = new URL(url);
  const length = body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : '';
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname, () => {
      socket.write(`${method} ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${headers}${length}\r\n${body}`, () => resolve(socket));
    });
    // Before it is sent, a failure to connect; after, the reset of a socket destroyed on purpose.
    socket.on('error', reject);
    socket.pause();
  });
}
