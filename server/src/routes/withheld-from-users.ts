import type { Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import type { GatewayLogger } from '../logger.js';
import type { PlainErrorHandler } from '../plain-http.js';

/** What a user is told when the gateway's own configuration is broken: nothing they could act on or misuse. */
export const UNAVAILABLE_FOR_USERS = 'AI is not available right now; an administrator has been notified.';

const LOG_INTERVAL_MS = 60_000;

/**
 * A failure of the gateway's configuration that only an administrator can fix (a stored OpenRouter key the master
 * key does not open): users get a generic 503 `service_unavailable`; `detail` (which variable to set) goes to the
 * log and, through `revealToAdmins`, to admin callers.
 */
export class WithheldFromUsersError extends GatewayError {
  constructor(readonly detail: GatewayError) {
    super('service_unavailable', UNAVAILABLE_FOR_USERS, { cause: detail, retryAfterSeconds: 60 });
    this.name = 'WithheldFromUsersError';
  }
}

/**
 * Turns a failure to read a project's stored OpenRouter key into a `WithheldFromUsersError`, logging its detail
 * at most once a minute per project (every request fails the same way until an admin acts); other errors pass.
 * @example
 * const withhold = keyFailureWithholder(logger);
 * try { return await providerKeys.secret(projectId); } catch (error) { throw withhold(projectId, error); }
 */
export function keyFailureWithholder(logger: GatewayLogger, intervalMs = LOG_INTERVAL_MS): (projectId: string, error: unknown) => unknown {
  const loggedAt = new Map<string, number>();
  return (projectId, error) => {
    if (!(error instanceof GatewayError) || error.code !== 'encryption_key_missing') return error;
    const now = Date.now();
    if (now - (loggedAt.get(projectId) ?? -Infinity) >= intervalMs) {
      if (loggedAt.size > 1_000) loggedAt.clear();
      loggedAt.set(projectId, now);
      logger.error('AI requests fail: the stored OpenRouter key cannot be used', { projectId, reason: error.message });
    }
    return new WithheldFromUsersError(error);
  };
}

/**
 * An error handler placed before the gateway's last one: an admin caller gets the detail of a
 * `WithheldFromUsersError` (what to set, and where), everyone else the generic 503.
 */
export const revealToAdmins: PlainErrorHandler = (error, _req, res, next) => {
  const identity = res.locals['identity'] as Identity | undefined;
  next(error instanceof WithheldFromUsersError && identity?.role === 'admin' ? error.detail : error);
};
