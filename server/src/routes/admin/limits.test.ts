import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../../../test/harness.js';

let harness: Harness;
beforeAll(async () => {
  // Host names resolve from this table: real DNS is never asked.
  const table: Record<string, string[]> = { 'hooks.example.com': ['93.184.216.34'], 'rebind.example.com': ['10.0.0.7'] };
  harness = await startHarness({
    webhooks: {
      lookup: async (hostname) => {
        const addresses = table[hostname];
        if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        return addresses.map((address) => ({ address, family: 4 }));
      },
    },
  });
});
afterAll(() => harness.close());

async function saveWebhook(webhookUrl: string) {
  const current = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { version: number };
  const response = await fetch(`${harness.url}/api/ai/limits/policy`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: current.version, alerts: { thresholds: [0.8], webhookUrl } }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; param: string | null; message: string }; alerts?: { webhookUrl: string | null } } };
}

describe('PUT /api/ai/limits/policy: the budget alert webhook URL', () => {
  it('saves an https URL whose host resolves to a public address', async () => {
    expect(await saveWebhook('https://hooks.example.com/ai-alerts')).toMatchObject({ status: 200, body: { alerts: { webhookUrl: 'https://hooks.example.com/ai-alerts' } } });
  });

  it.each([
    ['https://169.254.169.254/latest/meta-data/', 'points to a cloud metadata address'],
    ['https://127.0.0.1:8080/internal', 'points to a loopback address'],
    ['https://[::1]/internal', 'points to a loopback address'],
    ['https://[::ffff:10.0.0.1]/', 'points to a private address (RFC 1918)'],
    ['https://2130706433/', 'points to a loopback address'],
    ['https://rebind.example.com/hook', 'rebind.example.com resolves to 10.0.0.7'],
    ['http://hooks.example.com/ai-alerts', 'must use https'],
    ['https://missing.example.com/hook', 'cannot be resolved'],
  ])('refuses %s with a 400 that says why', async (url, reason) => {
    const { status, body } = await saveWebhook(url);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_parameter', param: 'alerts.webhookUrl' });
    expect(body.error?.message).toContain(reason);
  });

  it('keeps the URL saved before when a new one is refused', async () => {
    await saveWebhook('https://hooks.example.com/kept');
    expect((await saveWebhook('https://10.1.1.1/')).status).toBe(400);
    const current = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { alerts: { webhookUrl: string } };
    expect(current.alerts.webhookUrl).toBe('https://hooks.example.com/kept');
  });
});
