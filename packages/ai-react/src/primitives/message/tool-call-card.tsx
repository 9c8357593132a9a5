'use client';
import { useId, useRef, useState, type ReactNode } from 'react';
import { showInvisibleCharacters } from '../../core/invisible-characters.js';
import type { MessageSourcePart, ToolCallState } from '../../core/message-parts.js';
import { BanIcon } from '../../icons/ban-icon.js';
import { CheckIcon } from '../../icons/check-icon.js';
import { ChevronDownIcon } from '../../icons/chevron-down-icon.js';
import { GlobeIcon } from '../../icons/globe-icon.js';
import { LoaderIcon } from '../../icons/loader-icon.js';
import { ShieldIcon } from '../../icons/shield-icon.js';
import { WarningIcon } from '../../icons/warning-icon.js';
import { hostOf } from '../../markdown/markdown.js';
import { safeHref } from '../../markdown/safe-url.js';
import { useThreadContext } from '../thread/thread-context.js';
import type { ToolCallViewProps } from './tool-call-actions.js';

/** The arguments as indented JSON, or as they came when they are not JSON (still streaming, or broken). */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const resultText = (output: unknown) => (typeof output === 'string' ? output : String(JSON.stringify(output, null, 2)));

/** What a web search looked for: its `query` argument, when there is one. */
function searchQuery(input: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(input);
    return typeof parsed === 'object' && parsed !== null && 'query' in parsed && typeof parsed.query === 'string' ? parsed.query : undefined;
  } catch {
    return undefined;
  }
}

/** One icon per state: working (spinning), waiting for the user, done, failed, denied. */
function stateIcon(state: ToolCallState): ReactNode {
  switch (state) {
    case 'input-streaming':
    case 'input-available':
      return <LoaderIcon data-spin="" />;
    case 'awaiting-approval':
      return <ShieldIcon />;
    case 'output-available':
      return <CheckIcon />;
    case 'output-error':
      return <WarningIcon />;
    case 'denied':
      return <BanIcon />;
  }
}

function SourceLinks({ sources }: { sources: readonly MessageSourcePart[] }) {
  return (
    <ol data-part="tool-sources">
      {sources.map((source) => {
        const href = safeHref(source.url);
        const host = hostOf(source.url);
        const title = source.title ?? host;
        return (
          <li key={source.number} value={source.number}>
            {href ? (
              <a href={href} target="_blank" rel="noopener noreferrer nofollow">
                {title}
              </a>
            ) : (
              <span>{title}</span>
            )}
            <span data-part="source-host">{host}</span>
          </li>
        );
      })}
    </ol>
  );
}

export interface ToolCallCardProps extends ToolCallViewProps {
  className?: string | undefined;
  /** Unfolded (controlled); by default a call waiting for approval is open and the others are folded. */
  open?: boolean | undefined;
  onOpenChange?: ((open: boolean) => void) | undefined;
}

/**
 * The default card of a tool call: an icon and a word for its state (working, waiting for you, done, failed, denied),
 * its name, the arguments and the result folded under a toggle, the error in words, and Deny / Approve while it waits
 * for the user (the focus then stays on the card). A server tool (web search) shows what it searched and the sources
 * it found. `data-state` carries the call's state for styles.
 *
 * @example
 * <ToolCallCard part={part} {...toolCallActions(chat, part.toolCallId)} />
 */
export function ToolCallCard({ part, approve, deny, sources, className, open, onOpenChange }: ToolCallCardProps) {
  const { labels } = useThreadContext('ToolCallCard');
  const [chosen, setChosen] = useState<boolean | undefined>(undefined);
  const header = useRef<HTMLButtonElement>(null);
  const bodyId = useId();
  const waiting = part.state === 'awaiting-approval';
  const shown = open ?? chosen ?? waiting;
  const working = part.state === 'input-streaming' || part.state === 'input-available';
  const webSearch = part.server === true;
  const query = webSearch ? searchQuery(part.input) : undefined;
  const found = webSearch ? (sources ?? []) : [];
  const title = webSearch ? labels.webSearch : part.name;
  const stateText = webSearch && working ? labels.searchingWeb : webSearch && part.state === 'output-available' ? labels.sourceCount(found.length) : labels.toolStates[part.state];
  const answer = (run: () => void) => {
    run();
    // The buttons go away with the question: the focus stays on the card instead of falling to the page.
    header.current?.focus();
  };
  return (
    <div className={className} data-part="tool-call" data-state={part.state} data-server={webSearch ? '' : undefined} role="group" aria-label={`${labels.toolCall}: ${title}`}>
      <button
        ref={header}
        type="button"
        data-part="tool-header"
        aria-expanded={shown}
        aria-controls={shown ? bodyId : undefined}
        onClick={() => {
          setChosen(!shown);
          onOpenChange?.(!shown);
        }}
      >
        <span data-part="tool-icon">{webSearch && !working ? <GlobeIcon /> : stateIcon(part.state)}</span>
        <span data-part="tool-title">
          <span data-part="tool-name">{title}</span>
          {query ? <span data-part="tool-detail">{query}</span> : null}
        </span>
        <span data-part="tool-state">{stateText}</span>
        <ChevronDownIcon size={14} data-part="chevron" />
      </button>
      {shown ? (
        <div id={bodyId} data-part="tool-body">
          {part.input !== '' && part.input !== '{}' && !(webSearch && query) ? (
            <>
              <p data-part="tool-heading">{labels.toolArguments}</p>
              {/* Focusable: a long result scrolls with the keyboard. */}
              <pre tabIndex={0}>{showInvisibleCharacters(prettyJson(part.input))}</pre>
            </>
          ) : null}
          {part.state === 'output-available' && part.output !== undefined && !webSearch ? (
            <>
              <p data-part="tool-heading">{labels.toolResult}</p>
              <pre tabIndex={0}>{showInvisibleCharacters(resultText(part.output))}</pre>
            </>
          ) : null}
          {found.length > 0 ? <SourceLinks sources={found} /> : null}
        </div>
      ) : null}
      {part.errorText && (part.state === 'output-error' || part.state === 'denied') ? <p data-part="tool-error">{part.errorText}</p> : null}
      {waiting ? (
        <div data-part="tool-approval">
          <p>{labels.toolApprovalQuestion(part.name)}</p>
          <div data-part="tool-approval-actions">
            <button type="button" data-action="deny" onClick={() => answer(() => deny())}>
              {labels.deny}
            </button>
            <button type="button" data-action="approve" data-variant="primary" onClick={() => answer(approve)}>
              {labels.approve}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
