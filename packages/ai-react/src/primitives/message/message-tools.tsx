'use client';
import { forwardRef, type HTMLAttributes } from 'react';
import { answerParts, userMessageParts } from '../../core/chat-messages.js';
import type { MessageFilePart, MessageImagePart, MessageSourcePart, MessageToolPart } from '../../core/message-parts.js';
import { FileIcon } from '../../icons/file-icon.js';
import { hostOf } from '../../markdown/markdown.js';
import { safeHref } from '../../markdown/safe-url.js';
import { ByteSize } from '../byte-size.js';
import { FileName } from '../file-name.js';
import { useThreadContext } from '../thread/thread-context.js';
import { answerOf, useMessage } from './message-context.js';
import { toolCallActions, type ToolComponents } from './tool-call-actions.js';
import { ToolCallCard } from './tool-call-card.js';

export { ToolCallCard } from './tool-call-card.js';
export type { ToolCallCardProps } from './tool-call-card.js';
export { toolCallActions } from './tool-call-actions.js';
export type { ToolCallViewProps, ToolComponents } from './tool-call-actions.js';

export interface MessageToolCallsProps extends HTMLAttributes<HTMLDivElement> {
  /** Components for some tools by name; the others get `ToolCallCard`. */
  components?: ToolComponents | undefined;
  /** The class of each default card. */
  cardClassName?: string | undefined;
}

/**
 * The answer's tool calls, each as its tool's component or the default card; nothing when it called none.
 * (`Message.Parts` shows them in their place among the answer's other parts.)
 *
 * @example
 * <Message.ToolCalls components={{ get_weather: WeatherCard }} />
 */
export const MessageToolCalls = /* @__PURE__ */ forwardRef<HTMLDivElement, MessageToolCallsProps>(function MessageToolCalls({ components, cardClassName, ...props }, ref) {
  const { chat } = useThreadContext('Message.ToolCalls');
  const answer = answerOf(useMessage('Message.ToolCalls'));
  const parts = answer ? answerParts(answer) : [];
  const calls = parts.filter((part): part is MessageToolPart => part.type === 'tool-call');
  if (calls.length === 0) return null;
  const sources = parts.filter((part): part is MessageSourcePart => part.type === 'source');
  return (
    <div ref={ref} data-part="tool-calls" {...props}>
      {calls.map((part) => {
        const View = components?.[part.name];
        const view = { part, ...toolCallActions(chat, part.toolCallId), sources: part.server ? sources : undefined };
        return View ? <View key={part.toolCallId} {...view} /> : <ToolCallCard key={part.toolCallId} className={cardClassName} {...view} />;
      })}
    </div>
  );
});

/**
 * The sources an answer cites, numbered as its `[n]` markers, each with its title and host; links go through the
 * markdown's URL policy and no favicon or preview is ever fetched (no request to a third party).
 *
 * @example
 * <Message.Sources />
 */
export const MessageSources = /* @__PURE__ */ forwardRef<HTMLElement, HTMLAttributes<HTMLElement>>(function MessageSources(props, ref) {
  const { labels } = useThreadContext('Message.Sources');
  const answer = answerOf(useMessage('Message.Sources'));
  const sources = answer ? answerParts(answer).filter((part): part is MessageSourcePart => part.type === 'source') : [];
  if (!answer || sources.length === 0) return null;
  const headingId = `sources-${answer.id}`;
  return (
    <nav ref={ref} data-part="sources" aria-labelledby={headingId} {...props}>
      <p id={headingId} data-part="sources-heading">
        {labels.sources}
      </p>
      <ol>
        {sources.map((source) => {
          const href = safeHref(source.url);
          const host = hostOf(source.url);
          const body = (
            <>
              <span data-part="source-number" aria-hidden="true">
                {source.number}
              </span>
              <span data-part="source-title">{source.title ?? host}</span>
              <span data-part="source-host">{host}</span>
            </>
          );
          return (
            <li key={source.number} value={source.number} data-linked={href ? '' : undefined}>
              {href ? (
                <a href={href} target="_blank" rel="noopener noreferrer nofollow">
                  {body}
                </a>
              ) : (
                <span data-part="source-unlinked">{body}</span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
});

export interface MessageAttachmentsProps extends HTMLAttributes<HTMLUListElement> {
  /** Makes each image a button that opens it (a lightbox): its position among the message's images, and the button. */
  onOpenImage?: ((index: number, images: readonly MessageFilePart[], trigger: HTMLButtonElement) => void) | undefined;
}

/** A document's kind in a word: "PDF", "Audio", or its subtype ("CSV", "DOCX"). */
function kindWord(file: MessageFilePart, labels: { audio: string; file: string }): string {
  if (file.kind === 'pdf') return 'PDF';
  if (file.kind === 'audio') return labels.audio;
  const subtype = file.mediaType.split('/')[1]?.split(/[+.;-]/)[0];
  return subtype && subtype.length <= 5 ? subtype.toUpperCase() : labels.file;
}

/**
 * A user message's files: images as thumbnails (buttons that open them, with `onOpenImage`), PDFs, audio and other
 * files as a chip with an icon, the name, the kind and the size; nothing without files.
 *
 * @example
 * <Message.Attachments onOpenImage={(index, images) => setLightbox({ index, images })} />
 */
export const MessageAttachments = /* @__PURE__ */ forwardRef<HTMLUListElement, MessageAttachmentsProps>(function MessageAttachments({ onOpenImage, ...props }, ref) {
  const { labels } = useThreadContext('Message.Attachments');
  const message = useMessage('Message.Attachments');
  const files = message?.role === 'user' ? userMessageParts(message).filter((part): part is MessageFilePart => part.type === 'file') : [];
  if (files.length === 0) return null;
  const images = files.filter((file) => file.kind === 'image');
  return (
    <ul ref={ref} data-part="attachments" aria-label={labels.attachments} {...props}>
      {files.map((file, index) => {
        const name = file.name ?? (file.kind === 'image' ? labels.attachedImage : labels.file);
        if (file.kind === 'image') {
          const image = <img src={file.url} alt={name} width={file.width} height={file.height} loading="lazy" decoding="async" />;
          return (
            <li key={`${index}-${name}`} data-kind="image">
              {onOpenImage ? (
                <button type="button" data-part="attachment-open" aria-label={labels.openImage(name)} onClick={(event) => onOpenImage(images.indexOf(file), images, event.currentTarget)}>
                  {image}
                </button>
              ) : (
                image
              )}
            </li>
          );
        }
        return (
          <li key={`${index}-${name}`} data-kind={file.kind}>
            <span data-part="file-chip">
              <span data-part="file-icon">
                <FileIcon size={18} />
              </span>
              <FileName name={name} />
              <span data-part="file-meta">
                {kindWord(file, labels)} · <ByteSize bytes={file.size} />
              </span>
            </span>
          </li>
        );
      })}
    </ul>
  );
});

/**
 * The images an answer generated, all together; nothing without images. (`Message.Parts` shows them in their place.)
 *
 * @example
 * <Message.Images />
 */
export const MessageImages = /* @__PURE__ */ forwardRef<HTMLDivElement, HTMLAttributes<HTMLDivElement>>(function MessageImages(props, ref) {
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
