// The parts of a thread, as one namespace: `Thread.Root`, `Thread.Viewport`…
export { ThreadRoot as Root } from './thread-root.js';
export type { ThreadRootProps as RootProps } from './thread-root.js';
export { ThreadViewport as Viewport, ThreadScrollToBottom as ScrollToBottom, useThreadViewport } from './thread-viewport.js';
export type { ThreadViewportProps as ViewportProps, ThreadScrollToBottomProps as ScrollToBottomProps } from './thread-viewport.js';
export { ThreadMessages as Messages } from './thread-messages.js';
export type { ThreadMessagesProps as MessagesProps } from './thread-messages.js';
export { ThreadEmpty as Empty, ThreadSuggestion as Suggestion } from './thread-empty.js';
export type { ThreadEmptyProps as EmptyProps, ThreadSuggestionProps as SuggestionProps } from './thread-empty.js';
