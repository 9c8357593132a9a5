'use client';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ChatConfig } from './chat-root.js';

/**
 * True for the Enter that sends: not with Shift (a new line), and not while an input method is composing text
 * (Enter then confirms the composition; Safari reports it as keyCode 229 after `compositionend`).
 */
export function isSendKey(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
  return event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing && event.keyCode !== 229;
}

export interface MessageEditorProps {
  initialText: string;
  config: ChatConfig;
  onSubmit(text: string): void;
  onCancel(): void;
}

/** The inline editor of a sent message: a textbox with "Send" and "Cancel"; Enter sends, Escape cancels. */
export function MessageEditor({ initialText, config, onSubmit, onCancel }: MessageEditorProps) {
  const { labels, className } = config;
  const [text, setText] = useState(initialText);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const element = input.current;
    element?.focus();
    element?.setSelectionRange(element.value.length, element.value.length);
  }, []);
  const empty = text.trim() === '';
  return (
    <form
      className={className('composer', 'ia-chat-editor')}
      onSubmit={(event) => {
        event.preventDefault();
        if (!empty) onSubmit(text);
      }}
    >
      <textarea
        ref={input}
        className={className('input', 'ia-chat-input')}
        aria-label={labels.editMessage}
        value={text}
        rows={2}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            // Handled here: the panel's Escape (stop the answer) must not run as well.
            event.preventDefault();
            onCancel();
          } else if (isSendKey(event)) {
            event.preventDefault();
            if (!empty) onSubmit(text);
          }
        }}
      />
      <div className={className('actions', 'ia-chat-actions')}>
        <button type="submit" className={className('button', 'ia-chat-button')} data-variant="primary" disabled={empty}>
          {labels.send}
        </button>
        <button type="button" className={className('button', 'ia-chat-button')} onClick={onCancel}>
          {labels.cancel}
        </button>
      </div>
    </form>
  );
}
