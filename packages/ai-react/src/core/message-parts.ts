// A message as an ordered list of parts: what the user wrote and attached, and what the assistant said, thought,
// called, cited and drew, in the order it happened. Plain JSON, so storage keeps it as it is.

/** Text the user wrote or the model answered (markdown for the assistant). */
export interface MessageTextPart {
  type: 'text';
  text: string;
}

/**
 * One entry of OpenRouter's `reasoning_details` (`reasoning.text`, `reasoning.summary`, `reasoning.encrypted`), kept
 * exactly as received: a reasoning model refuses the next turn when they do not come back untouched.
 */
export type ReasoningDetail = { type: string; [field: string]: unknown };

/** What the model thought before answering; shown as a collapsible "Thought for N s" block. */
export interface MessageReasoningPart {
  type: 'reasoning';
  /** The readable reasoning (empty when the provider sends only encrypted details). */
  text: string;
  /** Sent back on the next turn as `reasoning_details`. */
  details: readonly ReasoningDetail[];
  /** Epoch milliseconds of the first and the last reasoning delta: "Thought for N s". */
  startedAt?: number;
  finishedAt?: number;
}

/**
 * Where a tool call is: its arguments arriving, complete (about to run), waiting for the user's approval, answered,
 * failed (the model reads the error), or refused by the user (the model reads that too).
 */
export type ToolCallState = 'input-streaming' | 'input-available' | 'awaiting-approval' | 'output-available' | 'output-error' | 'denied';

/** A call of a tool: a client tool run in the browser, or an OpenRouter server tool (web search) run upstream. */
export interface MessageToolPart {
  type: 'tool-call';
  toolCallId: string;
  /** The stream's `index`: parallel calls in one answer arrive interleaved by it. */
  index: number;
  name: string;
  /** The arguments as JSON text, as streamed (complete once the state leaves `input-streaming`). */
  input: string;
  state: ToolCallState;
  /** The result the model reads (`output-available`); any JSON value. */
  output?: unknown;
  /** Why the tool failed (`output-error`) or was refused (`denied`), in words the model and the user read. */
  errorText?: string;
  /** True for OpenRouter server tools: they ran upstream, the browser neither runs nor answers them. */
  server?: boolean;
}

/** What a file part holds, decided by its media type. */
export type AttachmentKind = 'image' | 'pdf' | 'audio' | 'file';

/** A file the user attached: shown as a preview (image) or a chip (PDF, audio), sent as the matching content part. */
export interface MessageFilePart {
  type: 'file';
  kind: AttachmentKind;
  /** e.g. `image/png`, `application/pdf`, `audio/wav`. */
  mediaType: string;
  /** The file's name as picked, pasted or dropped. */
  name?: string;
  /** Bytes of the decoded file. */
  size: number;
  /** A `data:` URL, or the gateway file store's reference once saved (see the conversations API). */
  url: string;
  /** Pixel size of an image, when known (previews reserve their box). */
  width?: number;
  height?: number;
}

/** A web source the answer cites (`url_citation`); `[n]` in the text links to the source numbered n. */
export interface MessageSourcePart {
  type: 'source';
  /** 1-based, in the order the sources first appeared. */
  number: number;
  url: string;
  title?: string;
  /** The quoted passage, when the provider sent one. */
  content?: string;
}

/** An image the model generated (a `data:` URL from the gateway, or a file-store reference once saved). */
export interface MessageImagePart {
  type: 'image';
  url: string;
}

/**
 * The start of another model call inside one answer: a tool loop answers in steps (call → result → answer), shown
 * as one reply and sent back as an assistant message, tool messages and the next assistant message.
 */
export interface MessageStepPart {
  type: 'step-start';
}

/** What a user message holds. */
export type UserMessagePart = MessageTextPart | MessageFilePart;

/** What an assistant answer holds. */
export type AssistantMessagePart = MessageTextPart | MessageReasoningPart | MessageToolPart | MessageSourcePart | MessageImagePart | MessageStepPart;

export type MessagePart = UserMessagePart | AssistantMessagePart;

/** A JSON Schema object describing a tool's arguments. */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * A schema object from a validation library that can describe itself as JSON Schema (zod 4's `toJSONSchema()`, or
 * the Standard JSON Schema interface), accepted without depending on the library.
 */
export type SchemaLike = { toJSONSchema(): JsonSchema } | { '~standard': { jsonSchema?: { input(options: { target: string }): JsonSchema } } };

/** Passed to a client tool's `execute`. */
export interface ToolExecutionContext {
  toolCallId: string;
  /** Aborted when the user stops the answer or leaves the conversation. */
  signal: AbortSignal;
}

/**
 * A tool the model may call. With `execute`, it runs in the browser and its result goes back to the model
 * automatically; without, the app answers it with `addToolOutput` (e.g. from a form in a tool component).
 *
 * @example
 * const tools = {
 *   convert: { description: 'Converts units', parameters: { type: 'object', properties: { value: { type: 'number' } } }, execute: ({ value }) => value * 2.54 },
 *   createTicket: { description: 'Opens a ticket', parameters: ticketSchema, needsApproval: true, execute: createTicket },
 * } satisfies ChatTools;
 */
export interface ChatTool<Input = never, Output = unknown> {
  description?: string;
  parameters: JsonSchema | SchemaLike;
  execute?: (input: Input, context: ToolExecutionContext) => Output | Promise<Output>;
  /** Ask the user before running (and before sending the result): true, or decided from the arguments. */
  needsApproval?: boolean | ((input: Input) => boolean);
}

/** Tools by name (the name the model calls). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each tool's input type is its own; the map holds any
export type ChatTools = Record<string, ChatTool<any, unknown>>;
