import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { trackUnansweredRequests } from './unanswered-requests.js';

/** A transport whose messages the test delivers and whose answers it reads. */
function fakeTransport() {
  const sent: JSONRPCMessage[] = [];
  const transport: Transport = { start: async () => undefined, close: async () => undefined, send: async (message) => void sent.push(message) };
  transport.onmessage = () => undefined;
  return { transport, sent, deliver: (message: JSONRPCMessage) => transport.onmessage?.(message) };
}
const settledWithin = (promise: Promise<void>, ms: number) => Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe('trackUnansweredRequests', () => {
  it('resolves once each request taken is answered, by a result or an error', async () => {
    const { transport, deliver } = fakeTransport();
    const unanswered = trackUnansweredRequests(transport);
    deliver({ jsonrpc: '2.0', id: 1, method: 'ping' });
    deliver({ jsonrpc: '2.0', id: 'b', method: 'tools/list' });
    deliver({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const answered = unanswered.answered(10_000);
    await transport.send({ jsonrpc: '2.0', id: 1, result: {} });
    expect(await settledWithin(answered, 50)).toBe(false);
    await transport.send({ jsonrpc: '2.0', id: 'b', error: { code: -32601, message: 'Method not found' } });
    expect(await settledWithin(answered, 50)).toBe(true);
  });

  it('does not wait for a request the client cancelled, which the SDK never answers', async () => {
    const { transport, deliver } = fakeTransport();
    const unanswered = trackUnansweredRequests(transport);
    deliver({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'usage_summary' } });
    deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'user' } });
    expect(await settledWithin(unanswered.answered(10_000), 50)).toBe(true);
  });

  it('gives up after its grace period', async () => {
    const { transport, deliver } = fakeTransport();
    const unanswered = trackUnansweredRequests(transport);
    deliver({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(await settledWithin(unanswered.answered(10), 200)).toBe(true);
  });
});
