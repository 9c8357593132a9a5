import { useCallback, useSyncExternalStore } from 'react';

/** Who the demo's sign-in switch says you are; sent as `x-demo-role`, read by the server's `authenticate`. */
export type DemoRole = 'user' | 'admin';

const STORAGE_KEY = 'insforge-demo-role';
const listeners = new Set<() => void>();

/** The role the switch holds now (what every request is sent as). */
export function readRole(): DemoRole {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'admin' ? 'admin' : 'user';
  } catch {
    return 'user';
  }
}

/** The user id the demo's server gives each role (see `authenticate` in server.ts): whose conversations are shown. */
export const demoUserId = (role: DemoRole): string => (role === 'admin' ? 'demo-admin' : 'demo-user');

/** The current role (remembered in localStorage), and a setter every component hears. */
export function useDemoRole(): [DemoRole, (role: DemoRole) => void] {
  const role = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    readRole,
    () => 'user' as const,
  );
  const setRole = useCallback((next: DemoRole) => {
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode without storage: the switch still works for this page.
    }
    for (const listener of listeners) listener();
  }, []);
  return [role, setRole];
}
