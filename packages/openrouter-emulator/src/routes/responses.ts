import type { IncomingMessage, ServerResponse } from 'node:http';
import { respondJson, type JsonAnswerBodies } from '../chat/respond-json.js';
import { streamChat } from '../chat/stream.js';
import { validateChatRequest } from '../chat/validate.js';
import { authenticateInference, type EmulatorContext } from '../context.js';
import { readJsonBody } from '../http.js';
import { chatOfResponsesRequest } from '../responses/chat-of-request.js';
import { ResponseEvents } from '../responses/response-events.js';
import { finalStatusOf, outputItemsOf, responseErrorCode, responseObject, responsesUsage } from '../responses/response-object.js';
import { serveChat, type ChatAnswerFormat } from './chat-completions.js';

/** The response objects of a JSON answer: whole, or failed inside a 200 (`error-body`, `error-after`). */
function responseBodies(request: Record<string, unknown>): JsonAnswerBodies {
  const createdAt = Math.floor(Date.now() / 1000);
  return {
    answer: (id, plan, usage) => responseObject(id, plan, request, createdAt, { ...finalStatusOf(plan), output: outputItemsOf(id, plan), usage: responsesUsage(usage) }),
    failed: (id, plan, code, message) => responseObject(id, plan, request, createdAt, { status: 'failed', output: [], usage: null, error: { code: responseErrorCode(code), message } }),
  };
}

/**
 * `POST /api/v1/responses`: OpenRouter's stateless Responses API. The request is read as the chat it amounts to
 * (`chatOfResponsesRequest`), so the same scenario rules pace it, fail it and bill it; the answer is written as a
 * `response` object, or as the Responses API's typed events.
 */
export async function handleResponses(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const account = authenticateInference(context, req);
  const request = await readJsonBody(req);
  const chat = chatOfResponsesRequest(request);
  validateChatRequest(chat);
  const format: ChatAnswerFormat = {
    json: (ctx, response, plan, probe, scenario) => respondJson(ctx, response, plan, probe, scenario, responseBodies(request)),
    stream: (ctx, response, plan, probe, scenario) => streamChat(ctx, response, plan, probe, scenario, (id, plan, created) => new ResponseEvents(id, plan, created, request)),
  };
  await serveChat(context, req, res, account, chat, format, request);
}
