import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
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

const readPolicy = async () => (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { version: number; alerts: { thresholds: number[]; webhookUrl: string | null } };

async function saveWebhook(webhookUrl: string | null, thresholds = [0.8]) {
  const current = await readPolicy();
  const response = await fetch(`${harness.url}/api/ai/limits/policy`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: current.version, alerts: { thresholds, webhookUrl } }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; param: string | null; message: string }; alerts?: { webhookUrl: string | null } } };
}

/** The URL the budget alerts are delivered to, as the gateway keeps it. */
const storedWebhookUrl = async () => (await (await harness.gateway.ready).limits.get('default')).alerts.webhookUrl;

describe('PUT /api/ai/limits/policy: the budget alert webhook URL', () => {
  it('saves an https URL whose host resolves to a public address', async () => {
    expect(await saveWebhook('https://hooks.example.com/ai-alerts')).toMatchObject({ status: 200, body: { alerts: { webhookUrl: 'https://hooks.example.com/…' } } });
    expect(await storedWebhookUrl()).toBe('https://hooks.example.com/ai-alerts');
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
    expect(await storedWebhookUrl()).toBe('https://hooks.example.com/kept');
  });
});

describe('a budget alert webhook URL is write-only: its path and query may hold a token', () => {
  const SECRET_URL = 'https://hooks.example.com/T000/B000/XXXXsecret?token=abc';
  const secretParts = /T000|B000|XXXXsecret|token=abc/;

  it('answers only its scheme and host, in the policy, the answer to a save and the emergency stop\'s', async () => {
    const saved = await saveWebhook(SECRET_URL);
    expect(saved).toMatchObject({ status: 200, body: { alerts: { webhookUrl: 'https://hooks.example.com/…' } } });
    expect((await readPolicy()).alerts.webhookUrl).toBe('https://hooks.example.com/…');
    const stop = await fetch(`${harness.url}/api/ai/emergency-stop`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ stopped: false }) });
    expect(await stop.text()).not.toMatch(secretParts);
    expect(harness.bodies.join('\n')).not.toMatch(secretParts);
  });

  it('keeps it out of the audit log', async () => {
    await saveWebhook(SECRET_URL);
    await saveWebhook(null);
    const audit = await (await fetch(`${harness.url}/api/ai/audit?limit=500`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    expect(audit).toContain('https://hooks.example.com/…');
    expect(audit).not.toMatch(secretParts);
  });

  it('keeps it out of the MCP limits resource', async () => {
    await saveWebhook(SECRET_URL);
    const client = new Client({ name: 'limits-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${harness.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } } }));
    try {
      const policy = await client.readResource({ uri: 'insforge-ai://limits/policy' });
      const text = (policy.contents[0] as { text: string }).text;
      expect(JSON.parse(text)).toMatchObject({ alerts: { webhookUrl: 'https://hooks.example.com/…' } });
      expect(text).not.toMatch(secretParts);
    } finally {
      await client.close();
    }
  });

  it('is kept when the form it was read in is saved back, and replaced or removed like any other', async () => {
    await saveWebhook(SECRET_URL);
    const read = await readPolicy();
    expect(await saveWebhook(read.alerts.webhookUrl, [0.5, 1])).toMatchObject({ status: 200, body: { alerts: { webhookUrl: 'https://hooks.example.com/…' } } });
    expect(await storedWebhookUrl()).toBe(SECRET_URL);
    expect((await saveWebhook('https://hooks.example.com/other')).status).toBe(200);
    expect(await storedWebhookUrl()).toBe('https://hooks.example.com/other');
    expect((await saveWebhook(null)).status).toBe(200);
    expect(await storedWebhookUrl()).toBeNull();
  });

  it('refuses a shortened form that is not the saved URL\'s, instead of saving it as an address', async () => {
    await saveWebhook(SECRET_URL);
    const { status, body } = await saveWebhook('https://hooks.example.com:8443/…');
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_parameter', param: 'alerts.webhookUrl' });
    expect(await storedWebhookUrl()).toBe(SECRET_URL);
  });
});
