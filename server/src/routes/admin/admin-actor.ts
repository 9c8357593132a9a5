import type { Identity } from '../../auth/identity.js';

/** Who an audit entry names for an admin request: the signed-in user, else the client key, else `admin`. */
export const adminActor = (identity: Identity): string => identity.userId ?? identity.clientKeyId ?? 'admin';
