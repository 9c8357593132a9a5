'use client';
import { useEffect, useState } from 'react';
import { toAiError } from '../core/errors.js';
import { useAiContext } from './ai-provider.js';

/** `checking` until the gateway answers; `denied` when it refuses the caller its admin routes (or has none). */
export type AdminAccess = 'checking' | 'granted' | 'denied';

const DENIED_CODES = new Set(['unauthorized', 'forbidden', 'admin_unavailable']);

/**
 * Whether the signed-in caller may use the gateway's admin routes, asked once per client with the cheapest admin
 * read (the feature list). A failure that says nothing about permission (offline, a 5xx) counts as granted, so the
 * admin still reaches the dialog that explains it.
 *
 * @example
 * const access = useAdminAccess();
 * return access === 'granted' ? <SettingsDialog trigger={<button type="button">AI settings</button>} /> : null;
 */
export function useAdminAccess(): AdminAccess {
  const { client } = useAiContext('useAdminAccess');
  const [answer, setAnswer] = useState<{ client: typeof client; access: AdminAccess }>({ client, access: 'checking' });
  useEffect(() => {
    const abort = new AbortController();
    client.features.list({ signal: abort.signal }).then(
      () => setAnswer({ client, access: 'granted' }),
      (thrown: unknown) => {
        if (abort.signal.aborted) return;
        setAnswer({ client, access: DENIED_CODES.has(toAiError(thrown, { admin: true }).code) ? 'denied' : 'granted' });
      },
    );
    return () => abort.abort();
  }, [client]);
  // A new client (another sign-in) is checked again from scratch.
  return answer.client === client ? answer.access : 'checking';
}
