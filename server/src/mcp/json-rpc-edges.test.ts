import { PassThrough } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayApi } from './gateway-api.js';
import { createGatewayMcpServer } from './gateway-mcp-server.js';
import { connectGatewayMcp } from './json-rpc-edges.js';

const api: GatewayApi = { get: async (path) => ({ path }), send: async (method, path) => ({ method, path }) };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The gateway's MCP server on a stdio transport over in-memory streams: write lines in, read the answers out. */
async function stdioServer(options: { answerUnreadableLines?: boolean } = { answerUnreadableLines: true }) {
  const input = new PassThrough();
  const output = new PassThrough();
  const answers: unknown[] = [];
  let pending = '';
  output.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      answers.push(JSON.parse(pending.slice(0, end)));
      pending = pending.slice(end + 1);
    }
  });
  const server = createGatewayMcpServer(api);
  await connectGatewayMcp(server, new StdioServerTransport(input, output), options);
  closers.push(() => server.close());
  const ask = async (line: string, count = answers.length + 1) => {
    input.write(`${line}\n`);
    for (let tries = 0; tries < 200 && answers.length < count; tries += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    return answers.at(-1);
  };
  return { ask, answers };
}

const call = (id: number, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });

describe('the MCP server at the edges of JSON-RPC 2.0', () => {
  it('answers a tools/call whose arguments are null with -32602 invalid params, in words', async () => {
    const { ask } = await stdioServer();
    const answer = (await ask(call(7, { name: 'features_list', arguments: null }))) as { id: number; error: { code: number; message: string } };
    expect(answer).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32602 } });
    expect(answer.error.message).toMatch(/^Invalid params for tools\/call: params\.arguments: /);
    expect(answer.error.message).toBe('Invalid params for tools/call: params.arguments: Invalid input: expected record, received null');
    // A call the schema takes still reaches the tool.
    expect(await ask(call(8, { name: 'features_list', arguments: {} }))).toMatchObject({ id: 8, result: { structuredContent: { path: '/api/ai/configurations' } } });
    expect(await ask(call(9, { name: 'features_list' }))).toMatchObject({ id: 9, result: { structuredContent: { path: '/api/ai/configurations' } } });
  });

  it('answers resources/read of a URI that is no URL with -32602 invalid params, not -32603 internal error', async () => {
    const { ask } = await stdioServer();
    for (const [id, uri] of [[4, 'not a url'], [5, '__proto__'], [6, '']] as const) {
      expect(await ask(JSON.stringify({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri } }))).toEqual({ jsonrpc: '2.0', id, error: { code: -32602, message: `Invalid params for resources/read: params.uri: ${JSON.stringify(uri)} is not a URI (a resource's URI is like insforge-ai://features)` } });
    }
    expect(await ask(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'resources/read', params: { uri: 'insforge-ai://features' } }))).toMatchObject({ id: 7, result: { contents: [{ uri: 'insforge-ai://features' }] } });
  });

  it('answers a stdio line that is not JSON with -32700, and JSON that is no JSON-RPC message with -32600, id null', async () => {
    const { ask } = await stdioServer();
    expect(await ask('this is not json')).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error: a line is not JSON/) } });
    expect(await ask('{"hello":"world"}')).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringMatching(/^Invalid Request: /) } });
    // The server goes on reading after both.
    expect(await ask(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }))).toEqual({ jsonrpc: '2.0', id: 3, result: {} });
  });

  it('leaves unreadable lines to the transport where it answers them itself', async () => {
    const { ask, answers } = await stdioServer({});
    await ask('this is not json', 1);
    expect(answers).toEqual([]);
  });
});
