'use client';
import { useState, type FormHTMLAttributes } from 'react';
import { isBusy, useChatConfig, useChatState } from './chat-root.js';
import { isSendKey } from './message-editor.js';

export interface ChatComposerProps extends Omit<FormHTMLAttributes<HTMLFormElement>, 'children'> {
  placeholder?: string | undefined;
}

/**
 * The message box: a textbox named "Message" (Enter sends, Shift+Enter adds a line, nothing is sent while an input
 * method composes) and "Send", which becomes "Stop" while an answer streams. Its text is its own state, so typing
 * renders nothing else; focus comes back to it after send, stop and regenerate.
 *
 * @example
 * <ChatComposer placeholder="Ask about your order…" />
 */
export function ChatComposer({ placeholder, className, onSubmit, ...props }: ChatComposerProps) {
  const { status } = useChatState('ChatComposer');
  const config = useChatConfig('ChatComposer');
  const { labels, className: classNameOf, actions } = config;
  const [text, setText] = useState('');
  const busy = isBusy(status);
  const empty = text.trim() === '';
  const send = () => {
    if (busy || empty) return;
    void actions.send(text);
    setText('');
    config.focusComposer();
  };
  return (
    <form
      data-state={busy ? 'streaming' : 'idle'}
      onSubmit={(event) => {
        onSubmit?.(event);
        event.preventDefault();
        send();
      }}
      {...props}
      className={classNameOf('composer', 'ia-chat-composer', className)}
    >
      <textarea
        ref={config.composerRef}
        className={classNameOf('input', 'ia-chat-input')}
        aria-label={labels.message}
        placeholder={placeholder}
        rows={1}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (!isSendKey(event)) return;
          event.preventDefault();
          send();
        }}
      />
      {busy ? (
        <button
          type="button"
          className={classNameOf('button', 'ia-chat-button')}
          data-action="stop"
          onClick={() => {
            actions.stop();
            config.focusComposer();
          }}
        >
          {labels.stop}
        </button>
      ) : (
        <button type="submit" className={classNameOf('button', 'ia-chat-button')} data-action="send" data-variant="primary" disabled={empty}>
          {labels.send}
        </button>
      )}
    </form>
  );
}
