// The parts of a message, as one namespace: `Message.Root`, `Message.Content`…
export { MessageActions as Actions, MessageAvatar as Avatar, MessageContent as Content, MessageEditor as Editor, MessageReasoning as Reasoning, MessageRoot as Root, MessageStatus as Status } from './message-parts.js';
export type { MessageAvatarProps as AvatarProps, MessageContentProps as ContentProps, MessageEditorProps as EditorProps } from './message-parts.js';
export { MessageVersionPicker as VersionPicker } from './message-version-picker.js';
export type { MessageVersionPickerProps as VersionPickerProps } from './message-version-picker.js';
export { MessageScope as Scope, useMessage, useMessageContext } from './message-context.js';
export type { MessageContextValue as ContextValue } from './message-context.js';
export { MessageAttachments as Attachments, MessageImages as Images, MessageSources as Sources, MessageToolCalls as ToolCalls, ToolCallCard, toolCallActions } from './message-tools.js';
export type { MessageAttachmentsProps as AttachmentsProps, MessageToolCallsProps as ToolCallsProps, ToolCallCardProps, ToolCallViewProps, ToolComponents } from './message-tools.js';
export { MessageParts as Parts } from './message-part-list.js';
export type { ImagesPartProps, MessagePartComponents as PartComponents, MessagePartsProps as PartsProps, ReasoningPartProps, TextPartProps } from './message-part-list.js';
export { ReasoningBlock } from './reasoning-block.js';
export type { ReasoningBlockProps } from './reasoning-block.js';
