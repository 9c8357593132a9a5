'use client';
import type { ReactNode } from 'react';
import { EditIcon } from '../../icons/edit-icon.js';
import { RegenerateIcon } from '../../icons/regenerate-icon.js';
import { SparklesIcon } from '../../icons/sparkles-icon.js';
import { ThumbsDownIcon } from '../../icons/thumbs-down-icon.js';
import { ThumbsUpIcon } from '../../icons/thumbs-up-icon.js';
import { CopyStateIcon } from '../../markdown/copy-button.js';
import { ActionBarCopy, ActionBarEdit, ActionBarFeedback, ActionBarRegenerate, ActionBarRoot } from '../../primitives/action-bar/action-bar.js';
import { answerOf, useMessage, useMessageContext } from '../../primitives/message/message-context.js';
import { MessageParts, type MessagePartComponents } from '../../primitives/message/message-part-list.js';
import { MessageActions, MessageAvatar, MessageContent, MessageEditor, MessageRoot, MessageStatus } from '../../primitives/message/message-parts.js';
import { MessageAttachments, MessageSources } from '../../primitives/message/message-tools.js';
import { MessageVersionPicker } from '../../primitives/message/message-version-picker.js';
import { ModelInfo } from '../../primitives/model-info.js';
import { useThreadContext } from '../../primitives/thread/thread-context.js';
import { ChatAnswerImages } from './chat-answer-images.js';
import { useImageViewer } from './chat-image-viewer.js';
import { useChatPanelContext } from './chat-panel-context.js';

/** The default actions, or what `renderMessageActions` makes of them. */
function Actions({ defaults }: { defaults: ReactNode }) {
  const { renderMessageActions } = useChatPanelContext('ChatPanel message actions');
  const { isLast } = useMessageContext('ChatPanel message actions');
  const message = useMessage('ChatPanel message actions');
  if (!renderMessageActions || !message) return defaults;
  return renderMessageActions({ message, answer: answerOf(message), isLast, defaultActions: defaults });
}

/** A user message as ChatPanel shows it: its files above a neutral bubble on the right, edit and versions beside it on hover. */
export function ChatUserMessage() {
  const { className, userName } = useChatPanelContext('ChatUserMessage');
  const { labels } = useThreadContext('ChatUserMessage');
  const { open, viewer } = useImageViewer();
  const button = className('button', 'ia-chat-button');
  const icon = className('button', 'ia-chat-button ia-chat-icon-button');
  return (
    <MessageRoot className={className('message', 'ia-chat-message')}>
      {userName ? <MessageAvatar name={userName} className={className('avatar', 'ia-chat-avatar')} /> : null}
      <div className={className('content', 'ia-chat-body')}>
        <MessageAttachments
          className={className('attachments', 'ia-chat-attachments')}
          onOpenImage={(index, images, trigger) => open(images, index, images[index]?.name ?? labels.attachedImage, Array.from(trigger.closest('ul')?.querySelectorAll<HTMLElement>('[data-part="attachment-open"]') ?? [trigger]))}
        />
        {viewer}
        <MessageContent className={className('content', 'ia-chat-content')} />
        <MessageEditor className={className('composer', 'ia-chat-editor')} inputClassName={className('input', 'ia-chat-input')} buttonClassName={button} />
        <MessageActions className={className('actions', 'ia-chat-actions')}>
          <Actions
            defaults={
              <>
                <ActionBarEdit className={icon}>
                  <EditIcon />
                </ActionBarEdit>
                <MessageVersionPicker className={className('actions', 'ia-chat-versions')} buttonClassName={icon} countClassName={className('actions', 'ia-chat-version-count')} />
              </>
            }
          />
        </MessageActions>
      </div>
    </MessageRoot>
  );
}

const partComponents: MessagePartComponents = { Images: ChatAnswerImages };

/**
 * An answer as ChatPanel shows it: the assistant's avatar, then its parts in order (reasoning, tool cards, text with
 * citations, images that open large), its sources, and the actions under it.
 */
export function ChatAssistantMessage() {
  const { className, unstyled, onFeedback, toolComponents } = useChatPanelContext('ChatAssistantMessage');
  const message = useMessage('ChatAssistantMessage');
  const icon = className('button', 'ia-chat-button ia-chat-icon-button');
  const answer = answerOf(message);
  return (
    <MessageRoot className={className('message', 'ia-chat-message')}>
      <MessageAvatar className={className('avatar', 'ia-chat-avatar')}>
        <SparklesIcon size={16} />
      </MessageAvatar>
      <div className={className('content', 'ia-chat-body')}>
        <MessageParts
          className={className('content', 'ia-chat-parts')}
          components={partComponents}
          toolComponents={toolComponents}
          unstyled={unstyled}
          partClassNames={{
            text: className('content', 'ia-chat-content'),
            reasoning: className('reasoning', 'ia-chat-reasoning'),
            toolCall: className('toolCall', 'ia-chat-tool-call'),
            images: className('content', 'ia-chat-images'),
          }}
        />
        <MessageSources className={className('sources', 'ia-chat-sources')} />
        <MessageStatus className={className('content', 'ia-chat-badge')} />
        <MessageActions className={className('actions', 'ia-chat-actions')}>
          <Actions
            defaults={
              <>
                <ActionBarRoot className={className('actions', 'ia-chat-action-bar')} onFeedbackChange={onFeedback && answer ? (value) => onFeedback(value, answer) : undefined}>
                  <ActionBarCopy className={icon}>{(state) => <CopyStateIcon state={state} />}</ActionBarCopy>
                  <ActionBarRegenerate className={icon}>
                    <RegenerateIcon />
                  </ActionBarRegenerate>
                  {onFeedback ? (
                    <>
                      <ActionBarFeedback value="up" className={icon}>
                        <ThumbsUpIcon />
                      </ActionBarFeedback>
                      <ActionBarFeedback value="down" className={icon}>
                        <ThumbsDownIcon />
                      </ActionBarFeedback>
                    </>
                  ) : null}
                </ActionBarRoot>
                <MessageVersionPicker className={className('actions', 'ia-chat-versions')} buttonClassName={icon} countClassName={className('actions', 'ia-chat-version-count')} />
                <ModelInfo className={className('modelInfo', 'ia-model-info')} triggerClassName={icon} tooltipClassName={className('tooltip', 'ia-model-tooltip')} />
              </>
            }
          />
        </MessageActions>
      </div>
    </MessageRoot>
  );
}
