import type { Identity } from './identity.js';

/** Whose data: one project's caller, by kind (`user:<id>`, `key:<client key id>` or `anonymous`). */
export interface Owner {
  projectId: string;
  owner: string;
}

/**
 * The owner of what a caller keeps (conversations, files): the project's signed-in user, else the client key, else
 * the shared `anonymous`; named by kind, so a user id can never equal a client key's id.
 *
 * @example
 * ownerOf({ projectId: 'default', userId: 'u1', role: 'user' }); // { projectId: 'default', owner: 'user:u1' }
 */
export const ownerOf = (identity: Identity): Owner => ({
  projectId: identity.projectId,
  owner: identity.userId !== undefined ? `user:${identity.userId}` : identity.clientKeyId !== undefined ? `key:${identity.clientKeyId}` : 'anonymous',
});

/**
 * The identity an owner stands for, as `ownerOf` named it: what a request that proves ownership without signing in
 * (a signed file URL) is counted against by the rate limits.
 *
 * @example
 * identityOfOwner({ projectId: 'default', owner: 'key:mobile' }); // { projectId: 'default', role: 'user', clientKeyId: 'mobile' }
 */
export function identityOfOwner(owner: Owner): Identity {
  const identity: Identity = { projectId: owner.projectId, role: 'user' };
  if (owner.owner.startsWith('user:')) identity.userId = owner.owner.slice('user:'.length);
  else if (owner.owner.startsWith('key:')) identity.clientKeyId = owner.owner.slice('key:'.length);
  return identity;
}

/**
 * How the per-user limits name a caller: its user id, or `key:<id>` for a client key's calls without a user. A user
 * id that itself begins with `key:` or `user:` is named `user:<id>`, so no user shares the counters or the override
 * of a client key (a user `key:mobile` is `user:key:mobile`, the key `mobile` is `key:mobile`), nor of another user.
 * Undefined for a caller with neither (the admin token).
 *
 * @example
 * limitsCallerOf('u-42', undefined); // 'u-42'
 * limitsCallerOf(undefined, 'mobile'); // 'key:mobile'
 * limitsCallerOf('key:mobile', undefined); // 'user:key:mobile'
 */
export function limitsCallerOf(userId: string | null | undefined, clientKeyId: string | null | undefined): string | undefined {
  if (userId !== null && userId !== undefined) return userId.startsWith('key:') || userId.startsWith('user:') ? `user:${userId}` : userId;
  return clientKeyId !== null && clientKeyId !== undefined ? `key:${clientKeyId}` : undefined;
}
