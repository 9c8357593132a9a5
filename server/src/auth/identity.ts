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

/**
 * Maps the host app's own session or JWT to an identity; `undefined` means "not signed in here". It is asked before
 * the gateway reads the request's body, so that a caller nobody knows is refused without it: `req.body` is what the
 * host app parsed in front of the gateway, else `undefined`. A hook that reads `req.body` while it is `undefined` is
 * asked a second time, once the gateway has read the body, and that answer counts (the first one, or what it threw,
 * does not); such a hook has every body read, an unknown caller's included.
 * @example
 * const authenticate: Authenticate = async (req) => {
 *   const claims = await verifySessionToken(req.headers.authorization);
 *   return claims && { projectId: 'default', userId: claims.sub, role: claims.admin ? 'admin' : 'user' };
 * };
 */
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
 * The client key a request carries: its bearer token, else its `x-api-key` header, where Anthropic's clients (the AI
 * SDK's Anthropic provider, older `@anthropic-ai/sdk` versions, tools configured with an Anthropic API key) send it.
 */
export function clientKeyOf(req: IncomingMessage): string | undefined {
  const bearer = bearerToken(req);
  if (bearer !== undefined) return bearer;
  const header = req.headers['x-api-key'];
  const key = typeof header === 'string' ? header.trim() : undefined;
  return key && !/\s/.test(key) ? key : undefined;
}

/**
 * The host's `authenticate` first, then client keys (a bearer token, or `x-api-key`); 401 when neither knows the caller. Without a hook, only
 * the request's headers are read, so a request that never went through Express (the hot routes of
 * `hotRoutesListener`) is identified the same way. `readBody`, given for a request whose body nothing has read yet,
 * reads it: only when the hook looks at the body (`askHost`).
 */
export async function identify(req: IncomingMessage, authenticate: Authenticate | undefined, keys: ClientKeyVerifier, readBody?: () => Promise<void>): Promise<Identity> {
  // The host's hook gets what its app gave the gateway: an Express request. Requests that skip Express
  // (`hotRoutesListener`: `insforge-ai serve`, the fetch handler) come only to a gateway without a hook.
  const fromHost = authenticate ? await askHost(req as Request, authenticate, readBody) : undefined;
  if (fromHost) {
    // The host often reads these from what the client sent (a header, a token's claims); a NUL could never be stored.
    if ([fromHost.projectId, fromHost.userId].some((id) => typeof id === 'string' && id.includes('\u0000'))) {
      throw new GatewayError('invalid_request', 'The caller\'s user or project id contains a NUL character (\\u0000), which the gateway cannot store.');
    }
    return fromHost;
  }
  const token = clientKeyOf(req);
  const fromKey = token ? await keys.verify(token) : undefined;
  if (fromKey) return fromKey;
  throw new GatewayError('unauthorized', token ? 'The API key is not valid.' : 'Sign in or send an API key (Authorization: Bearer <key>, or x-api-key: <key>).');
}

/**
 * The host hook's answer, without reading the body for it when it does not look: a request whose body nothing read
 * yet (`readBody` given: the host app ran no parser before the gateway) is shown to the hook with `req.body`
 * undefined, and only when the hook read `req.body` (or failed after reading it) is the body read and the hook asked
 * again, with the body. So a hook that reads headers or cookies costs an unknown caller nothing but the headers, and
 * one that reads the body still gets it.
 */
async function askHost(req: Request, authenticate: Authenticate, readBody: (() => Promise<void>) | undefined): Promise<Identity | undefined | null> {
  if (!readBody) return authenticate(req);
  const before = Object.getOwnPropertyDescriptor(req, 'body');
  let looked = false;
  const get = () => {
    looked = true;
    return undefined;
  };
  // A hook that sets `req.body` keeps what it set.
  const set = (value: unknown) => Object.defineProperty(req, 'body', { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(req, 'body', { get, set, enumerable: true, configurable: true });
  let answer: Identity | undefined | null;
  try {
    answer = await authenticate(req);
  } catch (error) {
    // A hook that reads `req.body.token` fails on a body it was not given: it is asked again with it.
    if (!looked) throw error;
  } finally {
    if (Object.getOwnPropertyDescriptor(req, 'body')?.get === get) {
      if (before) Object.defineProperty(req, 'body', before);
      else delete (req as { body?: unknown }).body;
    }
  }
  if (!looked) return answer;
  await readBody();
  return authenticate(req);
}
