'use client';
import { forwardRef, useMemo, useRef, useState, type HTMLAttributes, type Ref } from 'react';
import { defaultChatLabels, type ChatLabels } from '../../components/chat-panel/chat-labels.js';
import type { ChatRuntime } from '../../react/use-chat-runtime.js';
import { composeEventHandlers } from '../compose-event-handlers.js';
import { Slot } from '../slot.js';
import { useShallowStable } from '../use-shallow-stable.js';
import { isBusy, ThreadContext, useThreadSelector, type ThreadContextValue } from './thread-context.js';

export interface ThreadRootProps extends HTMLAttributes<HTMLDivElement> {
  /** The chat: `useChatRuntime({ feature })` (or a `createChatController` of your own). */
  chat: ChatRuntime;
  /** Accessible names and texts of the parts; the English defaults fill the rest. */
  labels?: Partial<ChatLabels> | undefined;
  /** Renders the child element as the root instead of a `div`. */
  asChild?: boolean | undefined;
}

function ThreadStatus({ asChild, onKeyDown, value, rootRef, ...props }: Omit<ThreadRootProps, 'labels' | 'chat'> & { value: ThreadContextValue; rootRef: Ref<HTMLDivElement> }) {
  const status = useThreadSelector('Thread.Root', (state) => state.status);
  const loaded = useThreadSelector('Thread.Root', (state) => state.loaded);
  const Element = asChild ? Slot : 'div';
  return (
    <Element
      ref={rootRef}
      data-status={status}
      data-state={loaded ? 'ready' : 'loading'}
      {...props}
      onKeyDown={composeEventHandlers(onKeyDown, (event) => {
        // Escape stops the answer from anywhere in the thread, unless a part used it (a tooltip, an edit).
        if (event.key !== 'Escape' || !isBusy(value.chat.store.getState().status)) return;
        event.preventDefault();
        value.chat.stop();
        value.focusComposer();
      })}
    />
  );
}

/**
 * The root of a chat built from parts: it gives every part the chat and the labels, carries `data-status`
 * (`ready | submitted | streaming | error`), and stops a streaming answer on Escape.
 *
 * @example
 * const chat = useChatRuntime({ feature: 'support' });
 * <Thread.Root chat={chat}><Thread.Viewport><Thread.Messages components={…} /></Thread.Viewport><Composer.Root>…</Composer.Root></Thread.Root>
 */
export const ThreadRoot = /* @__PURE__ */ forwardRef<HTMLDivElement, ThreadRootProps>(function ThreadRoot({ chat, labels, ...props }, ref) {
  const composerRef = useRef<HTMLTextAreaElement | null>(null);
  const [editors] = useState(() => new Map<string, () => void>());
  const fillComposer = useRef<((text: string) => void) | undefined>(undefined);
  const stableLabels = useShallowStable(labels);
  const merged = useMemo(() => ({ ...defaultChatLabels, ...stableLabels }), [stableLabels]);
  const value = useMemo<ThreadContextValue>(() => ({ chat, labels: merged, composerRef, focusComposer: () => composerRef.current?.focus(), editors, fillComposer }), [chat, merged, editors]);
  return (
    <ThreadContext.Provider value={value}>
      <ThreadStatus rootRef={ref} value={value} {...props} />
    </ThreadContext.Provider>
  );
});
