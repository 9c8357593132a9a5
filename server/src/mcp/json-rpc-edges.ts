import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { MAX_BATCH_SIZE } from '@modelcontextprotocol/sdk/server/requestBody.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ClientRequestSchema, ErrorCode, isJSONRPCRequest, JSONRPCMessageSchema, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/** The schema of each request a client may send, by method: what the SDK checks a request against before its handler. */
const REQUEST_SCHEMAS = new Map(ClientRequestSchema.options.map((schema) => [schema.shape.method.value as string, schema]));

/**
 * What the SDK's handlers check of params their schema takes, by method, in words: they throw a bare error for it,
 * which the SDK answers -32603 internal error (`new URL("not a url")` is "Invalid URL").
 */
const HANDLER_CHECKS = new Map<string, (params: Record<string, unknown>) => string | undefined>([
  ['resources/read', ({ uri }) => (URL.canParse(String(uri)) ? undefined : `params.uri: ${JSON.stringify(uri)} is not a URI (a resource's URI is like insforge-ai://features)`)],
]);

/** `"params.arguments: expected an object…"`: the first problem of a request's params, in words. */
function paramsProblem(message: JSONRPCMessage): string | undefined {
  if (!isJSONRPCRequest(message)) return undefined;
  const result = REQUEST_SCHEMAS.get(message.method)?.safeParse(message);
  const issue = result && !result.success ? result.error.issues[0] : undefined;
  const problem = issue ? `${issue.path.map(String).join('.') || 'params'}: ${issue.message}` : result && HANDLER_CHECKS.get(message.method)?.(message.params ?? {});
  return problem ? `Invalid params for ${message.method}: ${problem}` : undefined;
}

/** What a message must be, in the words of every -32600 answer to one that is not. */
const NOT_A_MESSAGE = 'not a JSON-RPC 2.0 message (an object with "jsonrpc": "2.0" and a "method", or a response)';

/**
 * What makes a parsed HTTP body no JSON-RPC message or batch, in words, or undefined when it is one. The SDK's HTTP
 * transport answers such a body -32700 parse error, though it parsed; JSON-RPC 2.0 says -32600 invalid request, as
 * for an empty batch (which the SDK answers 202, nothing) and a batch whose requests share an id (whose answers the
 * SDK matches by id, so one of them went unanswered).
 * @example
 * invalidRequestProblem([]); // 'the batch is empty; send at least one message'
 */
export function invalidRequestProblem(body: unknown): string | undefined {
  if (!Array.isArray(body)) return JSONRPCMessageSchema.safeParse(body).success ? undefined : `the body is JSON but ${NOT_A_MESSAGE}.`;
  if (body.length === 0) return 'the batch is empty; send at least one message.';
  // The SDK's transport refuses a longer batch (-32600) before reading any of it: neither is this read.
  if (body.length > MAX_BATCH_SIZE) return undefined;
  const requestIds = new Map<RequestId, number>();
  for (const [index, item] of body.entries()) {
    if (!JSONRPCMessageSchema.safeParse(item).success) return `item ${index} of the batch is ${NOT_A_MESSAGE}.`;
    if (!isJSONRPCRequest(item)) continue;
    const first = requestIds.get(item.id);
    if (first !== undefined) return `items ${first} and ${index} of the batch are requests with the same id (${JSON.stringify(item.id)}); each request needs an id of its own.`;
    requestIds.set(item.id, index);
  }
  return undefined;
}

/**
 * A JSON-RPC error response. JSON-RPC 2.0 answers a message whose id cannot be read with `"id": null`, which the SDK's
 * type leaves out (its HTTP transport sends it all the same); the transports write the object as it is.
 */
const errorAnswer = (id: RequestId | null, code: number, message: string) => ({ jsonrpc: '2.0', id, error: { code, message } }) as JSONRPCMessage;

/**
 * Connects the gateway's MCP server to a transport, answering the malformed messages the SDK (1.32) answers wrongly
 * or not at all, as JSON-RPC 2.0 says: a request whose params its method's schema refuses (`"arguments": null`) gets
 * -32602 invalid params with the problem in words, where the SDK answers -32603 internal error with a dump of zod's
 * issues, and so does a resources/read of a URI that is no URL (the SDK's -32603 "Invalid URL"); with `answerUnreadableLines` (stdio, where the SDK only logs them), a line that is not JSON gets -32700
 * parse error and JSON that is not a JSON-RPC message gets -32600 invalid request, each with id null. Over HTTP the
 * SDK's transport answers those itself.
 * @example
 * await connectGatewayMcp(server, new StdioServerTransport(), { answerUnreadableLines: true });
 */
export async function connectGatewayMcp(server: McpServer, transport: Transport, options: { answerUnreadableLines?: boolean } = {}): Promise<void> {
  await server.connect(transport);
  // Wrapped after `connect`, which installs the SDK's own handlers: a refused request never reaches them.
  const handle = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const problem = paramsProblem(message);
    if (problem === undefined) return handle?.(message, extra);
    void transport.send(errorAnswer((message as { id: RequestId }).id, ErrorCode.InvalidParams, problem)).catch((error: unknown) => transport.onerror?.(error as Error));
  };
  if (!options.answerUnreadableLines) return;
  const onError = transport.onerror;
  transport.onerror = (error) => {
    onError?.(error);
    // What the stdio transport's line reader throws: JSON.parse's SyntaxError, or zod's error for a non-message.
    const answer = error instanceof SyntaxError
      ? errorAnswer(null, ErrorCode.ParseError, `Parse error: a line is not JSON (${error.message})`)
      : error.name === 'ZodError'
        ? errorAnswer(null, ErrorCode.InvalidRequest, `Invalid Request: a line is JSON but ${NOT_A_MESSAGE}.`)
        : undefined;
    if (answer) void transport.send(answer).catch(() => undefined);
  };
}
