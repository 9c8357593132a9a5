import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { GatewayError } from '../errors.js';
import { parseFeature } from '../features/feature.js';
import { AuditLog } from './audit-log.js';
import { ChangeNotifier } from './change-notifier.js';
import { SqlFeatureStore } from './sql-feature-store.js';

// A pattern an older release accepted and today's check refuses (two variable parts that match the same digits).
const OLD_PATTERN = '\\d+-?\\d+';

describe.each(DIALECTS)('features saved under an older, looser rule (%s)', (dialect) => {
  let test: TestDatabase;
  let features: SqlFeatureStore;
  let notifier: ChangeNotifier;
  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    notifier = new ChangeNotifier(test.database.pool);
    features = new SqlFeatureStore(test.database.db, new AuditLog(test.database.db), notifier, { ttlMs: 60_000 });
  });
  afterAll(async () => {
    features.close();
    await notifier.close();
    await test.drop();
  });

  it('still load, can be fixed by a save, and are not restored as they were', async () => {
    expect(() => parseFeature({ name: 'x', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', patterns: [OLD_PATTERN] }] })).toThrow(/refused/);
    const created = await features.create('p1', parseFeature({ name: 'chat', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', patterns: ['promo\\d{3}'] }] }), 'alice');
    const fixed = await features.update('p1', 'chat', parseFeature({ name: 'chat', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', patterns: ['promo\\d{4}'] }] }), created.version, 'alice');
    // What an older release wrote, as it stored it: the current configuration and its first version both hold the pattern.
    const old = JSON.stringify({ ...created.feature, guardrails: [{ type: 'blocklist', stage: 'both', mode: 'block', words: [], patterns: [OLD_PATTERN] }] });
    await test.database.db.updateTable('features').set({ config: old }).where('id', '=', created.id).execute();
    await test.database.db.updateTable('feature_versions').set({ config: old }).where('version', '=', 1).execute();
    features.close();
    features = new SqlFeatureStore(test.database.db, new AuditLog(test.database.db), notifier, { ttlMs: 60_000 });

    // The project's features are readable, with the stored pattern (the blocklist bounds its runs).
    expect((await features.list('p1')).map((feature) => feature.name)).toEqual(['chat']);
    expect((await features.get('p1', 'chat'))?.guardrails).toEqual([expect.objectContaining({ patterns: [OLD_PATTERN] })]);
    expect((await features.history('p1', 'chat')).length).toBe(2);
    // Restoring the old version is the caller's 400 naming the pattern, not a 500.
    const restored = features.restore('p1', 'chat', 1, fixed.version, 'alice');
    await expect(restored).rejects.toBeInstanceOf(GatewayError);
    await expect(restored).rejects.toMatchObject({ code: 'invalid_parameter', message: expect.stringContaining('guardrails.0.patterns.0') });
    // A save with a pattern today's check takes fixes it.
    const saved = await features.update('p1', 'chat', parseFeature({ name: 'chat', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', patterns: ['\\d+-\\d+'] }] }), fixed.version, 'alice');
    expect(saved.version).toBe(fixed.version + 1);
  });

  it('keep a name since reserved (count, user) through their saves, but no feature is created or renamed to one', async () => {
    const created = await features.create('p2', parseFeature({ name: 'counting', model: 'openai/gpt-4o-mini' }), 'alice');
    // What an older release let a save write: a feature named `count`.
    const old = JSON.stringify({ ...created.feature, name: 'count' });
    await test.database.db.updateTable('features').set({ name: 'count', config: old }).where('id', '=', created.id).execute();
    features.close();
    features = new SqlFeatureStore(test.database.db, new AuditLog(test.database.db), notifier, { ttlMs: 60_000 });

    expect(await features.get('p2', 'count')).toMatchObject({ name: 'count', model: 'openai/gpt-4o-mini' });
    const saved = await features.update('p2', 'count', parseFeature({ name: 'count', model: 'openai/gpt-4o' }), created.version, 'alice');
    expect(saved.feature).toMatchObject({ name: 'count', model: 'openai/gpt-4o' });
    expect(await features.reservedNamed()).toEqual([{ projectId: 'p2', name: 'count' }]);

    const refusals = [
      features.create('p2', parseFeature({ name: 'User', model: 'openai/gpt-4o-mini' }), 'alice'),
      features.update('p2', 'count', parseFeature({ name: 'COUNT', model: 'openai/gpt-4o' }), saved.version, 'alice'),
      features.put('p3', parseFeature({ name: 'user', model: 'openai/gpt-4o-mini' })),
    ];
    for (const refused of refusals) {
      await expect(refused).rejects.toBeInstanceOf(GatewayError);
      await expect(refused).rejects.toMatchObject({ code: 'invalid_parameter', options: { param: 'name' }, message: expect.stringMatching(/^name: "(User|COUNT|user)" is reserved: GET \/v1\/models\/(user|count) is the OpenRouter SDK's models\.(listForUser|count)/) });
    }
    expect((await features.list('p2')).map((feature) => feature.name)).toEqual(['count']);
    expect(await features.list('p3')).toEqual([]);
    // Renamed away, it is an ordinary feature.
    expect((await features.update('p2', 'count', parseFeature({ name: 'model-count', model: 'openai/gpt-4o' }), saved.version, 'alice')).feature.name).toBe('model-count');
    expect(await features.reservedNamed()).toEqual([]);
  });
});
