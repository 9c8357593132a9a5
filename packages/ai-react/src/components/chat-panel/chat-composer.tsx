'use client';
import type { ReactNode } from 'react';
import { ArrowUpIcon } from '../../icons/arrow-up-icon.js';
import { PaperclipIcon } from '../../icons/paperclip-icon.js';
import { ComposerAttachButton, ComposerAttachmentList } from '../../primitives/composer/composer-attachments.js';
import { StopIcon } from '../../icons/stop-icon.js';
import { ComposerInput, ComposerRoot, ComposerSend, ComposerStop, type ComposerRootProps } from '../../primitives/composer/composer.js';
import { useThreadContext } from '../../primitives/thread/thread-context.js';
import { useChatPanelContext } from './chat-panel-context.js';

export interface ChatComposerProps extends Omit<ComposerRootProps, 'children'> {
  placeholder?: string | undefined;
  /** Beside the send button, on the left of the toolbar (an attach button, a model picker…). */
  tools?: ReactNode;
}

/**
 * ChatPanel's composer: a rounded card with the growing textbox on top and a toolbar below, a round send arrow
 * that becomes a square stop while an answer streams, in one place. Built from `Composer.*`.
 *
 * @example
 * <ChatComposer placeholder="Ask about your order…" />
 */
export function ChatComposer({ placeholder, tools, className, ...props }: ChatComposerProps) {
  const { className: classNameOf } = useChatPanelContext('ChatComposer');
  const { labels } = useThreadContext('ChatComposer');
  const round = classNameOf('button', 'ia-chat-button ia-chat-send');
  return (
    <ComposerRoot {...props} className={classNameOf('composer', 'ia-chat-composer', className)}>
      <ComposerAttachmentList className={classNameOf('attachments', 'ia-chat-attachment-drafts')} />
      <ComposerInput className={classNameOf('input', 'ia-chat-input')} placeholder={placeholder ?? labels.placeholder} />
      <div className={classNameOf('actions', 'ia-chat-composer-toolbar')}>
        <div className={classNameOf('actions', 'ia-chat-composer-tools')}>
          <ComposerAttachButton className={classNameOf('button', 'ia-chat-button ia-chat-icon-button')}>
            <PaperclipIcon />
          </ComposerAttachButton>
          {tools}
        </div>
        <ComposerSend className={round} data-variant="primary">
          <ArrowUpIcon size={18} />
        </ComposerSend>
        <ComposerStop className={round}>
          <StopIcon size={14} />
        </ComposerStop>
      </div>
    </ComposerRoot>
  );
}
