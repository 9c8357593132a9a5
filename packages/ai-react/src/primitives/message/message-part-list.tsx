'use client';
import { forwardRef, useMemo, type ComponentType, type HTMLAttributes, type ReactNode } from 'react';
import { answerParts } from '../../core/chat-messages.js';
import type { AssistantMessagePart, MessageImagePart, MessageReasoningPart, MessageSourcePart, MessageTextPart, MessageToolPart } from '../../core/message-parts.js';
import { Markdown } from '../../markdown/markdown.js';
import { Slot } from '../slot.js';
import { useThreadContext } from '../thread/thread-context.js';
import { answerOf, useMessage } from './message-context.js';
import { ReasoningBlock } from './reasoning-block.js';
import { toolCallActions, type ToolCallViewProps, type ToolComponents } from './tool-call-actions.js';
import { ToolCallCard } from './tool-call-card.js';

export interface TextPartProps {
  part: MessageTextPart;
  /** The part being written: styles draw the streaming cursor on it. */
  streaming: boolean;
  /** The answer's sources, which `[n]` in the text links to. */
  sources: readonly MessageSourcePart[];
  className?: string | undefined;
}

export interface ReasoningPartProps {
  part: MessageReasoningPart;
  /** The model is still thinking (this is the part being written). */
  thinking: boolean;
  className?: string | undefined;
}

export interface ImagesPartProps {
  /** A run of generated images that follow each other in the answer. */
  images: readonly MessageImagePart[];
  /** Every image of the answer, and where this run starts among them (a lightbox moves through all of them). */
  all: readonly MessageImagePart[];
  first: number;
  className?: string | undefined;
}

/** Renderers per kind of part; each one left out keeps the default. */
export interface MessagePartComponents {
  Text?: ComponentType<TextPartProps> | undefined;
  Reasoning?: ComponentType<ReasoningPartProps> | undefined;
  /** Every tool call without a component of its own in `toolComponents` (default `ToolCallCard`). */
  ToolCall?: ComponentType<ToolCallViewProps & { className?: string | undefined }> | undefined;
  Images?: ComponentType<ImagesPartProps> | undefined;
}

export interface MessagePartsProps extends HTMLAttributes<HTMLDivElement> {
  asChild?: boolean | undefined;
  components?: MessagePartComponents | undefined;
  /** Components for some tools' calls by tool name (`{ get_weather: WeatherCard }`). */
  toolComponents?: ToolComponents | undefined;
  /** The class of each default renderer's element. */
  partClassNames?: Partial<Record<'text' | 'reasoning' | 'toolCall' | 'images', string | undefined>> | undefined;
  /** Shown while the answer waits for its first token; default the `thinking` label, shimmering. */
  thinking?: ReactNode;
  /** Drops the markdown's own `ia-` classes. */
  unstyled?: boolean | undefined;
}

function DefaultText({ part, streaming, sources, className, unstyled }: TextPartProps & { unstyled: boolean | undefined }) {
  const { labels } = useThreadContext('Message.Parts');
  return <Markdown source={part.text} labels={labels} unstyled={unstyled} citations={sources} className={className} data-part="text" data-streaming={streaming ? '' : undefined} />;
}

function DefaultImages({ images, first, className }: ImagesPartProps) {
  const { labels } = useThreadContext('Message.Parts');
  return (
    <div className={className} data-part="images">
      {images.map((image, index) => (
        <img key={first + index} src={image.url} alt={`${labels.generatedImage} ${first + index + 1}`} loading="lazy" decoding="async" />
      ))}
    </div>
  );
}

/** Sources change rarely while text streams: the same array until one is added, so text blocks are not redrawn. */
function useSources(parts: readonly AssistantMessagePart[]): readonly MessageSourcePart[] {
  const sources = parts.filter((part): part is MessageSourcePart => part.type === 'source');
  const key = sources.map((source) => `${source.number} ${source.url} ${source.title ?? ''}`).join('\n');
  // The key stands for the sources' content: the first array with that content is kept.
  return useMemo(() => sources, [key]);
}

type Run = { kind: 'part'; part: AssistantMessagePart; at: number } | { kind: 'images'; images: MessageImagePart[]; first: number; at: number };

/** The parts to draw, in order: sources are listed under the answer, a step start draws nothing, images run together. */
function runsOf(parts: readonly AssistantMessagePart[]): Run[] {
  const runs: Run[] = [];
  let images = 0;
  parts.forEach((part, at) => {
    if (part.type === 'source' || part.type === 'step-start') return;
    const last = runs.at(-1);
    if (part.type === 'image' && last?.kind === 'images') last.images.push(part);
    else if (part.type === 'image') runs.push({ kind: 'images', images: [part], first: images, at });
    else runs.push({ kind: 'part', part, at });
    if (part.type === 'image') images += 1;
  });
  return runs;
}

/**
 * An answer's parts in the order they happened — reasoning, tool calls (each its tool's component or the default
 * card), text with `[n]` citations linked to its sources, generated images — each drawn by a renderer you can
 * replace. The part being written carries `data-streaming`; before the first token it shows "Thinking…". Sources
 * are listed by `Message.Sources`, under the answer.
 *
 * @example
 * <Message.Parts toolComponents={{ get_weather: WeatherCard }} components={{ Reasoning: MyReasoning }} />
 */
export const MessageParts = /* @__PURE__ */ forwardRef<HTMLDivElement, MessagePartsProps>(function MessageParts({ asChild, components, toolComponents, partClassNames, thinking, unstyled, ...props }, ref) {
  const { chat, labels } = useThreadContext('Message.Parts');
  const answer = answerOf(useMessage('Message.Parts'));
  const parts = answer ? answerParts(answer) : [];
  const sources = useSources(parts);
  if (!answer) return null;
  const Element = asChild ? Slot : 'div';
  const writing = answer.status === 'streaming' || answer.status === 'pending';
  const runs = runsOf(parts);
  if (runs.length === 0) {
    if (answer.status !== 'pending') return null;
    return (
      <Element ref={ref} data-part="parts" data-status="pending" {...props}>
        {thinking ?? <span data-shimmer="">{labels.thinking}</span>}
      </Element>
    );
  }
  const allImages = parts.filter((part): part is MessageImagePart => part.type === 'image');
  const { Text, Reasoning, ToolCall = ToolCallCard, Images = DefaultImages } = components ?? {};
  const render = (run: Run, isLast: boolean): ReactNode => {
    if (run.kind === 'images') return <Images key={`images-${run.at}`} images={run.images} all={allImages} first={run.first} className={partClassNames?.images} />;
    const { part } = run;
    const streaming = writing && isLast;
    switch (part.type) {
      case 'text':
        return Text ? (
          <Text key={run.at} part={part} streaming={streaming} sources={sources} className={partClassNames?.text} />
        ) : (
          <DefaultText key={run.at} part={part} streaming={streaming} sources={sources} className={partClassNames?.text} unstyled={unstyled} />
        );
      case 'reasoning': {
        const Block = Reasoning ?? ReasoningBlock;
        return <Block key={run.at} part={part} thinking={streaming} className={partClassNames?.reasoning} />;
      }
      case 'tool-call': {
        const call: MessageToolPart = part;
        const View = toolComponents?.[call.name];
        const view = { part: call, ...toolCallActions(chat, call.toolCallId), sources: call.server ? sources : undefined };
        return View ? <View key={call.toolCallId || run.at} {...view} /> : <ToolCall key={call.toolCallId || run.at} {...view} className={partClassNames?.toolCall} />;
      }
      default:
        return null;
    }
  };
  return (
    <Element ref={ref} data-part="parts" data-status={answer.status} {...props}>
      {runs.map((run, index) => render(run, index === runs.length - 1))}
    </Element>
  );
});
