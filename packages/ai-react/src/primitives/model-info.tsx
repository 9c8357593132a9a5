'use client';
import { useContext, useId, useState, type HTMLAttributes, type SyntheticEvent } from 'react';
import type { AssistantMessage } from '../core/chat-messages.js';
import { defaultChatLabels, type ChatLabels } from '../components/chat-panel/chat-labels.js';
import { InfoIcon } from '../icons/info-icon.js';
import { answerOf, useMessage } from './message/message-context.js';
import { ThreadContext } from './thread/thread-context.js';

export interface ModelInfoProps extends HTMLAttributes<HTMLDivElement> {
  /** The answer to describe; default the answer of the enclosing `Message.Root`. */
  answer?: AssistantMessage | undefined;
  /** The classes of the trigger button and of the tooltip. */
  triggerClassName?: string | undefined;
  tooltipClassName?: string | undefined;
}

/** The answer of the enclosing message, read only when no `answer` was given (a scope is then required). */
function MessageModelInfo(props: Omit<ModelInfoProps, 'answer'>) {
  const answer = answerOf(useMessage('ModelInfo'));
  return answer ? <ModelInfoView answer={answer} {...props} /> : null;
}

/** Room the tooltip needs above its button; with less (the top of the conversation), it opens below. */
const TOOLTIP_HEIGHT_PX = 190;

/** Above the button, unless the scrolling conversation (or the window) has too little room there. */
function sideFor(element: Element): 'top' | 'bottom' {
  const boundary = element.closest('[data-chat-log]')?.getBoundingClientRect().top ?? 0;
  return element.getBoundingClientRect().top - boundary < TOOLTIP_HEIGHT_PX ? 'bottom' : 'top';
}

/** The tooltip's widest (its max-width, min(320px, 80vw)). */
const TOOLTIP_WIDTH_PX = 320;

/**
 * Centred on the button unless half its width would cross the window's edge (an answer's first button on a
 * phone): then its left (or right) edge lines up with the button's.
 */
function alignFor(element: Element): 'left' | 'center' | 'right' {
  const { left, width } = element.getBoundingClientRect();
  const half = Math.min(TOOLTIP_WIDTH_PX, innerWidth * 0.8) / 2;
  const center = left + width / 2;
  return center < half ? 'left' : center + half > document.documentElement.clientWidth ? 'right' : 'center';
}

const costFormat = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumSignificantDigits: 3 });
const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** The facts the tooltip lists, as [term, value] rows. */
export function modelFacts(answer: AssistantMessage, labels: ChatLabels): Array<[string, string]> {
  const missing = labels.notAvailable;
  const { usage, timing } = answer;
  return [
    [labels.model, answer.model ?? missing],
    [labels.provider, answer.provider ?? missing],
    [labels.tokens, usage ? labels.tokensInOut(usage.promptTokens, usage.completionTokens) : missing],
    [labels.cost, answer.costUsd === undefined ? missing : costFormat.format(answer.costUsd)],
    [labels.timeToFirstToken, timing.ttftMs === undefined ? missing : `${Math.round(timing.ttftMs).toLocaleString()} ms`],
    [labels.tokensPerSecond, timing.tokensPerSecond === undefined ? missing : numberFormat.format(timing.tokensPerSecond)],
    [labels.finishReason, answer.finishReason ?? (answer.status === 'stopped' ? labels.stopped : missing)],
  ];
}

/**
 * A "Model info" button with a tooltip (on hover and on focus; Escape closes it) listing the answer's model,
 * provider, tokens in and out, cost, time to first token, tokens per second and finish reason. Inside a message's
 * scope it describes that message's answer.
 *
 * @example
 * <Message.Actions><ModelInfo /></Message.Actions>
 */
export function ModelInfo({ answer, ...props }: ModelInfoProps) {
  return answer ? <ModelInfoView answer={answer} {...props} /> : <MessageModelInfo {...props} />;
}

function ModelInfoView({ answer, triggerClassName, tooltipClassName, onPointerEnter, onPointerLeave, ...props }: ModelInfoProps & { answer: AssistantMessage }) {
  // Inside a thread its labels; given an `answer` outside any thread (a summary, a custom page), the defaults.
  const labels = useContext(ThreadContext)?.labels ?? defaultChatLabels;
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const [dismissed, setDismissed] = useState(false);
  const [[side, align], setPlacement] = useState<['top' | 'bottom', 'left' | 'center' | 'right']>(['top', 'center']);
  const place = (event: SyntheticEvent<Element>) => setPlacement([sideFor(event.currentTarget), alignFor(event.currentTarget)]);
  const id = useId();
  const open = (hovered || focused) && !dismissed;
  const state = open ? 'open' : 'closed';
  return (
    <div
      data-state={state}
      // Hovering the tooltip itself keeps it open (it is inside this element), so it can be read and selected.
      onPointerEnter={(event) => {
        onPointerEnter?.(event);
        place(event);
        setHovered(true);
        setDismissed(false);
      }}
      onPointerLeave={(event) => {
        onPointerLeave?.(event);
        setHovered(false);
      }}
      {...props}
    >
      <button
        type="button"
        className={triggerClassName}
        aria-label={labels.modelInfo}
        aria-describedby={open ? id : undefined}
        aria-expanded={open}
        data-state={state}
        onFocus={(event) => {
          place(event);
          setFocused(true);
          setDismissed(false);
        }}
        onBlur={() => setFocused(false)}
        onClick={() => setDismissed(false)}
        onKeyDown={(event) => {
          if (event.key !== 'Escape' || !open) return;
          // Handled here: the panel's own Escape (stop the answer) must not run as well.
          event.preventDefault();
          setDismissed(true);
        }}
      >
        <InfoIcon />
      </button>
      {open ? (
        <div role="tooltip" id={id} className={tooltipClassName} data-state={state} data-side={side} data-align={align}>
          <dl>
            {modelFacts(answer, labels).map(([term, value]) => (
              <div key={term}>
                <dt>{term}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </div>
      ) : null}
    </div>
  );
}
