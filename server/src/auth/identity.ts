import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import { GatewayError } from '../errors.js';

/** Who is calling: the project whose features and quotas apply, the end user, and their role. */
export interface Identity {
  projectId: string;
  userId?: string;
  role: 'admin' | 'user';
  /** Set when a bearer client key authenticated the request. */
  clientKeyId?: string;
}

/** Maps the host app's own session or JWT to an identity; `undefined` means "not signed in here". */
export type Authenticate = (req: Request) => Identity | undefined | null | Promise<Identity | undefined | null>;

/** Verifies bearer client keys (the built-in alternative to `authenticate`). */
export interface ClientKeyVerifier {
  verify(token: string): Promise<Identity | undefined>;
}

export interface StaticClientKey {
  key: string;
  projectId?: string;
  userId?: string;
  role?: Identity['role'];
  /** A name for logs and usage records; defaults to the key's hash prefix. */
  id?: string;
}

const digest = (text: string) => hash('sha256', text, 'buffer');

/** Client keys given in options or the environment, compared in constant time through their hashes. */
export function staticClientKeys(keys: StaticClientKey[], defaultProjectId: string): ClientKeyVerifier {
  const entries = keys.map((entry) => {
    const keyHash = digest(entry.key);
    return { hash: keyHash, entry, clientKeyId: entry.id ?? `key_${keyHash.toString('hex').slice(0, 8)}` };
  });
  return {
    async verify(token) {
      const tokenHash = digest(token);
      const match = entries.find((candidate) => timingSafeEqual(candidate.hash, tokenHash));
      if (!match) return undefined;
      const { entry } = match;
      const identity: Identity = { projectId: entry.projectId ?? defaultProjectId, role: entry.role ?? 'user', clientKeyId: match.clientKeyId };
      if (entry.userId !== undefined) identity.userId = entry.userId;
      return identity;
    },
  };
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/**
 * The host's `authenticate` first, then bearer client keys; 401 when neither knows the caller. Without a hook, only
 * the request's headers are read, so a request that never went through Express (the hot routes of
 * `hotRoutesListener`) is identified the same way.
 */
export async function identify(req: IncomingMessage, authenticate: Authenticate | undefined, keys: ClientKeyVerifier): Promise<Identity> {
  // The host's hook gets what its app gave the gateway: an Express request. Requests that skip Express
  // (`hotRoutesListener`: `insforge-ai serve`, the fetch handler) come only to a gateway without a hook.
  const fromHost = authenticate ? await authenticate(req as Request) : undefined;
  if (fromHost) {
    // The host often reads these from what the client sent (a header, a token's claims); a NUL could never be stored.
    if ([fromHost.projectId, fromHost.userId].some((id) => typeof id === 'string' && id.includes('\u0000'))) {
      throw new GatewayError('invalid_request', 'The caller\'s user or project id contains a NUL character (\\u0000), which the gateway cannot store.');
    }
    return fromHost;
  }
  const token = bearerToken(req);
  const fromKey = token ? await keys.verify(token) : undefined;
  if (fromKey) return fromKey;
  throw new GatewayError('unauthorized', token ? 'The API key is not valid.' : 'Sign in or send an API key (Authorization: Bearer <key>).');
}
