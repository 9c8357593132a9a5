import { answerParts, shownAnswer, userMessageParts, type AssistantMessage, type ConversationMessage, type UserMessage } from './chat-messages.js';
import type { ChatMessageParam, ContentPart } from './chat-types.js';
import type { AssistantMessagePart, MessageFilePart, MessageToolPart, ReasoningDetail } from './message-parts.js';

/** A file part as the content part OpenRouter takes for its kind. */
function filePartToContent(file: MessageFilePart): ContentPart {
  if (file.kind === 'image') return { type: 'image_url', image_url: { url: file.url } };
  if (file.kind === 'audio') {
    // OpenAI's input_audio takes bare base64 and a format; the format is the media type's subtype (`audio/wav` → wav).
    const comma = file.url.indexOf(',');
    const format = file.mediaType.split('/')[1]?.replace(/^x-/, '').replace(/^mpeg$/, 'mp3') ?? 'wav';
    return { type: 'input_audio', input_audio: { data: file.url.startsWith('data:') ? file.url.slice(comma + 1) : file.url, format } };
  }
  return { type: 'file', file: { ...(file.name ? { filename: file.name } : {}), file_data: file.url } };
}

function userToRequest(message: UserMessage): ChatMessageParam {
  const parts = userMessageParts(message);
  if (!parts.some((part) => part.type === 'file')) return { role: 'user', content: message.content };
  const content: ContentPart[] = parts.map((part) => (part.type === 'text' ? { type: 'text', text: part.text } : filePartToContent(part)));
  return { role: 'user', content };
}

/** What the model reads as a tool's result: its output as JSON text, or why it has none. */
function toolResultText(call: MessageToolPart): string {
  if (call.state === 'output-available') return typeof call.output === 'string' ? call.output : JSON.stringify(call.output ?? null);
  if (call.state === 'output-error') return `Error: ${call.errorText ?? 'the tool failed.'}`;
  if (call.state === 'denied') return `The user denied this call${call.errorText ? `: ${call.errorText}` : '.'}`;
  return 'No result: the call was not completed.';
}

/** Splits an answer's parts at each `step-start`: one model call each. */
function stepsOf(parts: readonly AssistantMessagePart[]): AssistantMessagePart[][] {
  const steps: AssistantMessagePart[][] = [[]];
  for (const part of parts) {
    if (part.type === 'step-start') steps.push([]);
    else steps.at(-1)?.push(part);
  }
  return steps;
}

/**
 * One answer as request messages: per step, the assistant message (its text, its client tool calls, its reasoning
 * details exactly as received) and a `tool` message per call with the result the model reads. Server tools ran
 * upstream and are not sent back; sources and generated images are not part of a request.
 */
function answerToRequest(answer: AssistantMessage): ChatMessageParam[] {
  const history: ChatMessageParam[] = [];
  for (const step of stepsOf(answerParts(answer))) {
    const text = step.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
    const calls = step.filter((part): part is MessageToolPart => part.type === 'tool-call' && !part.server && part.state !== 'input-streaming');
    const details: ReasoningDetail[] = step.flatMap((part) => (part.type === 'reasoning' ? [...part.details] : []));
    if (text === '' && calls.length === 0) continue;
    const message: ChatMessageParam = { role: 'assistant', content: text === '' ? null : text };
    if (calls.length > 0) message.tool_calls = calls.map((call) => ({ id: call.toolCallId, type: 'function', function: { name: call.name, arguments: call.input } }));
    if (details.length > 0) message.reasoning_details = details;
    history.push(message);
    for (const call of calls) history.push({ role: 'tool', tool_call_id: call.toolCallId, content: toolResultText(call) });
  }
  return history;
}

/**
 * The request history for a conversation: user messages with their attachments, and each turn's shown answer with
 * its steps, tool calls, results and reasoning details. A failed or empty answer is left out, so the model does not
 * read an error as something it said.
 *
 * @example
 * client.chat.stream({ model: 'chat', messages: toRequestMessages(state.messages) }, { onEvent });
 */
export function toRequestMessages(messages: readonly ConversationMessage[]): ChatMessageParam[] {
  const history: ChatMessageParam[] = [];
  for (const message of messages) {
    if (message.role === 'user') history.push(userToRequest(message));
    else history.push(...answerToRequest(shownAnswer(message)));
  }
  return history;
}
