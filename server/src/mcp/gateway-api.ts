import express from 'express';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { bridge, type NodeHandler } from '../in-process-request.js';

/** The gateway's own HTTP API, called in-process with the MCP caller's credentials. */
export interface GatewayApi {
  /** `GET path?query`; the answer's JSON. */
  get(path: string, query?: Record<string, string | number | boolean | readonly string[] | undefined>): Promise<unknown>;
  /** A write (`POST`, `PUT`, `PATCH`, `DELETE`) with a JSON body; the answer's JSON (null for a 204). */
  send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
}

/** The MCP error code for an API status: the caller's mistakes are invalid params, a refused identity an invalid request. */
function mcpCodeOf(status: number): number {
  if (status === 401 || status === 403) return ErrorCode.InvalidRequest;
  if (status >= 400 && status < 500 && status !== 429) return ErrorCode.InvalidParams;
  return ErrorCode.InternalError;
}

/**
 * Calls the gateway's routes in-process (no socket), so every MCP tool runs the same checks, audit and queries as
 * the API and answers the same figures; a refusal becomes an `McpError` with the API's own message and its code,
 * status and parameter in `data`.
 * @example
 * const api = inProcessGatewayApi(gateway.router, { authorization: `Bearer ${adminToken}` });
 * const summary = await api.get('/api/ai/usage/summary', { period: 'week' });
 */
export function inProcessGatewayApi(router: NodeHandler | express.Router, headers: Record<string, string>): GatewayApi {
  const app = express();
  app.disable('x-powered-by');
  app.use(router as express.Router);
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const request = new Request(`http://gateway.internal${path}`, {
      method,
      headers: { ...headers, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const response = await bridge(app as unknown as NodeHandler, request);
    const text = await response.text();
    const parsed: unknown = text === '' ? null : JSON.parse(text);
    if (response.ok) return parsed;
    const error = (parsed as { error?: { message?: string; code?: string; param?: string | null } } | null)?.error;
    throw new McpError(mcpCodeOf(response.status), error?.message ?? `The gateway answered ${response.status}.`, { status: response.status, code: error?.code ?? null, param: error?.param ?? null });
  };
  return {
    get(path, query = {}) {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) {
        if (value === undefined) continue;
        search.set(name, Array.isArray(value) ? value.join(',') : String(value));
      }
      const text = search.toString();
      return call('GET', text === '' ? path : `${path}?${text}`);
    },
    send: (method, path, body) => call(method, path, body),
  };
}
