import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookClient } from '../net/safe-webhook.js';
import type { UsageRecord } from '../usage/usage-record.js';
import { DegradationAlerts, type DegradationAlert } from './degradation-alerts.js';

let server: Server;
let url: string;
const received: unknown[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const logs: string[] = [];
const logger = { info: () => undefined, warn: (message: string) => void logs.push(message), error: (message: string) => void logs.push(message) };
const record = (status: UsageRecord['status'], feature = 'chat'): UsageRecord => ({
  requestId: 'r', endpoint: 'chat', projectId: 'default', feature, requestedModel: feature, status, streamed: false,
  promptTokens: 0, completionTokens: 0, reasoningTokens: 0, latencyMs: 1, attempts: 1, startedAt: new Date(),
});

describe('degradation alerts', () => {
  it('alerts once when a feature\'s error rate passes the threshold over the window, ignoring cancelled and refused requests, and again after the cooldown', async () => {
    let now = 1_000_000;
    const alerts: DegradationAlert[] = [];
    const dispatcher = new DegradationAlerts({
      settings: { errorRateThreshold: 0.5, windowMs: 60_000, minRequests: 4 },
      webhooks: createWebhookClient(),
      callback: (alert) => void alerts.push(alert),
      logger,
      now: () => now,
    });
    for (const status of ['error', 'error', 'error', 'cancelled', 'rejected', 'rejected'] as const) dispatcher.requestEnded(record(status));
    expect(alerts).toHaveLength(0);
    dispatcher.requestEnded(record('ok'));
    dispatcher.requestEnded(record('ok', 'other-feature'));
    await dispatcher.settled();
    expect(alerts).toEqual([expect.objectContaining({ type: 'error_rate', projectId: 'default', feature: 'chat', errorRate: 0.75, requests: 4, threshold: 0.5 })]);
    dispatcher.requestEnded(record('error'));
    expect(alerts).toHaveLength(1);
    // The old failures leave the window: the rate is measured on recent requests only.
    now += 61_000;
    for (const status of ['ok', 'ok', 'ok', 'error'] as const) dispatcher.requestEnded(record(status));
    await dispatcher.settled();
    expect(alerts).toHaveLength(1);
    for (let index = 0; index < 4; index += 1) dispatcher.requestEnded(record('error'));
    await dispatcher.settled();
    expect(alerts).toHaveLength(2);
  });

  it('sends circuit alerts to the webhook through the safe webhook client: refused for a private address by default, delivered where the host allows it', async () => {
    const refusing = new DegradationAlerts({ settings: { webhookUrl: url }, webhooks: createWebhookClient(), logger });
    refusing.circuitChanged({ scope: 'model', name: 'acme/fast', state: 'open', at: new Date(0) });
    await refusing.settled();
    expect(received).toHaveLength(0);
    expect(logs).toContain('the degradation alert webhook could not be delivered');

    const allowed = new DegradationAlerts({ settings: { webhookUrl: url }, webhooks: createWebhookClient({ allowHttp: true, allowPrivateAddresses: true }), logger });
    allowed.circuitChanged({ scope: 'model', name: 'acme/fast', state: 'open', at: new Date(0) });
    await allowed.settled();
    expect(received).toEqual([{ type: 'circuit_open', scope: 'model', name: 'acme/fast', at: '1970-01-01T00:00:00.000Z' }]);
  });
});
