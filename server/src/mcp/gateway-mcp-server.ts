import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { GatewayApi } from './gateway-api.js';

const USAGE_DIMENSIONS = ['day', 'model', 'feature', 'user'] as const;
const USAGE_STATUSES = ['ok', 'error', 'cancelled', 'rejected'] as const;

/** The usage filters every usage tool takes, as the usage API reads them. */
const usageFilter = {
  period: z.string().optional().describe('day, week or month (the last 24 hours, 7 or 30 days), or FROM..TO with ISO dates; default: the last 30 days'),
  from: z.string().optional().describe('start, an ISO date or date-time (inclusive)'),
  to: z.string().optional().describe('end, an ISO date or date-time (exclusive; a date includes that whole day)'),
  feature: z.string().optional().describe('only this feature'),
  model: z.string().optional().describe('only this model (served, or requested when none was served)'),
  user: z.string().optional().describe('only this end user id'),
  status: z.enum(USAGE_STATUSES).optional().describe('only requests that ended this way'),
};

/**
 * An id or name that goes into the API's path: `.` and `..` would be read as steps of the path, not as a name
 * (`configurations/.` is the list of every feature), so they are refused as the arguments they are.
 */
const pathSegment = (description: string) =>
  z.string().min(1).refine((value) => value !== '.' && value !== '..', 'not "." or "..", which would be read as a step of the API\'s path').describe(description);

/** A tool's answer: the API's JSON as structured content, and the same as text for clients that read only text. */
function answer(value: unknown): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : { value }) as Record<string, unknown>,
  };
}

/**
 * Runs a tool's API call; a refusal of the API becomes a tool error (`isError`, as MCP reports failures of a tool)
 * whose text is the API's message and whose structured content is the API's error (message, code, status, param).
 */
function tool<T>(run: (input: T) => Promise<unknown>): (input: T) => Promise<CallToolResult> {
  return async (input) => {
    try {
      return answer(await run(input));
    } catch (error) {
      if (!(error instanceof McpError)) throw error;
      const message = error.message.replace(/^MCP error -?\d+: /, '');
      return { isError: true, content: [{ type: 'text', text: message }], structuredContent: { error: { message, ...(error.data as Record<string, unknown>) } } };
    }
  };
}

/**
 * The gateway as an MCP server: each tool calls the gateway's admin API with the caller's identity, so its figures,
 * checks, audit entries and error messages are the API's. Tools: usage summary and list, the caller's limits, why a
 * request failed or was refused, features list/get/history/set (audited, versioned), model health, recent errors and
 * the emergency stop. Resources: the features and the limits policy. Each tool's input is a strict object: an argument
 * it does not take (a misspelt filter) is refused by name, as the API refuses a field it does not take, rather than
 * dropped.
 * @example
 * const server = createGatewayMcpServer(inProcessGatewayApi(gateway.router, { authorization: `Bearer ${token}` }));
 * await server.connect(new StdioServerTransport());
 */
export function createGatewayMcpServer(api: GatewayApi, version = '0.2.0'): McpServer {
  const server = new McpServer(
    { name: 'insforge-ai', version },
    { instructions: 'Operate an InsForge AI gateway: usage, limits, features, model health and the emergency stop of one project. Amounts are USD; times ISO 8601.' },
  );

  server.registerTool('usage_summary', {
    title: 'Usage summary',
    description: 'Totals of AI requests, tokens, cost (USD), errors and latency percentiles for a period, optionally grouped by day, model, feature or user. Same as GET /api/ai/usage/summary.',
    inputSchema: z.strictObject({ ...usageFilter, groupBy: z.array(z.enum(USAGE_DIMENSIONS)).optional().describe('dimensions to group by') }),
  }, tool(async (input) => api.get('/api/ai/usage/summary', input)));

  server.registerTool('usage_list', {
    title: 'Usage records',
    description: 'Usage records newest first, one per request (model, feature, user, tokens, cost, latency, status), a page at a time. Same as GET /api/ai/usage.',
    inputSchema: z.strictObject({ ...usageFilter, limit: z.number().int().min(1).max(500).optional().describe('records per page (default 50)'), before: z.string().optional().describe('the `next` cursor of the previous page') }),
  }, tool(async (input) => api.get('/api/ai/usage', input)));

  server.registerTool('limits_get', {
    title: 'My limits',
    description: 'Where the caller stands against each limit that applies to it (project, feature, user): used, limit, reset; and whether the project is stopped. Same as GET /api/ai/limits.',
    inputSchema: z.strictObject({ feature: z.string().optional().describe('include this feature\'s limits') }),
  }, tool(async (input) => api.get('/api/ai/limits', input)));

  server.registerTool('request_explain', {
    title: 'Why a request failed',
    description: 'Why a request failed or was refused, by the request id its client got (the x-request-id header of every AI response) or the usage records show: its code, class, a reason an operator can act on, and its upstream errors. Same as GET /api/ai/errors/{requestId}.',
    inputSchema: z.strictObject({ requestId: pathSegment('the request id') }),
  }, tool(async ({ requestId }) => api.get(`/api/ai/errors/${encodeURIComponent(requestId)}`)));

  server.registerTool('features_list', {
    title: 'Features',
    description: 'Every feature (configuration) of the project: model, fallbacks, system prompt, parameters, version. Same as GET /api/ai/configurations.',
    inputSchema: z.strictObject({}),
  }, tool(async () => api.get('/api/ai/configurations')));

  server.registerTool('feature_get', {
    title: 'One feature',
    description: 'One feature by id or name, with its version. Same as GET /api/ai/configurations/{id}.',
    inputSchema: z.strictObject({ id: pathSegment('the feature\'s id or name') }),
  }, tool(async ({ id }) => api.get(`/api/ai/configurations/${encodeURIComponent(id)}`)));

  server.registerTool('feature_history', {
    title: 'A feature\'s versions',
    description: 'Every saved version of a feature, newest first, with who saved it. Same as GET /api/ai/configurations/{id}/history.',
    inputSchema: z.strictObject({ id: pathSegment('the feature\'s id or name') }),
  }, tool(async ({ id }) => api.get(`/api/ai/configurations/${encodeURIComponent(id)}/history`)));

  server.registerTool('feature_set', {
    title: 'Create or change a feature',
    description:
      'Creates the feature when no feature has this name, else changes the given fields of it (the rest stay), checked against the version you read so a concurrent change is not overwritten; audited. Fields: model, fallbackModels, systemPrompt, params, clientOverrides, modality… Same as POST or PATCH /api/ai/configurations.',
    inputSchema: z.strictObject({
      name: pathSegment('the feature\'s name (or id, to change one)'),
      changes: z.record(z.string(), z.unknown()).describe('the fields to set, e.g. {"model":"openai/gpt-4o-mini","params":{"max_tokens":512}}'),
      version: z.number().int().positive().optional().describe('the version you read (required to change an existing feature)'),
    }),
  }, tool(async ({ name, changes, version }: { name: string; changes: Record<string, unknown>; version?: number | undefined }) => {
    const path = `/api/ai/configurations/${encodeURIComponent(name)}`;
    const exists = await api.get(path).then(() => true, (error: unknown) => {
      if ((error as { data?: { status?: number } }).data?.status === 404) return false;
      throw error;
    });
    if (!exists) return api.send('POST', '/api/ai/configurations', { ...changes, name });
    return api.send('PATCH', path, { ...changes, ...(version === undefined ? {} : { version }) });
  }));

  server.registerTool('model_health', {
    title: 'Model health',
    description: 'Circuit breakers (open, half-open, closed) per model and provider, and each model\'s latency, time to first token, tokens per second, error rate and cost per request over a window. Same as GET /api/ai/models/health.',
    inputSchema: z.strictObject({ window: z.enum(['15m', '1h', '24h', '7d', '30d']).optional().describe('the performance window (default 1h)'), feature: z.string().optional() }),
  }, tool(async (input) => api.get('/api/ai/models/health', input)));

  server.registerTool('errors_list', {
    title: 'Recent errors',
    description: 'Recent upstream and gateway errors of the project, newest first: class, code, model, feature, time and request id (never a prompt). Same as GET /api/ai/errors.',
    inputSchema: z.strictObject({
      limit: z.number().int().min(1).max(500).optional(),
      class: z.enum(['upstream', 'timeout', 'rate_limit', 'limit', 'request', 'auth', 'internal']).optional(),
    }),
  }, tool(async (input) => api.get('/api/ai/errors', input)));

  server.registerTool('emergency_stop', {
    title: 'Emergency stop',
    description: 'Stops (stopped: true) or restarts (stopped: false) all AI traffic of the project at once, on every instance; audited. Same as POST /api/ai/emergency-stop.',
    inputSchema: z.strictObject({ stopped: z.boolean(), reason: z.string().max(500).optional().describe('shown to callers while stopped') }),
  }, tool(async (input) => api.send('POST', '/api/ai/emergency-stop', input)));

  server.registerResource('features', 'insforge-ai://features', { title: 'Features', description: 'Every feature of the project, as GET /api/ai/configurations answers.', mimeType: 'application/json' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(await api.get('/api/ai/configurations'), null, 2) }],
  }));
  server.registerResource('limits-policy', 'insforge-ai://limits/policy', { title: 'Limits policy', description: 'The project\'s limits, budget alerts and emergency stop, as GET /api/ai/limits/policy answers.', mimeType: 'application/json' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(await api.get('/api/ai/limits/policy'), null, 2) }],
  }));
  return server;
}
