import type { IncomingHttpHeaders } from 'node:http';
import { Router } from 'express';
import { requireAdmin } from '../routes/identity-middleware.js';
import type { NodeHandler } from '../in-process-request.js';
import { sendGatewayError, toGatewayError, unparsedBody, type GatewayErrorCode } from '../errors.js';
import type { PlainErrorHandler, PlainRequest } from '../plain-http.js';

export const MCP_PATH = '/mcp';

/** The MCP SDK and the gateway's server on it, loaded at the first MCP request: a gateway nobody asks never holds them. */
const importMcp = () => Promise.all([import('@modelcontextprotocol/sdk/server/streamableHttp.js'), import('./gateway-api.js'), import('./gateway-mcp-server.js'), import('./json-rpc-edges.js')]);
let mcpModules: ReturnType<typeof importMcp> | undefined;
const loadMcp = () => (mcpModules ??= importMcp());

/**
 * Headers of the MCP request that are about the request itself, not who the caller is: its transport, its body (a
 * gzip `content-encoding` would have each tool's plain JSON body read as gzip) and its conditions (an `if-match` or
 * `idempotency-key` meant for it would apply to every call its tools make).
 */
const TRANSPORT_HEADERS = new Set([
  'host', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'content-length', 'content-type', 'content-encoding', 'content-language', 'transfer-encoding',
  'accept', 'accept-encoding', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id',
  'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range', 'range', 'idempotency-key', 'cache-control',
]);

/** The caller's own headers (authorization, cookies…), so each tool's API call identifies the same admin. */
function identityHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || TRANSPORT_HEADERS.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/**
 * `POST /mcp`: the MCP server over streamable HTTP, for admins, stateless (each request gets its own server, so any
 * instance can answer any request). Its tools call the gateway's API with the caller's own headers, so they see what
 * the caller may see. `GET` and `DELETE` (streams and sessions of stateful servers) answer 405.
 * @example
 * router.use(identityMiddleware(context, parseBody));
 * router.use(mcpRouter(router));
 */
export function mcpRouter(gateway: NodeHandler | Router): Router {
  const router = Router();
  router.post(MCP_PATH, requireAdmin, async (req, res) => {
    const [{ StreamableHTTPServerTransport }, { inProcessGatewayApi }, { createGatewayMcpServer }, { connectGatewayMcp, invalidRequestProblem }] = await loadMcp();
    const problem = invalidRequestProblem(req.body);
    if (problem !== undefined) return void res.status(400).json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: `Invalid Request: ${problem}` } });
    const server = createGatewayMcpServer(inProcessGatewayApi(gateway, identityHeaders(req.headers)));
    // No session id generator: stateless.
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await connectGatewayMcp(server, transport);
    await transport.handleRequest(req, res, req.body);
  });
  router.all(MCP_PATH, requireAdmin, (_req, res) => {
    res.status(405).set('allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'This MCP server is stateless: send each JSON-RPC message with POST.' }, id: null });
  });
  return router;
}

const MCP_PATH_WITH_QUERY = `${MCP_PATH}?`;

/**
 * Whether the request is an MCP message (`POST /mcp`), whose body the MCP server answers for in JSON-RPC. Asked of
 * every request's body, so it compares the URL in place rather than splitting it.
 */
export const isMcpMessage = (req: Pick<PlainRequest, 'method' | 'url'>): boolean => req.method === 'POST' && req.url !== undefined && (req.url === MCP_PATH || req.url.startsWith(MCP_PATH_WITH_QUERY));

/** The refusals of a request's body before any route read it: what an MCP client must get as JSON-RPC to read them. */
const BODY_REFUSALS: ReadonlySet<GatewayErrorCode> = new Set(['invalid_request', 'request_too_large', 'unsupported_media_type']);

/**
 * A `POST /mcp` body the gateway refused to read, answered as JSON-RPC 2.0 says (id null, with the gateway's HTTP
 * status, as the SDK's transport answers its own): not JSON is -32700 parse error; JSON that is no object or array
 * (`null`), a body too large, nested too deep or not UTF-8 -32600 invalid request, each with the gateway's words.
 * Any other error (who may call), and any other path, goes on to the gateway's error handler.
 */
export const mcpBodyErrorHandler: PlainErrorHandler = (error, req, res, next) => {
  if (!isMcpMessage(req) || res.headersSent) return next(error);
  const refusal = toGatewayError(error);
  if (!BODY_REFUSALS.has(refusal.code)) return next(error);
  const notJson = (error as { type?: unknown } | null)?.type === 'entity.parse.failed' && !unparsedBody(error).json;
  sendGatewayError(res, refusal, { jsonrpc: '2.0', id: null, error: notJson ? { code: -32700, message: `Parse error: ${refusal.message}` } : { code: -32600, message: `Invalid Request: ${refusal.message}` } });
};
