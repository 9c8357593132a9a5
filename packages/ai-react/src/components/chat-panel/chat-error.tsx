'use client';
import { useState, type HTMLAttributes } from 'react';
import type { AiError } from '../../core/errors.js';
import { useElapsedSeconds } from '../../react/use-elapsed-seconds.js';
import { useThreadContext, useThreadSelector } from '../../primitives/thread/thread-context.js';
import { useChatPanelContext } from './chat-panel-context.js';

/** What the user can do about a failure: try again (maybe after a wait), ask an administrator, or start over. */
export type ChatErrorAction = 'retry' | 'contact-admin' | 'new-conversation' | 'none';

/**
 * The action that helps with an error: a quota, a bad provider key or a missing feature need an administrator;
 * a conversation too long for the model needs a new one; a refused message needs rewording; the rest can be tried
 * again (after `retryAfter` seconds when the server said so).
 *
 * @example
 * chatErrorAction(error) === 'contact-admin';
 */
export function chatErrorAction(error: AiError): ChatErrorAction {
  switch (error.code) {
    case 'quota_exceeded':
    case 'provider_key_invalid':
    case 'model_not_found':
    case 'admin_unavailable':
      return 'contact-admin';
    case 'forbidden':
      return error.serverCode === 'content_policy_violation' ? 'none' : 'contact-admin';
    case 'invalid_request':
      return error.serverCode === 'context_length_exceeded' ? 'new-conversation' : 'none';
    case 'aborted':
      return 'none';
    default:
      return 'retry';
  }
}

/** Seconds left of `seconds`, counted down from when `key` last changed; the ticking stops at 0. */
function useCountdown(seconds: number, key: unknown): number {
  // When `key` changed (set during render, so the first frame of a new error already counts from it).
  const [since, setSince] = useState(() => ({ key, at: Date.now() }));
  let at = since.at;
  if (!Object.is(since.key, key)) {
    at = Date.now();
    setSince({ key, at });
  }
  const elapsed = useElapsedSeconds(at, seconds > 0 && Date.now() - at < seconds * 1000);
  return Math.max(0, seconds - elapsed);
}

/**
 * The failure of the last answer, in plain words, with what to do: "Try again" (disabled while a rate limit's
 * wait counts down), "New conversation", or the advice to contact an administrator. `role="alert"`, so it is
 * announced once; the countdown beside it is not.
 *
 * @example
 * <ChatError />
 */
export function ChatError({ className, ...props }: HTMLAttributes<HTMLDivElement>) {
  const { chat, labels, focusComposer } = useThreadContext('ChatError');
  const { className: classNameOf } = useChatPanelContext('ChatError');
  const shown = useThreadSelector('ChatError', (state) => (state.status === 'error' ? state.error : undefined));
  const wait = useCountdown(shown?.retryAfter ?? 0, shown);
  // Saves failing (storage full, the server refusing): the chat goes on, but a reload would lose what is not saved.
  // A conversation that could not be read says so instead: before anything is sent, there is nothing unsaved yet.
  const unsaved = useThreadSelector('ChatError', (state) => state.storageError);
  const unread = useThreadSelector('ChatError', (state) => state.failedStorageAction === 'load');
  if (!shown) {
    return unsaved ? (
      <div role="alert" data-code={unsaved.code} data-action="none" data-storage={unread ? 'load' : 'save'} {...props} className={classNameOf('error', 'ia-chat-error', className)}>
        <p>{unread ? labels.storageLoadErrorMessage(unsaved) : labels.storageErrorMessage(unsaved)}</p>
      </div>
    ) : null;
  }
  const action = chatErrorAction(shown);
  // One button for the action that helps: try again (held while a rate limit's wait counts down), or start over.
  const retry = action === 'retry';
  return (
    <div role="alert" data-code={shown.code} data-action={action} {...props} className={classNameOf('error', 'ia-chat-error', className)}>
      <p>{labels.errorMessage(shown)}</p>
      {retry || action === 'new-conversation' ? (
        <div className={classNameOf('actions', 'ia-chat-actions')}>
          <button
            type="button"
            className={classNameOf('button', 'ia-chat-button')}
            disabled={retry && wait > 0}
            onClick={() => {
              void (retry ? chat.regenerate() : chat.clear());
              focusComposer();
            }}
          >
            {retry ? labels.tryAgain : labels.newConversation}
          </button>
          {retry && wait > 0 ? (
            <span aria-hidden="true" data-state="waiting">
              {labels.retryIn(wait)}
            </span>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
