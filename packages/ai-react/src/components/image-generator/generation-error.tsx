'use client';
import type { ReactNode } from 'react';
import type { AiError } from '../../core/errors.js';
import { slotClass, type ImageGeneratorClassNames } from './image-generator-classes.js';
import { defaultImageGeneratorLabels, type ImageGeneratorLabels } from './image-generator-labels.js';
import { useElapsedSeconds } from '../../react/use-elapsed-seconds.js';

export interface GenerationErrorProps {
  error: AiError;
  /** When the failure arrived (epoch ms): a `retryAfter` counts down from it. */
  failedAt: number;
  onRetry?: (() => void) | undefined;
  /** Offered for a refused prompt (invalid or flagged): fixing the prompt is the way out, not retrying it. */
  onEditPrompt?: (() => void) | undefined;
  labels?: ImageGeneratorLabels | undefined;
  classNames?: ImageGeneratorClassNames | undefined;
  unstyled?: boolean | undefined;
}

/** A refused request (a missing prompt, a bad size) or a prompt flagged by moderation: the prompt must change. */
const isPromptFault = (error: AiError) => error.code === 'invalid_request' || error.serverCode === 'content_policy_violation';

/**
 * A failed generation in plain words (`AiError.userMessage`) with the action that helps: try again (after the
 * wait the server asked for), edit the prompt, or nothing to do here (an admin must act; the message says so).
 * Only the message is the alert, so the countdown on the button is not announced every second.
 *
 * @example
 * <GenerationError error={generation.error} failedAt={generation.finishedAt} onRetry={retry} />
 */
export function GenerationError({ error, failedAt, onRetry, onEditPrompt, labels = defaultImageGeneratorLabels, classNames, unstyled }: GenerationErrorProps): ReactNode {
  const wait = error.retryAfter ?? 0;
  const elapsed = useElapsedSeconds(failedAt, wait > 0);
  const remaining = Math.max(0, wait - elapsed);
  const promptFault = isPromptFault(error);
  return (
    <div className={slotClass('error', { unstyled, classNames })} data-code={error.code} data-state={remaining > 0 ? 'waiting' : 'ready'}>
      <p role="alert" className={unstyled ? undefined : 'ia-image-error__message'}>
        {error.userMessage}
      </p>
      {(error.retryable && onRetry) || (promptFault && onEditPrompt) ? (
        <div className={unstyled ? undefined : 'ia-image-error__actions'}>
          {error.retryable && onRetry ? (
            <button type="button" onClick={onRetry} disabled={remaining > 0}>
              {remaining > 0 ? labels.retryIn(remaining) : labels.retry}
            </button>
          ) : null}
          {promptFault && onEditPrompt ? (
            <button type="button" onClick={onEditPrompt}>
              {labels.editPrompt}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
