'use client';
import { memo, useEffect, useRef, useState, type HTMLAttributes, type ReactNode } from 'react';
import { isAnswerOver, shownAnswer, type AssistantMessage, type AssistantTurn, type ConversationMessage, type UserMessage } from '../../core/chat-messages.js';
import { CopyButton } from '../../markdown/copy-button.js';
import { Markdown } from '../../markdown/markdown.js';
import { MessageEditor } from './message-editor.js';
import { ModelInfo } from './model-info.js';
import { visuallyHidden } from '../../primitives/visually-hidden.js';
import { useChatConfig, type ChatConfig } from './chat-root.js';

/** What `renderMessageActions` gets: the message, its shown answer (assistant turns), and the default actions. */
export interface MessageActionsContext {
  message: ConversationMessage;
  answer: AssistantMessage | undefined;
  isLast: boolean;
  defaultActions: ReactNode;
}

/** Replaces a message's actions; return `context.defaultActions` (with your own beside them) to keep them. */
export type RenderMessageActions = (context: MessageActionsContext) => ReactNode;

export interface ChatMessageProps extends HTMLAttributes<HTMLLIElement> {
  message: ConversationMessage;
  /** The last message of the conversation: its answer offers "Regenerate". */
  isLast?: boolean | undefined;
  renderActions?: RenderMessageActions | undefined;
}

function VersionSwitcher({ turn, config }: { turn: AssistantTurn; config: ChatConfig }) {
  const { labels, className, actions } = config;
  const total = turn.versions.length;
  const current = Math.min(turn.selected, total - 1);
  return (
    <div role="group" aria-label={labels.versions} className={className('actions', 'ia-chat-versions')}>
      <button type="button" className={className('button', 'ia-chat-button')} aria-label={labels.previousVersion} disabled={current <= 0} onClick={() => actions.selectVersion(turn.id, current - 1)}>
        <span aria-hidden="true">‹</span>
      </button>
      <span className={className('actions', 'ia-chat-version-count')}>{labels.versionCount(current + 1, total)}</span>
      <button type="button" className={className('button', 'ia-chat-button')} aria-label={labels.nextVersion} disabled={current >= total - 1} onClick={() => actions.selectVersion(turn.id, current + 1)}>
        <span aria-hidden="true">›</span>
      </button>
    </div>
  );
}

function UserMessageView({ message, config, isLast, renderActions, props }: { message: UserMessage; config: ChatConfig; isLast: boolean; renderActions: RenderMessageActions | undefined; props: HTMLAttributes<HTMLLIElement> }) {
  const { labels, className, actions } = config;
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  useEffect(() => {
    if (editing || !returnFocus.current) return;
    returnFocus.current = false;
    editButton.current?.focus();
  }, [editing]);
  const defaultActions = (
    <button type="button" ref={editButton} className={className('button', 'ia-chat-button')} onClick={() => setEditing(true)}>
      {labels.edit}
    </button>
  );
  return (
    <li data-role="user" data-state={editing ? 'editing' : 'idle'} {...props} className={className('message', 'ia-chat-message', props.className)}>
      <span style={visuallyHidden}>{labels.you}: </span>
      {editing ? (
        <MessageEditor
          initialText={message.content}
          config={config}
          onSubmit={(text) => {
            setEditing(false);
            void actions.edit(message.id, text);
            config.focusComposer();
          }}
          onCancel={() => {
            returnFocus.current = true;
            setEditing(false);
          }}
        />
      ) : (
        <>
          <div className={className('content', 'ia-chat-content')}>{message.content}</div>
          <div className={className('actions', 'ia-chat-actions')}>{renderActions ? renderActions({ message, answer: undefined, isLast, defaultActions }) : defaultActions}</div>
        </>
      )}
    </li>
  );
}

function AssistantMessageView({ turn, config, isLast, renderActions, props }: { turn: AssistantTurn; config: ChatConfig; isLast: boolean; renderActions: RenderMessageActions | undefined; props: HTMLAttributes<HTMLLIElement> }) {
  const { labels, className, actions, unstyled } = config;
  const answer = shownAnswer(turn);
  // Actions show once the answer is over: nothing of them is built for the frames while it streams.
  let actionBar: ReactNode = null;
  if (isAnswerOver(answer)) {
    const defaultActions = (
      <>
        {answer.content === '' ? null : <CopyButton className={className('button', 'ia-chat-button')} value={answer.content} labels={{ copy: labels.copy, copied: labels.copied, copyFailed: labels.copyFailed }} />}
        {isLast ? (
          <button
            type="button"
            className={className('button', 'ia-chat-button')}
            onClick={() => {
              void actions.regenerate();
              config.focusComposer();
            }}
          >
            {labels.regenerate}
          </button>
        ) : null}
        {turn.versions.length > 1 ? <VersionSwitcher turn={turn} config={config} /> : null}
        <ModelInfo answer={answer} />
      </>
    );
    actionBar = <div className={className('actions', 'ia-chat-actions')}>{renderActions ? renderActions({ message: turn, answer, isLast, defaultActions }) : defaultActions}</div>;
  }
  return (
    <li data-role="assistant" data-status={answer.status} {...props} className={className('message', 'ia-chat-message', props.className)}>
      <span style={visuallyHidden}>{labels.assistant}: </span>
      {answer.reasoning ? (
        <details className={className('content', 'ia-chat-reasoning')}>
          <summary>{labels.reasoning}</summary>
          <p>{answer.reasoning}</p>
        </details>
      ) : null}
      {answer.status === 'pending' ? (
        <p className={className('content', 'ia-chat-thinking')}>{labels.thinking}</p>
      ) : (
        <Markdown source={answer.content} labels={labels} unstyled={unstyled} className={className('content', 'ia-chat-content')} />
      )}
      {answer.status === 'stopped' || answer.status === 'error' ? (
        <p className={className('content', 'ia-chat-badge')} data-status={answer.status}>
          {answer.status === 'stopped' ? labels.stopped : labels.failed}
        </p>
      ) : null}
      {actionBar}
    </li>
  );
}

/**
 * One message of the conversation, as a list item: a user message (with "Edit") or an assistant turn (markdown,
 * "Copy", "Regenerate" on the last one, a version switcher, model info). Memoized: it renders again only when
 * its message object (or `isLast`) changes, so a long conversation costs nothing while another answer streams.
 *
 * @example
 * {chat.messages.map((message, index) => <ChatMessage key={message.id} message={message} isLast={index === chat.messages.length - 1} />)}
 */
export const ChatMessage = memo(function ChatMessage({ message, isLast = false, renderActions, ...props }: ChatMessageProps) {
  const config = useChatConfig('ChatMessage');
  return message.role === 'user' ? (
    <UserMessageView message={message} config={config} isLast={isLast} renderActions={renderActions} props={props} />
  ) : (
    <AssistantMessageView turn={message} config={config} isLast={isLast} renderActions={renderActions} props={props} />
  );
});
