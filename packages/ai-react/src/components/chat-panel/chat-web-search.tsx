'use client';
import { GlobeIcon } from '../../icons/globe-icon.js';
import { useThreadContext } from '../../primitives/thread/thread-context.js';
import { useChatPanelContext } from './chat-panel-context.js';

export interface ChatWebSearchToggleProps {
  /** Whether the next answers search the web. */
  on: boolean;
  onChange(on: boolean): void;
}

/**
 * ChatPanel's "Search the web" switch in the composer's toolbar (a toggle button, `aria-pressed`): while on, each
 * answer asks OpenRouter's web search and shows its numbered sources.
 *
 * @example
 * <ChatComposer tools={<ChatWebSearchToggle on={searching} onChange={setSearching} />} />
 */
export function ChatWebSearchToggle({ on, onChange }: ChatWebSearchToggleProps) {
  const { labels } = useThreadContext('ChatWebSearchToggle');
  const { className } = useChatPanelContext('ChatWebSearchToggle');
  return (
    <button type="button" aria-pressed={on} data-state={on ? 'on' : 'off'} className={className('button', 'ia-chat-button ia-chat-search-toggle')} onClick={() => onChange(!on)}>
      <GlobeIcon />
      <span>{labels.searchTheWeb}</span>
    </button>
  );
}
