import { useCallback, useState } from 'react';

/**
 * The conversation a chat page shows for one signed-in user, remembered across reloads: "New chat" moves to a
 * new id, and the next visit opens that one again. Each user has their own (the key names them).
 */
export function useConversationId(page: string, userId: string): [string, (id: string) => void] {
  const key = `insforge-demo-conversation:${page}:${userId}`;
  const [id, setId] = useState(() => {
    try {
      return localStorage.getItem(key) ?? `demo-${page}`;
    } catch {
      return `demo-${page}`;
    }
  });
  const change = useCallback(
    (next: string) => {
      setId(next);
      try {
        localStorage.setItem(key, next);
      } catch {
        // Private mode without storage: the new conversation lasts for this visit.
      }
    },
    [key],
  );
  return [id, change];
}
