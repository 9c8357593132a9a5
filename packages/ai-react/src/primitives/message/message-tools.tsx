'use client';
import { forwardRef, type ComponentType, type HTMLAttributes } from 'react';
import { byteSize } from '../../core/attachments.js';
import { answerParts, userMessageParts } from '../../core/chat-messages.js';
import type { MessageFilePart, MessageImagePart, MessageSourcePart, MessageToolPart } from '../../core/message-parts.js';
import { safeHref } from '../../markdown/safe-url.js';
import { useThreadContext } from '../thread/thread-context.js';
import { answerOf, useMessage } from './message-context.js';

/** What a tool component gets: the call, and the actions that answer it. */
export interface ToolCallViewProps {
  part: MessageToolPart;
  /** Approves (runs) or denies a call waiting for approval. */
  respond(approved: boolean, reason?: string): void;
  /** Answers a call the app handles itself (a tool without `execute`). */
  addOutput(result: { output: unknown } | { errorText: string }): void;
}

/** Tool components by tool name: `{ get_weather: WeatherCard }`; other tools get the default card. */
export type ToolComponents = Record<string, ComponentType<ToolCallViewProps>>;

/** The arguments as indented JSON, or as they came when they are not JSON (still streaming, or broken). */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const resultText = (output: unknown) => (typeof output === 'string' ? output : JSON.stringify(output, null, 2));

/**
 * The default card of a tool call: its name and state, the arguments and the result folded, Approve and Deny while
 * it waits for the user. `data-state` carries the call's state for styles.
 *
 * @example
 * <ToolCallCard part={part} respond={respond} addOutput={addOutput} />
 */
export function ToolCallCard({ part, respond, className }: ToolCallViewProps & { className?: string | undefined }) {
  const { labels } = useThreadContext('ToolCallCard');
  const title = part.server ? labels.webSearch : part.name;
  return (
    <div className={className} data-part="tool-call" data-state={part.state} data-server={part.server ? '' : undefined} role="group" aria-label={`${labels.toolCall}: ${title}`}>
      {/* Open while it waits for approval: the user sees what they are asked to allow. */}
      <details open={part.state === 'awaiting-approval' || undefined}>
        <summary>
          <span data-part="tool-name">{title}</span>
          <span data-part="tool-state">{labels.toolStates[part.state]}</span>
        </summary>
        {part.input !== '' && part.input !== '{}' ? (
          <>
            <p data-part="tool-heading">{labels.toolArguments}</p>
            <pre>{prettyJson(part.input)}</pre>
          </>
        ) : null}
        {part.state === 'output-available' && part.output !== undefined ? (
          <>
            <p data-part="tool-heading">{labels.toolResult}</p>
            <pre>{resultText(part.output)}</pre>
          </>
        ) : null}
      </details>
      {part.errorText && (part.state === 'output-error' || part.state === 'denied') ? <p data-part="tool-error">{part.errorText}</p> : null}
      {part.state === 'awaiting-approval' ? (
        <div data-part="tool-approval">
          <p>{labels.toolApprovalQuestion}</p>
          <button type="button" data-action="approve" onClick={() => respond(true)}>
            {labels.approve}
          </button>
          <button type="button" data-action="deny" onClick={() => respond(false)}>
            {labels.deny}
          </button>
        </div>
      ) : null}
    </div>
  );
}

export interface MessageToolCallsProps extends HTMLAttributes<HTMLDivElement> {
  /** Components for some tools by name; the others get `ToolCallCard`. */
  components?: ToolComponents | undefined;
  /** The class of each default card. */
  cardClassName?: string | undefined;
}

/**
 * The answer's tool calls, each as its tool's component or the default card; nothing when it called none.
 *
 * @example
 * <Message.ToolCalls components={{ get_weather: WeatherCard }} />
 */
export const MessageToolCalls = forwardRef<HTMLDivElement, MessageToolCallsProps>(function MessageToolCalls({ components, cardClassName, ...props }, ref) {
  const { chat } = useThreadContext('Message.ToolCalls');
  const answer = answerOf(useMessage('Message.ToolCalls'));
  const calls = answer ? answerParts(answer).filter((part): part is MessageToolPart => part.type === 'tool-call') : [];
  if (calls.length === 0) return null;
  return (
    <div ref={ref} data-part="tool-calls" {...props}>
      {calls.map((part) => {
        const View = components?.[part.name];
        const actions = {
          respond: (approved: boolean, reason?: string) => void chat.respondToApproval(part.toolCallId, approved, reason),
          addOutput: (result: { output: unknown } | { errorText: string }) => void chat.addToolOutput(part.toolCallId, result),
        };
        return View ? <View key={part.toolCallId} part={part} {...actions} /> : <ToolCallCard key={part.toolCallId} part={part} className={cardClassName} {...actions} />;
      })}
    </div>
  );
});

/** The host of a URL, for a source's line ("developer.mozilla.org"). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * The sources an answer cites, numbered as its `[n]` markers; links go through the markdown's URL policy and no
 * favicon or preview is ever fetched.
 *
 * @example
 * <Message.Sources />
 */
export const MessageSources = forwardRef<HTMLElement, HTMLAttributes<HTMLElement>>(function MessageSources(props, ref) {
  const { labels } = useThreadContext('Message.Sources');
  const answer = answerOf(useMessage('Message.Sources'));
  const sources = answer ? answerParts(answer).filter((part): part is MessageSourcePart => part.type === 'source') : [];
  if (sources.length === 0) return null;
  return (
    <nav ref={ref} data-part="sources" aria-label={labels.sources} {...props}>
      <p data-part="sources-heading">{labels.sources}</p>
      <ol>
        {sources.map((source) => {
          const href = safeHref(source.url);
          return (
            <li key={source.number} id={`source-${answer?.id}-${source.number}`} value={source.number}>
              {href ? (
                <a href={href} target="_blank" rel="noopener noreferrer nofollow">
                  <span data-part="source-title">{source.title ?? hostOf(source.url)}</span>
                  <span data-part="source-host">{hostOf(source.url)}</span>
                </a>
              ) : (
                <span data-part="source-title">{source.title ?? source.url}</span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
});

/**
 * A user message's files: images as thumbnails, PDFs and audio as a chip with name and size; nothing without files.
 *
 * @example
 * <Message.Attachments />
 */
export const MessageAttachments = forwardRef<HTMLUListElement, HTMLAttributes<HTMLUListElement>>(function MessageAttachments(props, ref) {
  const { labels } = useThreadContext('Message.Attachments');
  const message = useMessage('Message.Attachments');
  const files = message?.role === 'user' ? userMessageParts(message).filter((part): part is MessageFilePart => part.type === 'file') : [];
  if (files.length === 0) return null;
  return (
    <ul ref={ref} data-part="attachments" aria-label={labels.attachments} {...props}>
      {files.map((file, index) => (
        <li key={`${index}-${file.name ?? file.url.slice(-16)}`} data-kind={file.kind}>
          {file.kind === 'image' ? (
            <img src={file.url} alt={file.name ?? labels.attachedImage} width={file.width} height={file.height} loading="lazy" decoding="async" />
          ) : (
            <span data-part="file-chip">
              <span data-part="file-kind">{file.kind === 'pdf' ? 'PDF' : file.kind === 'audio' ? labels.audio : labels.file}</span>
              <span data-part="file-name">{file.name ?? labels.file}</span>
              <span data-part="file-size">{byteSize(file.size)}</span>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
});

/**
 * The images an answer generated, inline; nothing without images.
 *
 * @example
 * <Message.Images />
 */
export const MessageImages = forwardRef<HTMLDivElement, HTMLAttributes<HTMLDivElement>>(function MessageImages(props, ref) {
  const { labels } = useThreadContext('Message.Images');
  const answer = answerOf(useMessage('Message.Images'));
  const images = answer ? answerParts(answer).filter((part): part is MessageImagePart => part.type === 'image') : [];
  if (images.length === 0) return null;
  return (
    <div ref={ref} data-part="images" {...props}>
      {images.map((image, index) => (
        <img key={index} src={image.url} alt={`${labels.generatedImage} ${index + 1}`} loading="lazy" decoding="async" />
      ))}
    </div>
  );
});
