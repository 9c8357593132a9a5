import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/databases.js';
import { migrateToLatest } from '../database.js';
import { migrationProvider } from './index.js';

const migratorOf = (test: TestDatabase) =>
  new Migrator({ db: test.database.db, provider: migrationProvider, migrationTableName: 'insforge_ai_migrations', migrationLockTableName: 'insforge_ai_migration_lock' });

const SECRET_URL = 'https://hooks.slack.com/services/T000/B000/secret-token';
const limitsState = (webhookUrl: string | null) => JSON.stringify({ policy: {}, alerts: { thresholds: [0.8], webhookUrl }, stopped: false, stopReason: null });

describe.each(DIALECTS)('migration 0014-audit-webhook-urls on %s', (dialect) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it('masks the webhook URL of audited limit changes written before it was write-only, and leaves every other entry as it was', async () => {
    test = await createTestDatabase(dialect);
    expect((await migratorOf(test).migrateTo('0013-open-request-tokens')).error).toBeUndefined();
    const { db } = test.database;
    const entry = (id: string, action: string, before: string | null, after: string | null) =>
      ({ id, project_id: 'p1', actor: 'alice', action, target: 'project:p1', before, after, created_at: 1 });
    // More entries than one page of the migration, so it pages through them all.
    const many = Array.from({ length: 620 }, (_, index) => entry(`e${String(index).padStart(4, '0')}`, 'limits.update', limitsState(null), limitsState(`${SECRET_URL}/${index}`)));
    for (let start = 0; start < many.length; start += 100) await db.insertInto('audit_log').values(many.slice(start, start + 100)).execute();
    await db.insertInto('audit_log').values([
      entry('stop', 'emergency_stop.on', limitsState(SECRET_URL), limitsState(SECRET_URL)),
      entry('feature', 'feature.update', '{"webhookUrl":"https://example.com/kept"}', null),
      entry('masked', 'limits.update', limitsState('https://hooks.slack.com/…'), '{not json'),
    ]).execute();

    await migrateToLatest(test.database);

    const rows = await db.selectFrom('audit_log').select(['id', 'before', 'after']).orderBy('id').execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(rows.filter((row) => `${row.before}${row.after}`.includes('secret-token'))).toEqual([]);
    expect(byId.get('e0619')?.after).toBe(limitsState('https://hooks.slack.com/…'));
    expect(byId.get('e0000')?.before).toBe(limitsState(null));
    expect(byId.get('stop')).toMatchObject({ before: limitsState('https://hooks.slack.com/…'), after: limitsState('https://hooks.slack.com/…') });
    expect(byId.get('feature')?.before).toBe('{"webhookUrl":"https://example.com/kept"}');
    expect(byId.get('masked')).toMatchObject({ before: limitsState('https://hooks.slack.com/…'), after: '{not json' });
  });
});
