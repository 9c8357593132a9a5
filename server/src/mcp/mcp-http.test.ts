import { gzipSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';

let harness: Harness;
let client: Client;
beforeAll(async () => {
  harness = await startHarness({ usage: undefined, ledger: { flushIntervalMs: 5 } });
  client = await connect(ADMIN_TOKEN);
});
afterAll(async () => {
  await client.close();
  await harness.close();
});

async function connect(token: string): Promise<Client> {
  const connected = new Client({ name: 'mcp-http-test', version: '1.0.0' });
  await connected.connect(new StreamableHTTPClientTransport(new URL(`${harness.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return connected;
}
const api = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${harness.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const chat = (content: string, model = 'chat') =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
const structured = (result: Awaited<ReturnType<Client['callTool']>>) => result.structuredContent as Record<string, unknown>;

describe('the MCP server over streamable HTTP at /mcp', () => {
  it('lists its tools, each with a description and an input schema, and its resources', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'emergency_stop', 'errors_list', 'feature_get', 'feature_history', 'feature_set', 'features_list', 'limits_get', 'model_health', 'request_explain', 'usage_list', 'usage_summary',
    ]);
    for (const tool of tools) {
      expect(tool.description?.length).toBeGreaterThan(20);
      expect(tool.inputSchema.type).toBe('object');
    }
    expect(tools.find((tool) => tool.name === 'usage_summary')?.inputSchema.properties).toHaveProperty('groupBy');
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri).sort()).toEqual(['insforge-ai://features', 'insforge-ai://limits/policy']);
  });

  it('gives a usage summary equal to the API\'s', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    for (const content of ['one', 'two']) expect((await chat(content)).status).toBe(200);
    expect((await chat('x', 'no-such-feature')).status).toBe(400);
    let fromApi: Record<string, unknown> = {};
    for (let tries = 0; tries < 100; tries += 1) {
      fromApi = (await api(`/api/ai/usage/summary?groupBy=feature,model&from=${yesterday}&to=${today}`)).body;
      if ((fromApi['totals'] as { requests: number }).requests >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const fromMcp = structured(await client.callTool({ name: 'usage_summary', arguments: { groupBy: ['feature', 'model'], from: yesterday, to: today } }));
    expect(fromMcp).toEqual(fromApi);
    expect((fromMcp['totals'] as { requests: number }).requests).toBe(3);
  });

  it('explains a refused request by the x-request-id its client got', async () => {
    const response = await chat('x', 'not-a-feature');
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const explained = structured(await client.callTool({ name: 'request_explain', arguments: { requestId } }));
    expect(explained).toMatchObject({ requestId, code: 'model_not_found', class: 'request', model: 'not-a-feature' });
    expect(explained['reason']).toMatch(/model or feature this project does not have/);
  });

  it('sets a feature through the API (audited, versioned) and answers API refusals as MCP errors with the API\'s message', async () => {
    const created = structured(await client.callTool({ name: 'feature_set', arguments: { name: 'mcp-made', changes: { model: 'openai/gpt-4o-mini', systemPrompt: 'Be brief.' } } }));
    expect(created).toMatchObject({ name: 'mcp-made', version: 1 });
    const changed = structured(await client.callTool({ name: 'feature_set', arguments: { name: 'mcp-made', changes: { systemPrompt: 'Be very brief.' }, version: 1 } }));
    expect(changed).toMatchObject({ version: 2, systemPrompt: 'Be very brief.' });
    const audit = await api('/api/ai/audit');
    expect(JSON.stringify(audit.body)).toContain('mcp-made');

    const stale = await api('/api/ai/configurations/mcp-made', { method: 'PATCH', body: JSON.stringify({ systemPrompt: 'x', version: 1 }) });
    expect(stale.status).toBe(409);
    const message = (stale.body['error'] as { message: string }).message;
    // A tool that the API refuses answers a tool error: the API's message as its text, the API's error as its content.
    const refusal = await client.callTool({ name: 'feature_set', arguments: { name: 'mcp-made', changes: { systemPrompt: 'x' }, version: 1 } });
    expect(refusal.isError).toBe(true);
    expect(refusal.content).toEqual([{ type: 'text', text: message }]);
    expect(structured(refusal)['error']).toMatchObject({ message, status: 409, code: 'version_conflict', param: 'version' });

    const missing = await client.callTool({ name: 'feature_get', arguments: { id: 'nope' } });
    expect(missing).toMatchObject({ isError: true, content: [{ type: 'text', text: 'No configuration "nope" in this project.' }] });
    // A resource the API refuses is an MCP protocol error with the API's message.
    const unknownResource = await client.readResource({ uri: 'insforge-ai://nothing' }).then(() => undefined, (error: unknown) => error);
    expect(unknownResource).toBeInstanceOf(McpError);
  });

  it('refuses an id of "." or "..", which the API\'s path would read as a step, instead of answering another route (the list of every feature)', async () => {
    for (const [name, args] of [
      ['feature_get', { id: '.' }],
      ['feature_history', { id: '..' }],
      ['request_explain', { requestId: '.' }],
      ['feature_set', { name: '.', changes: { systemPrompt: 'x' }, version: 1 }],
    ] as const) {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError, name).toBe(true);
      expect(result.structuredContent, name).toBeUndefined();
      expect((result.content as { text: string }[])[0]?.text, name).toMatch(/Invalid arguments for tool .*not "\." or "\.\."/);
    }
  });

  it('refuses an argument a tool does not take, naming it, instead of answering as if it were not there (a misspelt filter read every record)', async () => {
    for (const [name, args, unknown] of [
      ['usage_list', { feautre: 'chat' }, 'feautre'],
      ['features_list', { name: 'chat' }, 'name'],
      ['emergency_stop', { stopped: false, resaon: 'drill' }, 'resaon'],
      ['feature_set', { name: 'mcp-strict', changes: { model: 'openai/gpt-4o-mini' }, verison: 1 }, 'verison'],
    ] as const) {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError, name).toBe(true);
      expect((result.content as { text: string }[])[0]?.text, name).toMatch(new RegExp(`Invalid arguments for tool ${name}: .*"${unknown}"`));
    }
    expect((await api('/api/ai/configurations/mcp-strict')).status).toBe(404);
    // Each tool's input schema says so to the client.
    const { tools } = await client.listTools();
    for (const tool of tools) expect(tool.inputSchema, tool.name).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it('stops and restarts the project, reads the resources, and shows model health', async () => {
    expect(structured(await client.callTool({ name: 'emergency_stop', arguments: { stopped: true, reason: 'drill' } }))).toMatchObject({ stopped: true, stopReason: 'drill' });
    expect((await chat('while stopped')).status).toBe(503);
    await client.callTool({ name: 'emergency_stop', arguments: { stopped: false } });
    const policy = await client.readResource({ uri: 'insforge-ai://limits/policy' });
    expect(JSON.parse((policy.contents[0] as { text: string }).text)).toMatchObject({ stopped: false });
    const features = await client.readResource({ uri: 'insforge-ai://features' });
    expect((features.contents[0] as { text: string }).text).toContain('"name": "chat"');
    const health = structured(await client.callTool({ name: 'model_health', arguments: { window: '1h' } }));
    expect(health).toHaveProperty('circuits');
    expect(health['models']).toEqual(expect.arrayContaining([expect.objectContaining({ model: 'openai/gpt-4o-mini' })]));
  });

  it('answers malformed JSON-RPC as JSON-RPC 2.0 says: -32700 for no JSON, -32600 for JSON null, -32602 for null arguments', async () => {
    const post = async (body: string) => {
      const response = await fetch(`${harness.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body });
      return { status: response.status, body: (await response.json()) as { id: unknown; error?: { code: number; message: string }; result?: unknown } };
    };
    expect(await post('null')).toEqual({ status: 400, body: { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: The request body is JSON null; it must be a JSON object (or an array, where a route takes a batch).' } } });
    expect(await post('{"jsonrpc":')).toMatchObject({ status: 400, body: { id: null, error: { code: -32700, message: 'Parse error: The request body is not valid JSON.' } } });
    const nullArguments = await post(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'features_list', arguments: null } }));
    expect(nullArguments).toMatchObject({ status: 200, body: { id: 5, error: { code: -32602, message: 'Invalid params for tools/call: params.arguments: Invalid input: expected record, received null' } } });
    // Another route keeps the gateway's error shape, with the same words.
    const chatNull = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: 'null' });
    expect([chatNull.status, ((await chatNull.json()) as { error: { message: string } }).error.message]).toEqual([400, 'The request body is JSON null; it must be a JSON object (or an array, where a route takes a batch).']);
  });

  it('answers JSON that is no JSON-RPC 2.0 message with -32600 invalid request, not -32700 parse error, and an empty batch too', async () => {
    const post = async (body: unknown) => {
      const response = await fetch(`${harness.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as { id: unknown; error: { code: number; message: string } } };
    };
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    for (const [label, body, problem] of [
      ['version 1.0', { ...ping, jsonrpc: '1.0' }, /^Invalid Request: the body is JSON but not a JSON-RPC 2\.0 message/],
      ['no version', { id: 1, method: 'ping' }, /not a JSON-RPC 2\.0 message/],
      ['a null id', { ...ping, id: null }, /not a JSON-RPC 2\.0 message/],
      ['a method that is a number', { ...ping, method: 42 }, /not a JSON-RPC 2\.0 message/],
      ['params that are a string', { ...ping, params: 'x' }, /not a JSON-RPC 2\.0 message/],
      ['an empty batch', [], /^Invalid Request: the batch is empty/],
      ['a batch with a number in it', [ping, 42], /^Invalid Request: item 1 of the batch is not a JSON-RPC 2\.0 message/],
      ['a batch whose requests share an id', [ping, { ...ping, method: 'tools/list' }], /^Invalid Request: items 0 and 1 of the batch are requests with the same id \(1\)/],
    ] as const) {
      const answer = await post(body);
      expect(answer.status, label).toBe(400);
      expect(answer.body, label).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringMatching(problem) } });
    }
    expect(await post(Array.from({ length: 101 }, (_, id) => ({ ...ping, id })))).toMatchObject({ status: 400, body: { id: null, error: { code: -32600, message: 'Invalid Request: Batch must not exceed 100 messages' } } });
    // A batch of messages the SDK takes is still answered whole.
    const batch = await post([ping, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...ping, id: 2 }]);
    expect(batch).toMatchObject({ status: 200, body: [{ id: 1, result: {} }, { id: 2, result: {} }] });
  });

  it('answers a body the gateway refuses to read (too large, nested too deep) in JSON-RPC, with the gateway\'s status and words', async () => {
    const post = async (body: string) => {
      const response = await fetch(`${harness.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    const call = (argumentsJson: string) => `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"usage_summary","arguments":${argumentsJson}}}`;
    expect(await post(call(JSON.stringify({ user: 'x'.repeat(11 * 1024 * 1024) })))).toEqual({ status: 413, body: { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: The request body is too large.' } } });
    expect(await post(call(`{"user":${'['.repeat(100)}${']'.repeat(100)}}`))).toEqual({ status: 400, body: { jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringMatching(/^Invalid Request: The request body's JSON nests \d+ levels deep; the gateway accepts at most 64\.$/) } } });
    // Who may call is still answered as the gateway answers it everywhere.
    const forbidden = await fetch(`${harness.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: call('{}') });
    expect([forbidden.status, ((await forbidden.json()) as { error: { code: string } }).error.code]).toEqual([403, 'forbidden']);
  });

  it('calls the API with the caller\'s identity only: a compressed MCP request and its own conditions do not reach the tools\' calls', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'feature_set', arguments: { name: 'mcp-compressed', changes: { model: 'openai/gpt-4o-mini' } } } });
    const response = await fetch(`${harness.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip', 'if-match': '"41"', accept: 'application/json, text/event-stream' },
      body: gzipSync(body),
    });
    const answer = (await response.json()) as { result: { isError?: boolean; structuredContent: Record<string, unknown> } };
    expect(answer.result.isError).toBeUndefined();
    expect(answer.result.structuredContent).toMatchObject({ name: 'mcp-compressed', version: 1 });
  });

  it('answers a NUL character in a tool\'s arguments with a tool error giving the API\'s refusal, as over stdio, not a transport error', async () => {
    for (const [name, args] of [
      ['usage_summary', { user: 'a\u0000b' }],
      ['feature_set', { name: 'mcp-nul', changes: { model: 'openai/gpt-4o-mini', systemPrompt: 'a\u0000b' } }],
    ] as const) {
      const result = await client.callTool({ name, arguments: args });
      expect(result, name).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('NUL characters (\\u0000) are not accepted') }] });
      expect(structured(result)['error'], name).toMatchObject({ status: 400, code: 'invalid_request' });
    }
    expect((await api('/api/ai/configurations/mcp-nul')).status).toBe(404);
    // Other routes still refuse such a body before reading it.
    const chatNul = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'a\u0000b' }] }) });
    expect(chatNul.status).toBe(400);
  });

  it('is for admins only', async () => {
    const response = await fetch(`${harness.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(403);
    expect((await fetch(`${harness.url}/mcp`, { method: 'POST', body: '{}' })).status).toBe(401);
  });
});
