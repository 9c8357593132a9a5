import type { Identity } from '../../auth/identity.js';

/** Who an audit entry names for an admin request: the signed-in user, else the client key, else `admin`. */
export const adminActor = (identity: Identity): string => identity.userId ?? identity.clientKeyId ?? 'admin';

/** Epoch milliseconds as the ISO strings the admin API answers with; `null` stays `null`. */
export function isoTime(epochMs: number): string;
export function isoTime(epochMs: number | null): string | null;
export function isoTime(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}
