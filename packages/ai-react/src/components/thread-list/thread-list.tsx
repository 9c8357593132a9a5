'use client';
import { forwardRef, useDeferredValue, useLayoutEffect, useRef, useState } from 'react';
import type { ConversationSummary } from '../../core/chat-messages.js';
import { EditIcon } from '../../icons/edit-icon.js';
import { PlusIcon } from '../../icons/plus-icon.js';
import { SearchIcon } from '../../icons/search-icon.js';
import { TrashIcon } from '../../icons/trash-icon.js';
import { AiRoot, classes, type AiRootProps } from '../../primitives/ai-root.js';
import { composeRefs } from '../../primitives/slot.js';
import { useConversations } from '../../react/use-conversations.js';
import { defaultThreadListLabels, type ThreadListLabels } from './thread-list-labels.js';

/** The elements of ThreadList that take a class name through `classNames`. */
export type ThreadListSlot = 'root' | 'header' | 'search' | 'list' | 'item' | 'button' | 'input';

export interface ThreadListProps extends Omit<AiRootProps, 'onSelect'> {
  /** The conversation shown beside the list (marked `aria-current`). */
  activeId?: string | undefined;
  /** A conversation was chosen. */
  onSelect(conversationId: string): void;
  /**
   * "New chat" was chosen (show a fresh conversation); without it the button is not shown. Also called when the
   * conversation shown (`activeId`) is deleted, so the chat beside the list does not go on showing it.
   */
  onNewChat?: (() => void) | undefined;
  /** The signed-in identity whose conversations to list (the same as the chat's). */
  identity?: string | undefined;
  /** Only the conversations of this feature (an app with a chat page per feature lists each page's own). */
  feature?: string | undefined;
  labels?: Partial<ThreadListLabels> | undefined;
  classNames?: Partial<Record<ThreadListSlot, string>> | undefined;
}

function Item({ conversation, active, labels, className, onSelect, onRename, onRemove }: {
  conversation: ConversationSummary;
  active: boolean;
  labels: ThreadListLabels;
  className: (slot: ThreadListSlot, own: string) => string | undefined;
  onSelect(): void;
  onRename(title: string): void;
  onRemove(): void;
}) {
  const [editing, setEditing] = useState(false);
  const title = conversation.title ?? labels.untitled;
  const icon = className('button', 'ia-chat-button ia-chat-icon-button');
  return (
    <li className={className('item', 'ia-thread-item')} data-state={active ? 'active' : 'idle'}>
      {editing ? (
        <input
          // Focused as it opens: the user asked to rename.
          autoFocus
          className={className('input', 'ia-thread-rename')}
          aria-label={labels.title}
          defaultValue={conversation.title ?? ''}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              onRename(event.currentTarget.value);
              setEditing(false);
            } else if (event.key === 'Escape') {
              event.preventDefault();
              setEditing(false);
            }
          }}
          onBlur={(event) => {
            onRename(event.currentTarget.value);
            setEditing(false);
          }}
        />
      ) : (
        <button type="button" className={className('button', 'ia-thread-open')} data-thread-open="" aria-current={active ? 'page' : undefined} onClick={onSelect}>
          {title}
        </button>
      )}
      <span className={className('item', 'ia-thread-actions')}>
        <button type="button" className={icon} aria-label={labels.rename(title)} data-tooltip={labels.rename(title)} onClick={() => setEditing(true)}>
          <EditIcon size={14} />
        </button>
        <button type="button" className={icon} aria-label={labels.remove(title)} data-tooltip={labels.remove(title)} onClick={onRemove}>
          <TrashIcon size={14} />
        </button>
      </span>
    </li>
  );
}

/**
 * The user's conversations beside a chat: New chat, search by title, open, rename (titles start as the first
 * message) and delete. Reads the provider's storage (of one `identity`), and updates itself when a chat saves.
 *
 * @example
 * const [id, setId] = useState<string>();
 * <ThreadList activeId={id} onSelect={setId} onNewChat={() => setId(crypto.randomUUID())} />
 * <ChatPanel conversationId={id} />
 */
export const ThreadList = /* @__PURE__ */ forwardRef<HTMLDivElement, ThreadListProps>(function ThreadList({ activeId, onSelect, onNewChat, identity, feature, labels: givenLabels, classNames, unstyled = false, className, ...props }, ref) {
  const labels = { ...defaultThreadListLabels, ...givenLabels };
  const cls = (slot: ThreadListSlot, own: string, extra?: string) => classes(unstyled, own, classNames?.[slot], extra);
  const { conversations: all, loaded, error, failedAction, refresh, rename, remove } = useConversations({ identity });
  const conversations = feature === undefined ? all : all.filter((conversation) => conversation.feature === feature);
  const [query, setQuery] = useState('');
  const deferred = useDeferredValue(query.trim().toLowerCase());
  const shown = deferred === '' ? conversations : conversations.filter((conversation) => (conversation.title ?? labels.untitled).toLowerCase().includes(deferred));
  // A deleted item takes its delete button (and the keyboard focus) with it: the focus goes to the conversation that
  // took its place, else the one before it, else the search box.
  const root = useRef<HTMLDivElement>(null);
  const refocus = useRef<number | undefined>(undefined);
  useLayoutEffect(() => {
    const index = refocus.current;
    if (index === undefined || !root.current) return;
    refocus.current = undefined;
    const items = root.current.querySelectorAll<HTMLElement>('[data-thread-open]');
    (items[Math.min(index, items.length - 1)] ?? root.current.querySelector<HTMLElement>('input[type="search"]'))?.focus();
  }, [shown]);
  const removeAt = (index: number, id: string) => {
    if (root.current?.contains(document.activeElement)) refocus.current = index;
    void remove(id);
    if (id === activeId) onNewChat?.();
  };
  return (
    <AiRoot ref={composeRefs(ref, root)} unstyled={unstyled} className={cls('root', 'ia-thread-list', className)} {...props}>
      <div className={cls('header', 'ia-thread-header')}>
        {onNewChat ? (
          <button type="button" className={cls('button', 'ia-chat-button ia-thread-new')} onClick={onNewChat}>
            <PlusIcon />
            <span>{labels.newChat}</span>
          </button>
        ) : null}
        <label className={cls('search', 'ia-thread-search')}>
          <SearchIcon />
          <input type="search" aria-label={labels.search} placeholder={labels.search} value={query} onChange={(event) => setQuery(event.target.value)} />
        </label>
      </div>
      {error ? (
        <p className={cls('list', 'ia-thread-note')} role="alert">
          {failedAction === 'remove' ? labels.removeFailed : failedAction === 'rename' ? labels.renameFailed : labels.failed} {error.userMessage}
          {failedAction === 'list' ? (
            <>
              {' '}
              <button type="button" className={cls('button', 'ia-chat-button')} onClick={() => void refresh()}>
                {labels.tryAgain}
              </button>
            </>
          ) : null}
        </p>
      ) : loaded && shown.length === 0 ? (
        // Not beside a failure: a list that could not be read is not an empty one.
        <p className={cls('list', 'ia-thread-note')}>{deferred === '' ? labels.empty : labels.noMatch}</p>
      ) : null}
      <ul className={cls('list', 'ia-thread-items')} aria-label={labels.conversations} aria-busy={!loaded}>
        {shown.map((conversation, index) => (
          <Item
            key={conversation.id}
            conversation={conversation}
            active={conversation.id === activeId}
            labels={labels}
            className={cls}
            onSelect={() => onSelect(conversation.id)}
            onRename={(title) => {
              if (title.trim() !== (conversation.title ?? '')) void rename(conversation.id, title);
            }}
            onRemove={() => removeAt(index, conversation.id)}
          />
        ))}
      </ul>
    </AiRoot>
  );
});
