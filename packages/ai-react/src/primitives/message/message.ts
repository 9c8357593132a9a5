// The parts of a message, as one namespace: `Message.Root`, `Message.Content`…
export { MessageActions as Actions, MessageAvatar as Avatar, MessageContent as Content, MessageEditor as Editor, MessageReasoning as Reasoning, MessageRoot as Root, MessageStatus as Status } from './message-parts.js';
export type { MessageAvatarProps as AvatarProps, MessageContentProps as ContentProps, MessageEditorProps as EditorProps } from './message-parts.js';
export { MessageVersionPicker as VersionPicker } from './message-version-picker.js';
export type { MessageVersionPickerProps as VersionPickerProps } from './message-version-picker.js';
export { MessageScope as Scope, useMessage, useMessageContext } from './message-context.js';
export type { MessageContextValue as ContextValue } from './message-context.js';
export { MessageAttachments as Attachments, MessageImages as Images, MessageSources as Sources, MessageToolCalls as ToolCalls, ToolCallCard } from './message-tools.js';
export type { MessageToolCallsProps as ToolCallsProps, ToolCallViewProps, ToolComponents } from './message-tools.js';
