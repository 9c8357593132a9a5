import type { IncomingMessage, ServerResponse } from 'node:http';
import { respondJson, type JsonAnswerBodies } from '../chat/respond-json.js';
import { streamChat } from '../chat/stream.js';
import { validateChatRequest } from '../chat/validate.js';
import { authenticateInference, type EmulatorContext } from '../context.js';
import { EmulatorHttpError, readJsonBody, sendJson } from '../http.js';
import { chatOfMessagesRequest } from '../messages/chat-of-request.js';
import { MessageEvents } from '../messages/message-events.js';
import { contentBlocksOf, messageError, messageObject, messageUsage, stopReasonOf } from '../messages/message-object.js';
import { serveChat, type ChatAnswerFormat } from './chat-completions.js';

/** The bodies of a JSON answer: the whole message, or the Messages API's error body inside a 200 (`error-body`). */
const MESSAGE_BODIES: JsonAnswerBodies = {
  answer: (id, plan, usage) => messageObject(id, plan, { content: contentBlocksOf(plan), stopReason: stopReasonOf(plan), usage: messageUsage(usage) }),
  failed: (_id, _plan, code, message) => messageError(code, message),
};

const FORMAT: ChatAnswerFormat = {
  json: (context, res, plan, probe, scenario) => respondJson(context, res, plan, probe, scenario, MESSAGE_BODIES),
  stream: (context, res, plan, probe, scenario) => streamChat(context, res, plan, probe, scenario, (id, plan) => new MessageEvents(id, plan)),
};

/**
 * `POST /api/v1/messages`: OpenRouter's Anthropic-style Messages API. The request is read as the chat it amounts to
 * (`chatOfMessagesRequest`), so the same scenario rules pace it, fail it and bill it; the answer is written as a
 * `message`, or as its named SSE events. Errors before the answer are in the Messages API's shape
 * (`{type:"error", error:{type, message}}`) with their real status and headers.
 */
export async function handleMessages(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const account = authenticateInference(context, req);
    const request = await readJsonBody(req);
    const chat = chatOfMessagesRequest(request);
    validateChatRequest(chat);
    await serveChat(context, req, res, account, chat, FORMAT, request);
  } catch (error) {
    if (!(error instanceof EmulatorHttpError) || res.headersSent) throw error;
    sendJson(res, error.status, messageError(error.status, error.message), error.headers);
  }
}
