import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a scripted upstream answers: its status and headers, then its body in the reads given, `pauseMs` apart. */
export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  reads: Array<string | Buffer>;
  pauseMs?: number;
  /** Leaves the answer open after its reads, until the gateway hangs up or the upstream closes. */
  holdOpen?: boolean;
}

export interface ScriptedUpstream {
  /** The base URL to give the gateway as OpenRouter's (`…/api/v1`). */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * OpenRouter for a test that decides some answers itself: `script` answers a request, or leaves it (undefined) to the
 * emulator at `relayTo()`, which may be known only once the harness started (its catalog, keys, generations).
 */
export async function startScriptedUpstream(script: (request: { method: string; path: string; body: Buffer }) => ScriptedAnswer | undefined, relayTo: () => string): Promise<ScriptedUpstream> {
  const server = createServer((req, res) => {
    void (async () => {
      const pieces: Buffer[] = [];
      for await (const piece of req) pieces.push(piece as Buffer);
      const body = Buffer.concat(pieces);
      const path = req.url?.replace(/^\/api\/v1/, '') ?? '';
      const answer = script({ method: req.method ?? 'GET', path, body });
      if (answer) {
        res.writeHead(answer.status ?? 200, answer.headers ?? { 'content-type': 'application/json' });
        for (const [index, read] of answer.reads.entries()) {
          if (index > 0 && answer.pauseMs) await new Promise((resolve) => setTimeout(resolve, answer.pauseMs));
          res.write(read);
        }
        if (!answer.holdOpen) res.end();
        return;
      }
      const relayed = await fetch(`${relayTo()}${path}`, {
        method: req.method ?? 'GET',
        headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
        ...(body.length > 0 ? { body } : {}),
      });
      res.writeHead(relayed.status, { 'content-type': relayed.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await relayed.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * The last message's text of a chat completion request a scripted upstream received, or undefined for any other
 * request: what a script picks its answer by.
 * @example
 * startScriptedUpstream((request) => { const asked = lastChatMessage(request); return asked === undefined ? undefined : answerTo(asked); }, relay);
 */
export function lastChatMessage({ method, path, body }: { method: string; path: string; body: Buffer }): string | undefined {
  if (method !== 'POST' || path !== '/chat/completions') return undefined;
  const request = JSON.parse(body.toString('utf8')) as { messages: Array<{ content: string }> };
  return request.messages.at(-1)?.content ?? '';
}
