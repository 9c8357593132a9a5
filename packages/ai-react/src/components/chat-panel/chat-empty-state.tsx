'use client';
import type { ReactNode } from 'react';
import { SparklesIcon } from '../../icons/sparkles-icon.js';
import { ThreadEmpty, ThreadSuggestion } from '../../primitives/thread/thread-empty.js';
import { useThreadContext } from '../../primitives/thread/thread-context.js';
import { useChatPanelContext } from './chat-panel-context.js';

export interface ChatEmptyStateProps {
  /** The heading: the feature's name or a greeting; default the `emptyTitle` label. */
  title?: ReactNode;
  /** Prompts offered as buttons that send them. */
  suggestions?: readonly string[] | undefined;
  /** Replaces everything inside. */
  children?: ReactNode;
}

/**
 * What an empty conversation shows: a heading, a line of help, and suggested prompts (2–4 read best).
 *
 * @example
 * <ChatEmptyState title="Support" suggestions={['Where is my order?', 'Change my address']} />
 */
export function ChatEmptyState({ title, suggestions, children }: ChatEmptyStateProps) {
  const { labels } = useThreadContext('ChatEmptyState');
  const { className } = useChatPanelContext('ChatEmptyState');
  return (
    <ThreadEmpty className={className('emptyState', 'ia-chat-empty')}>
      {children ?? (
        <>
          <span className={className('avatar', 'ia-chat-empty-mark')} aria-hidden="true">
            <SparklesIcon size={22} />
          </span>
          <h2 className={className('emptyState', 'ia-chat-empty-title')}>{title ?? labels.emptyTitle}</h2>
          <p className={className('emptyState', 'ia-chat-empty-text')}>{labels.emptyState}</p>
          {suggestions && suggestions.length > 0 ? (
            <ul className={className('emptyState', 'ia-chat-suggestions')} aria-label={labels.suggestions}>
              {suggestions.map((prompt) => (
                <li key={prompt}>
                  <ThreadSuggestion prompt={prompt} className={className('suggestion', 'ia-chat-suggestion')} />
                </li>
              ))}
            </ul>
          ) : null}
        </>
      )}
    </ThreadEmpty>
  );
}
