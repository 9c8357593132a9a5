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
