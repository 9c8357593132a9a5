import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookClient, WebhookError, type WebhookLookup } from './safe-webhook.js';

/** Everything the local webhook server received, by path. */
const received: Array<{ path: string; host: string | undefined; body: string }> = [];
let server: Server;
let port: number;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  received.push({ path: req.url ?? '', host: req.headers.host, body });
  if (req.url === '/redirect') {
    res.writeHead(307, { location: '/internal' }).end();
  } else if (req.url === '/silent') {
    // never answers
  } else if (req.url === '/flood') {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  } else {
    res.writeHead(204).end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WebhookError);
  return error as WebhookError;
};

/** A resolver that answers from a table and counts its calls; real DNS is never asked. */
function fakeDns(table: Record<string, string[]>): WebhookLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

describe('createWebhookClient: which URLs it refuses', () => {
  const strict = createWebhookClient({ lookup: fakeDns({ 'hooks.example.com': ['93.184.216.34'] }) });

  it('accepts an https URL whose host resolves to public addresses only', async () => {
    await expect(strict.check('https://hooks.example.com/alerts')).resolves.toBeUndefined();
  });

  it('refuses plain http unless the host opts in', async () => {
    expect((await refusal(strict.check('http://hooks.example.com/alerts'))).message).toContain('must use https');
    await expect(createWebhookClient({ allowHttp: true, lookup: fakeDns({ 'hooks.example.com': ['93.184.216.34'] }) }).check('http://hooks.example.com/alerts')).resolves.toBeUndefined();
  });

  it('refuses other schemes and URLs carrying a password', async () => {
    expect((await refusal(strict.check('ftp://hooks.example.com/'))).code).toBe('unsafe_url');
    expect((await refusal(strict.check('file:///etc/passwd'))).code).toBe('unsafe_url');
    expect((await refusal(strict.check('https://user:hunter2@hooks.example.com/'))).message).not.toContain('hunter2');
  });

  it.each([
    ['https://127.0.0.1/', 'a loopback address'],
    ['https://localhost.:8443/', 'a loopback address'],
    ['https://[::1]/', 'a loopback address'],
    ['https://[::ffff:127.0.0.1]/', 'a loopback address'],
    ['https://[::ffff:a9fe:a9fe]/latest/meta-data/', 'a cloud metadata address'],
    ['https://169.254.169.254/latest/meta-data/', 'a cloud metadata address'],
    ['https://2130706433/', 'a loopback address'],
    ['https://0x7f.0.0.1/', 'a loopback address'],
    ['https://0177.0.0.1/', 'a loopback address'],
    ['https://127.1/', 'a loopback address'],
    ['https://10.0.0.5/', 'a private address (RFC 1918)'],
    ['https://192.168.1.1/', 'a private address (RFC 1918)'],
    ['https://100.64.0.1/', 'a carrier-grade NAT address'],
    ['https://[fd00::1]/', 'a unique local address (ULA)'],
    ['https://[fe80::1]/', 'a link-local address'],
    ['https://0.0.0.0/', 'the unspecified "this network" range'],
  ])('refuses %s (%s)', async (url, label) => {
    const client = createWebhookClient({ lookup: fakeDns({ 'localhost.': ['127.0.0.1'] }) });
    const error = await refusal(client.check(url));
    expect(error).toMatchObject({ code: 'unsafe_url' });
    expect(error.message).toContain(label);
  });

  it('refuses a host name that resolves to a private address, checked after DNS', async () => {
    const client = createWebhookClient({ lookup: fakeDns({ 'internal.example.com': ['10.0.0.7'], 'mixed.example.com': ['93.184.216.34', '169.254.169.254'] }) });
    expect((await refusal(client.check('https://internal.example.com/hook'))).message).toBe('the webhook URL points to a private address (RFC 1918) (internal.example.com resolves to 10.0.0.7); webhooks may only reach public addresses');
    expect((await refusal(client.check('https://mixed.example.com/hook'))).message).toContain('a cloud metadata address');
  });

  it('refuses a host that does not resolve', async () => {
    expect(await refusal(createWebhookClient({ lookup: fakeDns({}) }).check('https://nowhere.example.com/'))).toMatchObject({ code: 'unresolvable', message: 'the webhook host nowhere.example.com cannot be resolved' });
  });

  it('lets a host that opts in reach private addresses, but never cloud metadata', async () => {
    const client = createWebhookClient({ allowPrivateAddresses: true, lookup: fakeDns({ 'metadata.internal': ['169.254.169.254'] }) });
    await expect(client.check('https://10.0.0.5/')).resolves.toBeUndefined();
    await expect(client.check('https://[::1]/')).resolves.toBeUndefined();
    expect((await refusal(client.check('https://169.254.169.254/'))).code).toBe('unsafe_url');
    expect((await refusal(client.check('https://metadata.internal/'))).code).toBe('unsafe_url');
  });
});

describe('createWebhookClient: delivery', () => {
  const local = (lookup: WebhookLookup, extra: { timeoutMs?: number; maxResponseBytes?: number } = {}) => createWebhookClient({ allowHttp: true, allowPrivateAddresses: true, lookup, ...extra });

  it('re-checks the URL when delivering, so a URL saved before the rules changed is not posted to', async () => {
    const before = received.length;
    const error = await refusal(createWebhookClient({ allowHttp: true }).post(`http://127.0.0.1:${port}/alerts`, { type: 'test' }));
    expect(error.code).toBe('unsafe_url');
    expect(received.length).toBe(before);
  });

  it('connects to the address it checked and resolves the host once (no DNS-rebinding window)', async () => {
    // A rebinding resolver: the first answer passes the check, later ones point elsewhere (nothing listens there).
    let answers = 0;
    const rebinding: WebhookLookup = async () => [{ address: answers++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    const response = await local(rebinding).post(`http://hooks.example.test:${port}/pinned`, { type: 'budget_alert', threshold: 0.8 });
    expect(response).toMatchObject({ status: 204, ok: true });
    expect(answers).toBe(1);
    expect(received.at(-1)).toEqual({ path: '/pinned', host: `hooks.example.test:${port}`, body: '{"type":"budget_alert","threshold":0.8}' });
  });

  it('does not follow a redirect', async () => {
    const response = await local(fakeDns({ 'hooks.example.test': ['127.0.0.1'] })).post(`http://hooks.example.test:${port}/redirect`, { type: 'test' });
    expect(response).toMatchObject({ status: 307, ok: false });
    expect(received.map((entry) => entry.path)).not.toContain('/internal');
  });

  it('gives up after the timeout when the webhook never answers', async () => {
    const started = Date.now();
    const error = await refusal(local(fakeDns({ 'hooks.example.test': ['127.0.0.1'] }), { timeoutMs: 300 }).post(`http://hooks.example.test:${port}/silent`, {}));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reads at most maxResponseBytes of an endless answer', async () => {
    const response = await local(fakeDns({ 'hooks.example.test': ['127.0.0.1'] }), { maxResponseBytes: 1000 }).post(`http://hooks.example.test:${port}/flood`, {});
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(1000);
  });

  it('reports a refused connection as unreachable', async () => {
    const error = await refusal(local(fakeDns({ 'hooks.example.test': ['127.0.0.2'] })).post(`http://hooks.example.test:${port}/x`, {}));
    expect(error.code).toBe('unreachable');
  });
});
