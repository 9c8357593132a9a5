'use client';
import { createContext, forwardRef, useContext, useMemo, useRef, type ReactNode, type RefObject } from 'react';
import { AiRoot, classes, type AiRootProps } from '../../primitives/ai-root.js';
import type { UseChatResult } from '../../react/use-chat.js';
import { useLatest } from '../../react/use-latest.js';
import { defaultChatLabels, type ChatLabels } from './chat-labels.js';

/** The elements of ChatPanel that take a class name through `classNames`. */
export type ChatSlot =
  | 'root'
  | 'log'
  | 'list'
  | 'message'
  | 'content'
  | 'actions'
  | 'button'
  | 'composer'
  | 'input'
  | 'error'
  | 'modelInfo'
  | 'tooltip'
  | 'jumpToLatest'
  | 'emptyState'
  | 'status';

export type ChatClassNames = Partial<Record<ChatSlot, string>>;

export type ChatActions = Pick<UseChatResult, 'send' | 'stop' | 'regenerate' | 'edit' | 'clear' | 'selectVersion'>;

/** What every part reads that does not change while an answer streams (so memoized messages stay put). */
export interface ChatConfig {
  labels: ChatLabels;
  unstyled: boolean;
  /** The class names of a slot: the own `ia-` class (unless unstyled), then the app's. */
  className(slot: ChatSlot, own: string, ...extra: Array<string | undefined>): string | undefined;
  /** Stable functions that always call the latest chat. */
  actions: ChatActions;
  composerRef: RefObject<HTMLTextAreaElement | null>;
  /** Moves focus to the composer (after send, stop, regenerate, edit). */
  focusComposer(): void;
}

const ChatConfigContext = createContext<ChatConfig | null>(null);
ChatConfigContext.displayName = 'ChatConfigContext';
const ChatStateContext = createContext<UseChatResult | null>(null);
ChatStateContext.displayName = 'ChatStateContext';

/** The configuration of the nearest ChatRoot; throws, naming the part, outside one. */
export function useChatConfig(part: string): ChatConfig {
  const config = useContext(ChatConfigContext);
  if (!config) throw new Error(`\`${part}\` must be used within \`ChatRoot\` (or \`ChatPanel\`)`);
  return config;
}

/** The chat of the nearest ChatRoot (messages, status, error); it changes as answers stream. */
export function useChatState(part: string): UseChatResult {
  const chat = useContext(ChatStateContext);
  if (!chat) throw new Error(`\`${part}\` must be used within \`ChatRoot\` (or \`ChatPanel\`)`);
  return chat;
}

export const isBusy = (status: UseChatResult['status']) => status === 'submitted' || status === 'streaming';

/** The same object while its entries are the same: an inline `labels={{…}}` does not re-render every message. */
function useShallowStable<T extends object>(value: T | undefined): T | undefined {
  const held = useRef(value);
  const previous = held.current;
  const same = previous === value || (previous !== undefined && value !== undefined && Object.keys(previous).length === Object.keys(value).length && Object.entries(value).every(([key, entry]) => Object.is(entry, (previous as Record<string, unknown>)[key])));
  if (!same) held.current = value;
  return held.current;
}

export interface ChatRootProps extends AiRootProps {
  /** The chat to show: the result of `useChat`. */
  chat: UseChatResult;
  labels?: Partial<ChatLabels> | undefined;
  classNames?: ChatClassNames | undefined;
  children?: ReactNode;
}

/**
 * The root of a chat built from parts: it gives them the chat, labels and class names, carries the theme and
 * `data-status`, and stops a streaming answer on Escape. `ChatPanel` is this root with every part inside.
 *
 * @example
 * const chat = useChat({ feature: 'support' });
 * <ChatRoot chat={chat}><ChatMessageList /><ChatError /><ChatComposer /><ChatAnnouncer /></ChatRoot>
 */
export const ChatRoot = forwardRef<HTMLDivElement, ChatRootProps>(function ChatRoot({ chat, labels, classNames, unstyled = false, className, onKeyDown, children, ...props }, ref) {
  const latest = useLatest(chat);
  const stableLabels = useShallowStable(labels);
  const stableClassNames = useShallowStable(classNames);
  const composerRef = useRef<HTMLTextAreaElement | null>(null);
  const config = useMemo<ChatConfig>(
    () => ({
      labels: { ...defaultChatLabels, ...stableLabels },
      unstyled,
      className: (slot, own, ...extra) => classes(unstyled, own, stableClassNames?.[slot], ...extra),
      actions: {
        send: (text) => latest.current.send(text),
        stop: () => latest.current.stop(),
        regenerate: () => latest.current.regenerate(),
        edit: (id, text) => latest.current.edit(id, text),
        clear: () => latest.current.clear(),
        selectVersion: (id, index) => latest.current.selectVersion(id, index),
      },
      composerRef,
      focusComposer: () => composerRef.current?.focus(),
    }),
    [stableLabels, stableClassNames, unstyled, latest],
  );
  return (
    <AiRoot
      ref={ref}
      data-status={chat.status}
      data-state={chat.loaded ? 'ready' : 'loading'}
      unstyled={unstyled}
      className={config.className('root', 'ia-chat', className)}
      onKeyDown={(event) => {
        onKeyDown?.(event);
        // Escape stops the answer from anywhere in the panel, unless a part used it (a tooltip, an edit).
        if (event.key !== 'Escape' || event.defaultPrevented || !isBusy(chat.status)) return;
        event.preventDefault();
        chat.stop();
        config.focusComposer();
      }}
      {...props}
    >
      <ChatConfigContext.Provider value={config}>
        <ChatStateContext.Provider value={chat}>{children}</ChatStateContext.Provider>
      </ChatConfigContext.Provider>
    </AiRoot>
  );
});
