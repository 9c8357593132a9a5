import { useCallback, useSyncExternalStore } from 'react';

/** The demo's pages, by path. */
export const PAGES = [
  { path: '/chat', label: 'Chat' },
  { path: '/code', label: 'Code' },
  { path: '/summarize', label: 'Summarize' },
  { path: '/images', label: 'Images' },
  { path: '/admin', label: 'Admin' },
] as const;

export type PagePath = (typeof PAGES)[number]['path'];

const subscribe = (listener: () => void) => {
  window.addEventListener('popstate', listener);
  return () => window.removeEventListener('popstate', listener);
};

const currentPage = (): PagePath => PAGES.find((page) => page.path === window.location.pathname)?.path ?? '/chat';

/** A history-API router small enough for five pages: the current page and a way to go to another. */
export function usePage(): [PagePath, (path: PagePath) => void] {
  const page = useSyncExternalStore(subscribe, currentPage, () => '/chat' as const);
  const navigate = useCallback((path: PagePath) => {
    window.history.pushState(null, '', path);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, []);
  return [page, navigate];
}
