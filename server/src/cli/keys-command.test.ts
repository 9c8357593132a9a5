import { beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from '../jobs/job-store.js';
import { openGatewayStores } from '../store/gateway-stores.js';
import { runCapturedCli } from '../../test/captured-cli.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

let database: string;

const inDirectory = useTemporaryDirectory('insforge-ai-keys-');
beforeAll(async () => {
  database = inDirectory('ai.db');
  // Only migrate and serve create a database; the other commands need one.
  await (await openGatewayStores({ database, defaultProjectId: 'default' })).close();
});

async function cli(argv: string[]) {
  const { exitCode, out, err } = await runCapturedCli([...argv, '--database', database]);
  return { exitCode, out, err: err.join('\n') };
}

/** Asks a fresh store (no cache) who a key belongs to, as a gateway would. */
async function verify(key: string) {
  const stores = await openGatewayStores({ database, defaultProjectId: 'default' });
  try {
    return await stores.clientKeys.verify(key);
  } finally {
    await stores.close();
  }
}

describe('insforge-ai keys', () => {
  let key: string;
  let id: string;

  it('creates a key, prints it alone on stdout once with a warning, and the key verifies', async () => {
    const created = await cli(['keys', 'create', '--label', 'web app']);
    expect(created.exitCode).toBe(0);
    expect(created.out).toHaveLength(1);
    key = created.out[0]!;
    expect(key).toMatch(/^ik_[A-Za-z0-9_-]{32}$/);
    expect(created.err).toContain('"web app", role user, project "default"');
    expect(created.err).toContain('will not be shown again');
    expect(created.err).not.toContain(key);
    id = /client key (\S+) /.exec(created.err)![1]!;
    expect(await verify(key)).toEqual({ projectId: 'default', role: 'user', clientKeyId: id });
  });

  it('creates an admin key tied to a user', async () => {
    const created = await cli(['keys', 'create', '--label', 'ops', '--role', 'admin', '--user', 'u-42', '--project', 'acme']);
    expect(created.exitCode).toBe(0);
    expect(await verify(created.out[0]!)).toMatchObject({ projectId: 'acme', role: 'admin', userId: 'u-42' });
  });

  it('lists keys without the keys themselves', async () => {
    const list = await cli(['keys', 'list']);
    expect(list.exitCode).toBe(0);
    expect(list.out[0]).toMatch(/^ID\s+LABEL\s+PREFIX\s+ROLE\s+CREATED\s+LAST USED\s+REVOKED$/);
    expect(list.out).toHaveLength(2);
    expect(list.out[1]).toContain(id);
    expect(list.out[1]).toContain('web app');
    expect(list.out[1]).toContain(`${key.slice(0, 10)}…`);
    expect(list.out[1]).toMatch(/\s-$/);
    expect(list.out.join('\n')).not.toContain(key);
    expect(list.out.join('\n')).not.toContain('ops');
  });

  it('revokes a key: it stops verifying, the list shows when, and the audit log says the CLI did it', async () => {
    const revoked = await cli(['keys', 'revoke', id]);
    expect(revoked).toMatchObject({ exitCode: 0, out: [`Revoked client key ${id} ("web app", ${key.slice(0, 10)}…).`] });
    expect(await verify(key)).toBeUndefined();
    expect((await cli(['keys', 'list'])).out[1]).toMatch(/\d\d:\d\d:\d\dZ$/);
    expect((await cli(['keys', 'revoke', id])).out[0]).toContain('was already revoked at');

    const stores = await openGatewayStores({ database, defaultProjectId: 'default' });
    try {
      const { entries } = await stores.audit.list('default');
      expect(entries.map((entry) => [entry.action, entry.actor])).toEqual([
        ['client_key.revoke', 'cli'],
        ['client_key.create', 'cli'],
      ]);
      expect(JSON.stringify(entries)).not.toContain(key);
    } finally {
      await stores.close();
    }
  });

  it('cancels the batch jobs a revoked key created, and says how many', async () => {
    const created = await cli(['keys', 'create', '--label', 'nightly script']);
    const scriptKeyId = /client key (\S+) /.exec(created.err)![1]!;
    const stores = await openGatewayStores({ database, defaultProjectId: 'default' });
    let jobIds: string[];
    try {
      const jobs = new JobStore(stores.database.db, stores.clock.now);
      const make = (clientKeyId: string) => jobs.create({ identity: { projectId: 'default', role: 'user', clientKeyId }, kind: 'chat', options: {}, items: [{ model: 'chat', messages: [] }], worstCaseUsd: 0.01 });
      jobIds = [(await make(scriptKeyId)).id, (await make(scriptKeyId)).id, (await make('another-key')).id];
    } finally {
      await stores.close();
    }
    const revoked = await cli(['keys', 'revoke', scriptKeyId]);
    expect(revoked.exitCode).toBe(0);
    expect(revoked.out).toEqual([expect.stringContaining(`Revoked client key ${scriptKeyId}`), 'Cancelled 2 batch jobs it created that had work left.']);
    const after = await openGatewayStores({ database, defaultProjectId: 'default' });
    try {
      const jobs = new JobStore(after.database.db, after.clock.now);
      const statuses = await Promise.all(jobIds.map(async (jobId) => (await jobs.get(jobId))?.status));
      expect(statuses).toEqual(['cancelled', 'cancelled', 'queued']);
      expect((await jobs.summary(jobIds[0]!))?.counts.cancelled).toBe(1);
    } finally {
      await after.close();
    }
  });

  it('says what is wrong with a bad invocation or an unknown id', async () => {
    expect(await cli(['keys', 'revoke', 'no-such-id'])).toMatchObject({ exitCode: 1, err: expect.stringContaining('no client key no-such-id in project "default"') });
    expect(await cli(['keys', 'create'])).toMatchObject({ exitCode: 2, err: expect.stringContaining('keys create needs --label') });
    expect(await cli(['keys', 'create', '--label', 'x', '--role', 'root'])).toMatchObject({ exitCode: 2, err: expect.stringContaining('--role must be user or admin, got "root"') });
    expect(await cli(['keys', 'list', 'extra'])).toMatchObject({ exitCode: 2, err: expect.stringContaining('unexpected "extra"') });
  });

  it('refuses a label or a user id longer than the admin API takes, and creates nothing', async () => {
    const before = (await cli(['keys', 'list'])).out.length;
    expect(await cli(['keys', 'create', '--label', 'x'.repeat(100_000)])).toMatchObject({ exitCode: 2, err: expect.stringContaining('--label is at most 200 characters, got 100000') });
    expect(await cli(['keys', 'create', '--label', 'ok', '--user', 'u'.repeat(257)])).toMatchObject({ exitCode: 2, err: expect.stringContaining('--user is at most 256 characters, got 257') });
    expect((await cli(['keys', 'list'])).out.length).toBe(before);
    expect(await cli(['keys', 'create', '--label', 'x'.repeat(200)])).toMatchObject({ exitCode: 0 });
  });

  it('shows control characters in a label as escapes, so a label cannot forge a row or drive the terminal', async () => {
    // A project admin names keys through the admin API; the operator reads them here.
    const forged = 'intern\n00000000-0000-0000-0000-000000000000  all good  ik_fake…  user  2026-01-01 00:00:00Z  -  -';
    const stores = await openGatewayStores({ database, defaultProjectId: 'hostile' });
    let created: string;
    try {
      created = (await stores.clientKeys.create('hostile', { label: forged, userId: 'u\u001b[2K\rroot' }, 'admin')).record.id;
      await stores.clientKeys.create('hostile', { label: 'report\u202Efdp.exe\u0007' }, 'admin');
    } finally {
      await stores.close();
    }
    const list = await cli(['keys', 'list', '--project', 'hostile']);
    expect(list.out).toHaveLength(3);
    for (const line of list.out) expect(line).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(list.out.join('\n')).toContain('intern\\n00000000-');
    expect(list.out.join('\n')).toContain('u\\u001b[2K\\rroot');
    expect(list.out.join('\n')).toContain('report\\u202efdp.exe\\u0007');
    const revoked = await cli(['keys', 'revoke', created, '--project', 'hostile']);
    expect(revoked.out).toEqual([expect.stringContaining('("intern\\n00000000-')]);
  });
});
