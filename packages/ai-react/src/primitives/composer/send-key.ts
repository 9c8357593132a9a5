import type { KeyboardEvent } from 'react';

/**
 * True for the Enter that sends: not with Shift (a new line), and not while an input method is composing text
 * (Enter then confirms the composition; Safari reports it as keyCode 229 after `compositionend`).
 *
 * @example
 * if (isSendKey(event)) event.currentTarget.form?.requestSubmit();
 */
export function isSendKey(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
  return event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing && event.keyCode !== 229;
}
