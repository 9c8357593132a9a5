'use client';
import { useEffect } from 'react';

/**
 * Asks the browser to confirm leaving the page while `active` (unsaved edits): browsers show their own wording,
 * `message` is for the few that still show the page's.
 *
 * @example
 * useBeforeUnload(open && dirty, 'You have unsaved AI settings.');
 */
export function useBeforeUnload(active: boolean, message: string): void {
  useEffect(() => {
    if (!active) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers confirm only when returnValue is set.
      event.returnValue = message;
      return message;
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [active, message]);
}
