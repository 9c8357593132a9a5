import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../../auth/identity.js';
import { KeyEncryption } from '../../crypto/key-encryption.js';
import { gatewayErrorHandler } from '../../errors.js';
import { AuditLog } from '../../store/audit-log.js';
import { ChangeNotifier } from '../../store/change-notifier.js';
import { migrateToLatest, openDatabase, type OpenDatabase } from '../../store/database.js';
import { maskProviderKey, ProviderKeyStore } from '../../store/provider-key-store.js';
import { OpenRouterClient } from '../../upstream/openrouter-client.js';
import { providerKeyRouter, type ProviderKeyState } from './provider-key.js';

const TIMEOUTS = { connectMs: 2_000, firstByteMs: 5_000, betweenChunksMs: 5_000 };
const PATH = '/api/ai/provider-key';
/** The host's project: its admins see the facts of the gateway's own key. */
const HOST_PROJECT = 'project-1';

interface App {
  url: string;
  store: ProviderKeyStore;
  close(): Promise<void>;
}

let emulator: Emulator;
let database: OpenDatabase;
let audit: AuditLog;
let app: App;
/** The gateway-wide key (`OPENROUTER_API_KEY`), the fallback when a project stores none. */
let environmentKey: string;
/** Every key a test handed the gateway: none may appear in any response, log line or audit row. */
const secrets: string[] = [];
const bodies: string[] = [];
const logs: string[] = [];

/**
 * The router in a tiny app, as the gateway mounts it: JSON bodies, an identity (here from test headers, `x-role`
 * and `x-project`; none means not signed in), the router, and the one error handler.
 */
async function startApp(options: { encryption: KeyEncryption | undefined; baseUrl: string }): Promise<App> {
  const upstream = new OpenRouterClient({ baseUrl: options.baseUrl, apiKey: environmentKey, timeouts: TIMEOUTS });
  const store = new ProviderKeyStore(database.db, options.encryption, audit, new ChangeNotifier());
  const server = express()
    .use(express.json())
    .use((req, res, next) => {
      const role = req.header('x-role');
      if (role === 'admin' || role === 'user') res.locals['identity'] = { projectId: req.header('x-project') ?? 'project-1', role, userId: `${role}-1` } satisfies Identity;
      next();
    })
    .use(providerKeyRouter({ upstream }, store, audit, HOST_PROJECT))
    .use(gatewayErrorHandler((error) => logs.push(String(error))))
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    async close() {
      store.close();
      await upstream.close();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** One request; every response body is kept for the leak check. */
async function call(method: string, path: string, options: { role?: 'admin' | 'user'; project?: string; body?: unknown; to?: App } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.role) headers['x-role'] = options.role;
  if (options.project) headers['x-project'] = options.project;
  const body = options.body === undefined || method === 'GET' ? {} : { body: JSON.stringify(options.body) };
  const response = await fetch(`${(options.to ?? app).url}${path}`, { method, headers, ...body });
  const text = await response.text();
  bodies.push(text);
  return { status: response.status, body: JSON.parse(text) as ProviderKeyState & { valid?: boolean; error?: { code: string; message: string } } };
}

const rawRow = (projectId: string) => database.db.selectFrom('provider_keys').selectAll().where('project_id', '=', projectId).executeTakeFirst();
const auditRows = (projectId: string) => database.db.selectFrom('audit_log').selectAll().where('project_id', '=', projectId).execute();
/** The actions audited for a project, sorted: entries made within one millisecond have no order. */
const auditedActions = async (projectId: string) => (await auditRows(projectId)).map((entry) => entry.action).sort();

beforeAll(async () => {
  emulator = await startEmulator();
  environmentKey = emulator.apiKey;
  secrets.push(environmentKey);
  database = openDatabase(':memory:');
  await migrateToLatest(database);
  audit = new AuditLog(database.db);
  app = await startApp({ encryption: new KeyEncryption([{ id: 'k1', key: randomBytes(32) }]), baseUrl: emulator.url });
});

afterAll(async () => {
  await app.close();
  await emulator.close();
  const auditText = JSON.stringify(await database.db.selectFrom('audit_log').selectAll().execute());
  await database.close();
  for (const secret of secrets) {
    expect([...bodies, ...logs].filter((text) => text.includes(secret))).toEqual([]);
    expect(auditText).not.toContain(secret);
  }
});

/** A key the emulator accepts, with a label, a credit limit and some spend. */
function goodKey(): string {
  const { key } = emulator.addKey({ label: 'Acme production', limit: 20, usage: 5 });
  secrets.push(key);
  return key;
}

describe('the provider key routes', () => {
  it('show the gateway\'s own key, masked, while the project stores none', async () => {
    const { status, body } = await call('GET', PATH, { role: 'admin', project: randomUUID() });
    expect(status).toBe(200);
    expect(body).toEqual({ configured: true, source: 'environment', masked: maskProviderKey(environmentKey) });
  });

  it('validate a key with OpenRouter, store it encrypted, and answer with its masked form and facts', async () => {
    const project = randomUUID();
    const key = goodKey();
    const { status, body } = await call('PUT', PATH, { role: 'admin', project, body: { key: `  ${key}\n` } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ configured: true, source: 'stored', masked: `sk-or-…${key.slice(-4)}`, label: 'Acme production', limit: 20, limitRemaining: 15, usage: 5, isFreeTier: false });
    expect(Date.parse(body.validatedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect((await call('GET', PATH, { role: 'admin', project })).body).toEqual(body);

    const row = await rawRow(project);
    expect(row?.key_id).toBe('k1');
    expect(JSON.stringify(row)).not.toContain(key);
    expect(await app.store.secret(project)).toBe(key);
    const entries = await auditRows(project);
    expect(entries).toMatchObject([{ action: 'provider_key.set', actor: 'admin-1' }]);
  });

  it('refuse a key OpenRouter rejects with a 400, store nothing, and audit only its masked form', async () => {
    const project = randomUUID();
    const stored = goodKey();
    await call('PUT', PATH, { role: 'admin', project, body: { key: stored } });
    const rejected = generateKey();
    secrets.push(rejected);
    const { status, body } = await call('PUT', PATH, { role: 'admin', project, body: { key: rejected } });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_provider_key', message: 'OpenRouter rejected this key: check that it was copied whole and is not disabled.' });
    expect(await app.store.secret(project)).toBe(stored);
    expect((await call('GET', PATH, { role: 'admin', project })).body.masked).toBe(maskProviderKey(stored));
    expect(await auditedActions(project)).toEqual(['provider_key.rejected', 'provider_key.set']);
    const rejection = (await auditRows(project)).find((entry) => entry.action === 'provider_key.rejected')!;
    expect(JSON.parse(rejection.after!)).toEqual({ masked: maskProviderKey(rejected) });

    const fresh = randomUUID();
    expect((await call('PUT', PATH, { role: 'admin', project: fresh, body: { key: generateKey() } })).status).toBe(400);
    expect(await rawRow(fresh)).toBeUndefined();
  });

  it('answer 400 for a body without a key, without echoing the body', async () => {
    const { status, body } = await call('PUT', PATH, { role: 'admin', body: { key: '   ' } });
    expect(status).toBe(400);
    expect(body.error?.code).toBe('invalid_parameter');
    expect((await call('PUT', PATH, { role: 'admin', body: { secret: 'sk-or-v1-misnamed-field-value' } })).body.error?.message).not.toContain('misnamed');
  });

  it('test the key in use, stored or the gateway\'s, and record fresh facts for a stored one', async () => {
    const project = randomUUID();
    const fallback = await call('POST', `${PATH}/test`, { role: 'admin', project });
    expect(fallback.status).toBe(200);
    // The gateway's key is the host's: another project's admin learns only that it works, not what it spent.
    expect(fallback.body).toEqual({ valid: true, configured: true, source: 'environment', masked: maskProviderKey(environmentKey), validatedAt: expect.any(String) });
    const host = await call('POST', `${PATH}/test`, { role: 'admin', project: HOST_PROJECT });
    expect(host.body).toMatchObject({ valid: true, source: 'environment', masked: maskProviderKey(environmentKey), limit: null, limitRemaining: null, usage: expect.any(Number) });

    const key = goodKey();
    await call('PUT', PATH, { role: 'admin', project, body: { key } });
    emulator.account(key)!.usage = 12;
    const tested = await call('POST', `${PATH}/test`, { role: 'admin', project });
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ valid: true, source: 'stored', masked: maskProviderKey(key), label: 'Acme production', usage: 12, limitRemaining: 8 });
    expect((await call('GET', PATH, { role: 'admin', project })).body).toMatchObject({ usage: 12, limitRemaining: 8, validatedAt: tested.body.validatedAt });
    expect(await auditedActions(project)).toEqual(['provider_key.set', 'provider_key.test', 'provider_key.test']);
  });

  it('delete the stored key, falling back to the gateway\'s', async () => {
    const project = randomUUID();
    await call('PUT', PATH, { role: 'admin', project, body: { key: goodKey() } });
    const { status, body } = await call('DELETE', PATH, { role: 'admin', project });
    expect(status).toBe(200);
    expect(body).toEqual({ configured: true, source: 'environment', masked: maskProviderKey(environmentKey) });
    expect(await rawRow(project)).toBeUndefined();
    expect(await auditedActions(project)).toEqual(['provider_key.remove', 'provider_key.set']);
  });

  it.each([
    ['GET', PATH],
    ['PUT', PATH],
    ['DELETE', PATH],
    ['POST', `${PATH}/test`],
  ])('%s %s answers 403 to a user and 401 to nobody', async (method, path) => {
    const project = randomUUID();
    const asUser = await call(method, path, { role: 'user', project, body: { key: goodKey() } });
    expect(asUser.status).toBe(403);
    expect(asUser.body.error?.code).toBe('forbidden');
    expect((await call(method, path, { project, body: { key: goodKey() } })).status).toBe(401);
    expect(await rawRow(project)).toBeUndefined();
    expect(await auditRows(project)).toEqual([]);
  });
});

describe('the provider key routes without a master key', () => {
  it('refuse to store a key, saying how to set INSFORGE_AI_ENCRYPTION_KEY', async () => {
    const unencrypted = await startApp({ encryption: undefined, baseUrl: emulator.url });
    try {
      const project = randomUUID();
      const { status, body } = await call('PUT', PATH, { role: 'admin', project, body: { key: goodKey() }, to: unencrypted });
      expect(status).toBe(500);
      expect(body.error?.code).toBe('encryption_key_missing');
      expect(body.error?.message).toContain('INSFORGE_AI_ENCRYPTION_KEY');
      expect(body.error?.message).toContain('openssl rand -base64 32');
      expect(await rawRow(project)).toBeUndefined();
    } finally {
      await unencrypted.close();
    }
  });
});

describe('the provider key routes when OpenRouter cannot be reached', () => {
  it('answer 502 saying so, and store nothing', async () => {
    const offline = await startApp({ encryption: new KeyEncryption([{ id: 'k1', key: randomBytes(32) }]), baseUrl: 'http://127.0.0.1:1/api/v1' });
    try {
      const project = randomUUID();
      const { status, body } = await call('PUT', PATH, { role: 'admin', project, body: { key: goodKey() }, to: offline });
      expect(status).toBe(502);
      expect(body.error).toMatchObject({ code: 'upstream_error', message: expect.stringContaining('OpenRouter could not be reached') });
      expect(await rawRow(project)).toBeUndefined();
    } finally {
      await offline.close();
    }
  });
});
