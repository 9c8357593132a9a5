import { createContext, useContext, type Context } from 'react';

/**
 * A context for the parts of one compound component: its hook throws "`Part` must be used within `Root`" when a
 * part is rendered outside its root, instead of failing later on an undefined value.
 *
 * @example
 * const [MessageContext, useMessageContext] = createScopedContext<MessageValue>('Message.Root');
 * const message = useMessageContext('Message.Content');
 */
export function createScopedContext<T>(root: string): [Context<T | null>, (part: string) => T] {
  const ScopedContext = createContext<T | null>(null);
  ScopedContext.displayName = `${root}Context`;
  function useScopedContext(part: string): T {
    const value = useContext(ScopedContext);
    if (value === null) throw new Error(`\`${part}\` must be used within \`${root}\``);
    return value;
  }
  return [ScopedContext, useScopedContext];
}
