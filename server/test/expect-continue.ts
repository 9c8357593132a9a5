import { connect } from 'node:net';

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
