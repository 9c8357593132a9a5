import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookClient, type WebhookClientOptions } from '../net/safe-webhook.js';
import { BudgetAlertDispatcher } from './budget-alerts.js';
import { MemoryLimitPolicySource, type ProjectLimits } from './limit-policy.js';
import { MemoryBackend } from './memory-backend.js';
import type { SpendReport } from './quota-guard.js';
import { EMPTY_POLICY } from './types.js';

const hits: string[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/moved') res.writeHead(307, { location: '/internal/admin' }).end();
    else res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

let reportCount = 0;

/** Fires one alert (a fresh period each time) to `webhookUrl` and waits until the dispatcher logged its outcome. */
async function fire(webhookUrl: string, webhooks: WebhookClientOptions) {
  const logs: Array<{ level: string; message: string; fields: Record<string, unknown> | undefined }> = [];
  let delivered!: () => void;
  const settled = new Promise<void>((resolve) => (delivered = resolve));
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => logs.push({ level, message, fields });
  const limits: ProjectLimits = { policy: EMPTY_POLICY, alerts: { thresholds: [0.5], webhookUrl }, stopped: false, stopReason: null, version: 1, updatedAt: null, updatedBy: null };
  const dispatcher = new BudgetAlertDispatcher({
    backend: new MemoryBackend(),
    policies: async () => new MemoryLimitPolicySource({ p: limits }),
    audit: async () => ({ record: async () => undefined }),
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    webhooks: createWebhookClient(webhooks),
    callback: () => delivered(),
  });
  reportCount += 1;
  const report: SpendReport = { projectId: 'p', scope: 'project', target: null, kind: 'spendPerDayUsd', limitUsd: 1, spentUsd: 0.6, period: `2026-01-${reportCount}`, periodEnd: Date.now() + 60_000, alertsFrom: 0.5 };
  dispatcher.check(report);
  await settled;
  return logs;
}

describe('BudgetAlertDispatcher webhooks', () => {
  it('re-checks a stored webhook URL at delivery and posts nothing to a loopback address', async () => {
    const before = hits.length;
    const logs = await fire(`${base}/alerts`, { allowHttp: true });
    expect(hits.length).toBe(before);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'budget alert webhook could not be reached', fields: expect.objectContaining({ reason: expect.stringContaining('a loopback address') }) }));
  });

  it('does not follow a redirect, so the alert is never re-posted to another path', async () => {
    const logs = await fire(`${base}/moved`, { allowHttp: true, allowPrivateAddresses: true });
    expect(hits).toContain('/moved');
    expect(hits).not.toContain('/internal/admin');
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'budget alert webhook answered an error', fields: expect.objectContaining({ status: 307 }) }));
  });

  it('delivers to a webhook the host allowed', async () => {
    await fire(`${base}/alerts`, { allowHttp: true, allowPrivateAddresses: true });
    expect(hits).toContain('/alerts');
  });
});

describe('BudgetAlertDispatcher thresholds', () => {
  it('leaves a spend below the lowest threshold the request was admitted under without reading the settings', async () => {
    let reads = 0;
    const alerts: number[] = [];
    const limits: ProjectLimits = { policy: EMPTY_POLICY, alerts: { thresholds: [0.5, 0.9], webhookUrl: null }, stopped: false, stopReason: null, version: 1, updatedAt: null, updatedBy: null };
    const dispatcher = new BudgetAlertDispatcher({
      backend: new MemoryBackend(),
      policies: async () => {
        reads += 1;
        return new MemoryLimitPolicySource({ p: limits });
      },
      audit: async () => ({ record: async () => undefined }),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      webhooks: createWebhookClient({}),
      callback: (alert) => void alerts.push(alert.threshold),
    });
    const report: SpendReport = { projectId: 'p', scope: 'project', target: null, kind: 'spendPerDayUsd', limitUsd: 10, spentUsd: 4.99, period: '2026-02-01', periodEnd: Date.now() + 60_000, alertsFrom: 0.5 };
    dispatcher.check(report);
    dispatcher.check({ ...report, spentUsd: 9, alertsFrom: Number.POSITIVE_INFINITY });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads).toBe(0);
    dispatcher.check({ ...report, spentUsd: 5 });
    await expect.poll(() => alerts).toEqual([0.5]);
    expect(reads).toBe(1);
  });
});
