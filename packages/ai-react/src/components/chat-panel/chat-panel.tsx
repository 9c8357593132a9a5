'use client';
import { forwardRef, lazy, Suspense, useMemo, useState, type ReactNode } from 'react';
import { createId, type AssistantMessage } from '../../core/chat-messages.js';
import { ArrowDownIcon } from '../../icons/arrow-down-icon.js';
import { PlusIcon } from '../../icons/plus-icon.js';
import type { Feedback } from '../../primitives/action-bar/action-bar.js';
import { AiRoot, classes, type AiRootProps } from '../../primitives/ai-root.js';
import { useThreadContext, useThreadSelector } from '../../primitives/thread/thread-context.js';
import { ThreadMessages } from '../../primitives/thread/thread-messages.js';
import { ThreadRoot } from '../../primitives/thread/thread-root.js';
import { ThreadScrollToBottom, ThreadViewport } from '../../primitives/thread/thread-viewport.js';
import { useShallowStable } from '../../primitives/use-shallow-stable.js';
import type { ChatParams } from '../../core/chat-controller.js';
import type { UseChatOptions } from '../../react/use-chat.js';
import { useChatRuntime } from '../../react/use-chat-runtime.js';
import { useFeatureAccepts } from '../../react/use-feature-accepts.js';
import { ChatAnnouncer } from './chat-announcer.js';
import { ChatComposer } from './chat-composer.js';
import { ChatWebSearchToggle } from './chat-web-search.js';
import { ChatEmptyState } from './chat-empty-state.js';
import { ChatError } from './chat-error.js';
import type { ChatLabels } from './chat-labels.js';
import { ChatAssistantMessage, ChatUserMessage } from './chat-message-views.js';
import type { ToolComponents } from '../../primitives/message/message-tools.js';
import { ChatPanelContext, useChatPanelContext, type ChatClassNames, type ChatPanelContextValue, type RenderMessageActions } from './chat-panel-context.js';

// Off by default, and its figures come from a request anyway: the budget line's code loads with its first estimate.
const ComposerBudget = lazy(() => import('../../primitives/composer-budget/composer-budget.js').then((module) => ({ default: module.ComposerBudget })));

export interface ChatPanelProps extends Omit<AiRootProps, 'onError' | 'title'>, UseChatOptions {
  labels?: Partial<ChatLabels> | undefined;
  classNames?: ChatClassNames | undefined;
  /** The composer's placeholder (default: the `placeholder` label, "Write a message…"); its accessible name stays the `message` label. */
  placeholder?: string | undefined;
  /** The empty conversation's heading: the feature's name or a greeting (default the `emptyTitle` label). */
  title?: ReactNode;
  /** Prompts the empty conversation offers as buttons. */
  suggestions?: readonly string[] | undefined;
  /** Replaces what the empty conversation shows. */
  emptyState?: ReactNode;
  /** Replaces (or extends) the actions under each message. */
  renderMessageActions?: RenderMessageActions | undefined;
  /** How many of the latest messages show at first (and per "Show earlier messages"); default 60. */
  pageSize?: number | undefined;
  /** The signed-in user's name: its first letter marks their messages. */
  userName?: string | undefined;
  /** Shows thumbs up/down under answers, and hears them. */
  onFeedback?: ((feedback: Feedback | undefined, answer: AssistantMessage) => void) | undefined;
  /**
   * Files in the composer (pick, paste, drop), checked against what the feature takes (`/v1/models`) before sending;
   * default true, shown only where the feature takes any.
   */
  attachments?: boolean | undefined;
  /**
   * Shows, under the message being written, what the gateway would reserve for it at most and what is left of the
   * caller's budget, and warns before a message the limits would refuse (`POST /api/ai/estimate`; no call reaches
   * the model). Off by default.
   */
  showBudget?: boolean | undefined;
  /**
   * A "Search the web" toggle in the composer, where the feature lets clients ask for OpenRouter's web search
   * (`extensions.serverTools.web_search: "allow"`); answers then cite their numbered sources. Default false. A
   * feature that forces the search needs no toggle: every answer searches.
   */
  webSearch?: boolean | undefined;
  /** Components for some tools' calls, by tool name (`{ get_weather: WeatherCard }`); the others get the default card. */
  toolComponents?: ToolComponents | undefined;
  /** "New chat" started another conversation (its id); the one left stays in storage. */
  onConversationIdChange?: ((conversationId: string) => void) | undefined;
}

/** "New chat": shown once the conversation has a message. */
function NewChatButton({ onNewChat }: { onNewChat(): void }) {
  const { labels, focusComposer } = useThreadContext('NewChatButton');
  const { className } = useChatPanelContext('NewChatButton');
  const started = useThreadSelector('NewChatButton', (state) => state.messages.length > 0);
  if (!started) return null;
  return (
    <button
      type="button"
      className={className('button', 'ia-chat-button ia-chat-new')}
      onClick={() => {
        onNewChat();
        focusComposer();
      }}
    >
      <PlusIcon />
      <span>{labels.newChat}</span>
    </button>
  );
}

const components = { UserMessage: ChatUserMessage, AssistantMessage: ChatAssistantMessage };

/**
 * A complete chat for one feature: the conversation with safe markdown and lazily highlighted code, a composer,
 * Stop, Regenerate, versions, edit (keeping the earlier branch), model info, errors with the action to take,
 * "New chat", suggested prompts, and screen-reader announcements. It is a short composition of the `Thread`,
 * `Message`, `Composer` and `ActionBar` primitives: copy it to change any part. Needs an `<AiProvider>` above it.
 *
 * @example
 * <AiProvider baseUrl="/ai"><ChatPanel feature="support" placeholder="Ask about your order…" /></AiProvider>
 */
export const ChatPanel = /* @__PURE__ */ forwardRef<HTMLDivElement, ChatPanelProps>(function ChatPanel(
  { feature, conversationId, identity, initialMessages, params, onFinish, onError, labels, classNames, unstyled = false, className, placeholder, title, suggestions, emptyState, renderMessageActions, pageSize, userName, onFeedback, onConversationIdChange, tools, maxSteps, toolComponents, attachments = true, showBudget = false, webSearch = false, ...props },
  ref,
) {
  // "New chat" moves to a fresh id; a `conversationId` given by the app wins (the app then follows the change).
  const [ownId, setOwnId] = useState<string | undefined>(undefined);
  const [searching, setSearching] = useState(false);
  const featureAccepts = useFeatureAccepts(feature, attachments || webSearch);
  const accepts = attachments ? featureAccepts : undefined;
  const searchable = webSearch && featureAccepts?.serverTools['web_search'] === 'allow';
  // Read at each request, so the toggle applies to the next answer.
  const searchParams = (): ChatParams | undefined => {
    const base = typeof params === 'function' ? params() : params;
    return searchable && searching ? { ...base, tools: [...(Array.isArray(base?.tools) ? base.tools : []), { type: 'openrouter:web_search' }] } : base;
  };
  const chat = useChatRuntime({ feature, conversationId: conversationId ?? ownId, identity, initialMessages: ownId === undefined ? initialMessages : undefined, params: searchParams, tools, maxSteps, onFinish, onError });
  const stableClassNames = useShallowStable(classNames);
  const panel = useMemo<ChatPanelContextValue>(
    () => ({ unstyled, className: (slot, own, ...extra) => classes(unstyled, own, stableClassNames?.[slot], ...extra), renderMessageActions, userName, onFeedback, toolComponents }),
    [unstyled, stableClassNames, renderMessageActions, userName, onFeedback, toolComponents],
  );
  const cls = panel.className;
  const newChat = () => {
    const id = createId();
    if (conversationId === undefined) setOwnId(id);
    onConversationIdChange?.(id);
  };
  return (
    <ChatPanelContext.Provider value={panel}>
      <ThreadRoot chat={chat} labels={labels} asChild>
        <AiRoot ref={ref} unstyled={unstyled} className={cls('root', 'ia-chat', className)} {...props}>
          <div className={cls('header', 'ia-chat-header')}>
            <NewChatButton onNewChat={newChat} />
          </div>
          <ThreadViewport className={cls('log', 'ia-chat-log')}>
            <ChatEmptyState title={title} suggestions={suggestions}>
              {emptyState}
            </ChatEmptyState>
            <ThreadMessages components={components} pageSize={pageSize} className={cls('list', 'ia-chat-list')} showEarlierClassName={cls('button', 'ia-chat-button ia-chat-earlier')} />
            <ThreadScrollToBottom className={cls('jumpToLatest', 'ia-chat-jump')}>
              <ArrowDownIcon />
            </ThreadScrollToBottom>
          </ThreadViewport>
          <div className={cls('composer', 'ia-chat-footer')}>
            <ChatError />
            <ChatComposer
              placeholder={placeholder}
              accepts={accepts}
              tools={
                <>
                  {searchable && <ChatWebSearchToggle on={searching} onChange={setSearching} />}
                  {showBudget && (
                    <Suspense fallback={null}>
                      <ComposerBudget feature={feature} unstyled={unstyled} className={cls('budget', 'ia-chat-budget')} />
                    </Suspense>
                  )}
                </>
              }
            />
          </div>
          <ChatAnnouncer />
        </AiRoot>
      </ThreadRoot>
    </ChatPanelContext.Provider>
  );
});
