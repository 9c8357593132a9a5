import { byteSize, type AttachmentRefusal } from '../../core/attachments.js';
import type { ToolCallState } from '../../core/message-parts.js';
import type { AiError } from '../../core/errors.js';
import { defaultMarkdownLabels, type MarkdownLabels } from '../../markdown/markdown-labels.js';

/** Every visible (and screen-reader) string of ChatPanel; pass some of them as `labels` to translate or reword. */
export interface ChatLabels extends MarkdownLabels {
  /** The composer's accessible name. */
  message: string;
  /** The composer's placeholder (ChatPanel's `placeholder` replaces it). */
  placeholder: string;
  send: string;
  stop: string;
  regenerate: string;
  copy: string;
  /** The feedback buttons under an answer. */
  goodAnswer: string;
  badAnswer: string;
  edit: string;
  /** The accessible name of the inline textbox that edits a sent message. */
  editMessage: string;
  cancel: string;
  /** The name of the version switcher group, and its buttons. */
  versions: string;
  previousVersion: string;
  nextVersion: string;
  versionCount: (current: number, total: number) => string;
  /** The scrollable conversation region. */
  conversation: string;
  you: string;
  assistant: string;
  /** The empty conversation's heading (ChatPanel's `title` replaces it) and its line of help. */
  emptyTitle: string;
  emptyState: string;
  /** The name of the list of suggested prompts. */
  suggestions: string;
  /** Starts a new conversation (the current one stays in storage). */
  newChat: string;
  thinking: string;
  reasoning: string;
  /** The reasoning's summary once it is over, from its first and last delta. */
  thoughtFor: (seconds: number) => string;
  /** Reasoning the provider keeps encrypted (nothing to read, but it goes back with the next turn), and how long it took when known. */
  reasoningHidden: (seconds: number | undefined) => string;
  /** A tool call's card: its group name, the web search server tool's name, each state, its sections. */
  toolCall: string;
  webSearch: string;
  toolStates: Record<ToolCallState, string>;
  toolArguments: string;
  toolResult: string;
  /** A web search while it runs, and what it found. */
  searchingWeb: string;
  sourceCount: (count: number) => string;
  /** Asked on a call that needs the user's approval (with the tool's name), with its two buttons. */
  toolApprovalQuestion: (name: string) => string;
  approve: string;
  deny: string;
  /** The list of sources under an answer that cites the web. */
  sources: string;
  /** A user message's files, and the words for those without a name. */
  attachments: string;
  attachedImage: string;
  audio: string;
  file: string;
  /** The alternative text of a generated image (followed by its number). */
  generatedImage: string;
  /** The button that opens an image large (a generated one, or an attached one by its name). */
  openImage: (name: string) => string;
  /** The large view of an image: its title, moving between images, closing it, downloading it. */
  imageOf: (index: number, count: number) => string;
  previousImage: string;
  nextImage: string;
  closeImage: string;
  download: string;
  downloadImage: (index: number, count: number) => string;
  /** The composer's attach button, a file's remove button, a file being read, and why one cannot be sent. */
  attachFiles: string;
  removeAttachment: (name: string) => string;
  readingAttachment: string;
  attachmentRefused: (refusal: AttachmentRefusal) => string;
  attachmentFailed: string;
  /** The composer's web search toggle (ChatPanel's `webSearch`). */
  searchTheWeb: string;
  /** Marks an answer stopped by the user; also announced. */
  stopped: string;
  /** Marks an answer that failed before any text (the error itself shows below the conversation). */
  failed: string;
  /** Marks an answer a failure cut off after it had started: its partial text stays above this. */
  interrupted: string;
  /** Marks an answer that ended at its length limit (`finish_reason: "length"`) rather than where the model was done. */
  lengthLimit: string;
  /** Marks an answer the provider's content filter stopped (`finish_reason: "content_filter"`). */
  contentFilter: string;
  /** Announced while an answer is generated, and when it is complete. */
  generating: string;
  answerComplete: string;
  jumpToLatest: string;
  /** Above the messages of a long conversation that are not shown yet. */
  showEarlier: string;
  modelInfo: string;
  model: string;
  provider: string;
  tokens: string;
  tokensInOut: (input: number, output: number) => string;
  cost: string;
  timeToFirstToken: string;
  tokensPerSecond: string;
  finishReason: string;
  /** Shown for a figure the answer does not have (no usage reported, still streaming…). */
  notAvailable: string;
  /** The error text; default the error's own `userMessage`. */
  errorMessage: (error: AiError) => string;
  tryAgain: string;
  /** Next to the disabled "Try again" button while the wait of a rate limit runs. */
  retryIn: (seconds: number) => string;
  newConversation: string;
  /** Shown while the conversation cannot be saved (`storageError`); default "This conversation is not saved." and why. */
  storageErrorMessage: (error: AiError) => string;
  /**
   * Shown while the saved conversation cannot be read (`failedStorageAction: 'load'`): nothing is written until it can
   * be, so what it holds is not replaced; default "This conversation could not be loaded…" and why.
   */
  storageLoadErrorMessage: (error: AiError) => string;
}

/** The English defaults. */
export const defaultChatLabels: ChatLabels = {
  ...defaultMarkdownLabels,
  message: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  stop: 'Stop',
  regenerate: 'Regenerate',
  copy: 'Copy',
  goodAnswer: 'Good answer',
  badAnswer: 'Bad answer',
  edit: 'Edit',
  editMessage: 'Edit message',
  cancel: 'Cancel',
  versions: 'Versions',
  previousVersion: 'Previous version',
  nextVersion: 'Next version',
  versionCount: (current, total) => `${current} / ${total}`,
  conversation: 'Conversation',
  you: 'You',
  assistant: 'Assistant',
  emptyTitle: 'How can I help you today?',
  emptyState: 'Ask anything to get started.',
  suggestions: 'Suggestions',
  newChat: 'New chat',
  thinking: 'Thinking…',
  reasoning: 'Reasoning',
  thoughtFor: (seconds) => (seconds < 1 ? 'Thought for a moment' : `Thought for ${Math.round(seconds)} s`),
  reasoningHidden: (seconds) => (seconds === undefined || seconds < 1 ? 'Reasoned (hidden by the provider)' : `Thought for ${Math.round(seconds)} s (hidden by the provider)`),
  toolCall: 'Tool call',
  webSearch: 'Web search',
  toolStates: {
    'input-streaming': 'Preparing…',
    'input-available': 'Running…',
    'awaiting-approval': 'Needs your approval',
    'output-available': 'Done',
    'output-error': 'Failed',
    denied: 'Denied',
  },
  toolArguments: 'Arguments',
  toolResult: 'Result',
  searchingWeb: 'Searching the web…',
  sourceCount: (count) => (count === 1 ? '1 source' : `${count} sources`),
  toolApprovalQuestion: (name) => `Allow ${name} to run?`,
  approve: 'Approve',
  deny: 'Deny',
  sources: 'Sources',
  attachments: 'Attachments',
  attachedImage: 'Attached image',
  audio: 'Audio',
  file: 'File',
  generatedImage: 'Generated image',
  openImage: (name) => `Open ${name}`,
  imageOf: (index, count) => `Image ${index + 1} of ${count}`,
  previousImage: 'Previous image',
  nextImage: 'Next image',
  closeImage: 'Close',
  download: 'Download',
  downloadImage: (index, count) => `Download image ${index + 1} of ${count}`,
  attachFiles: 'Attach files',
  searchTheWeb: 'Search the web',
  removeAttachment: (name) => `Remove ${name}`,
  readingAttachment: 'Reading…',
  attachmentRefused: (refusal) => {
    if (refusal.reason === 'kind') return `This assistant does not take ${{ image: 'images', pdf: 'documents', file: 'documents', audio: 'audio' }[refusal.kind]}.`;
    if (refusal.reason === 'type') return `Files of type ${refusal.mediaType} are not accepted here.`;
    if (refusal.reason === 'size') return `Too large: at most ${byteSize(refusal.maxBytes)} per file.`;
    return `At most ${refusal.maxCount} of these per message.`;
  },
  attachmentFailed: 'This file could not be read.',
  stopped: 'Stopped',
  failed: 'No answer: the request failed.',
  interrupted: 'The answer was cut off: the request failed.',
  lengthLimit: 'Stopped at the length limit.',
  contentFilter: "Stopped by the provider's content filter.",
  generating: 'Generating…',
  answerComplete: 'Answer complete',
  jumpToLatest: 'Jump to latest',
  showEarlier: 'Show earlier messages',
  modelInfo: 'Model info',
  model: 'Model',
  provider: 'Provider',
  tokens: 'Tokens',
  tokensInOut: (input, output) => `${input.toLocaleString()} in / ${output.toLocaleString()} out`,
  cost: 'Cost',
  timeToFirstToken: 'Time to first token',
  tokensPerSecond: 'Tokens per second',
  finishReason: 'Finish reason',
  notAvailable: '—',
  errorMessage: (error) => error.userMessage,
  tryAgain: 'Try again',
  retryIn: (seconds) => `You can try again in ${seconds} s.`,
  newConversation: 'New conversation',
  storageErrorMessage: (error) => `This conversation is not saved. ${error.userMessage}`,
  storageLoadErrorMessage: (error) => `This conversation could not be loaded, and new messages are not saved until it can be. ${error.userMessage}`,
};
