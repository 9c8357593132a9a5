import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFeature } from '../features/feature.js';
import type { GatewayLogger } from '../logger.js';
import { openGatewayStores } from './gateway-stores.js';

describe('openGatewayStores', () => {
  it('logs once per store when the database cannot be read and the configuration read last is served instead', async () => {
    const warnings: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
    const logger: GatewayLogger = { info: () => undefined, error: () => undefined, warn: (message, fields) => warnings.push({ message, fields }) };
    const stores = await openGatewayStores({
      database: ':memory:',
      defaultProjectId: 'default',
      seedFeatures: [parseFeature({ name: 'chat', model: 'openai/gpt-4o-mini' })],
      // Every read goes to the database, so each one below meets the outage.
      cacheTtlMs: 0,
      logger,
    });
    await stores.limits.setStopped('default', true, 'audit', 'alice');
    expect((await stores.limits.get('default')).stopped).toBe(true);
    expect(await stores.features.get('default', 'chat')).toMatchObject({ model: 'openai/gpt-4o-mini' });
    await stores.database.close();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await stores.limits.get('default')).stopped).toBe(true);
      expect(await stores.features.get('default', 'chat')).toMatchObject({ model: 'openai/gpt-4o-mini' });
    }
    expect(warnings.map((warning) => warning.message).sort()).toEqual([
      'the database could not be read: serving the features read last until it is back',
      'the database could not be read: serving the limit policies read last until it is back',
    ]);
    expect(warnings[0]?.fields?.['error']).toBeInstanceOf(Error);
    await stores.close().catch(() => undefined);
  });

  it('warns once at start of features stored under a name since reserved, naming each and suggesting a rename', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'reserved-names-'));
    try {
      const file = join(folder, 'ai.db');
      const before = await openGatewayStores({ database: file, defaultProjectId: 'default' });
      // What an older release let a save write.
      for (const [projectId, name] of [['default', 'count'], ['other', 'User'], ['default', 'chat']] as const) {
        const record = await before.features.create(projectId, parseFeature({ name: 'placeholder', model: 'openai/gpt-4o-mini' }), 'alice');
        await before.database.db.updateTable('features').set({ name, config: JSON.stringify({ ...record.feature, name }) }).where('id', '=', record.id).execute();
      }
      await before.close();

      const warnings: string[] = [];
      const logger: GatewayLogger = { info: () => undefined, error: () => undefined, warn: (message) => warnings.push(message) };
      const stores = await openGatewayStores({ database: file, defaultProjectId: 'default', logger });
      expect(warnings).toEqual([expect.stringMatching(/^features named like the OpenRouter SDK's GET \/v1\/models\/count and GET \/v1\/models\/user \("count" in project "default", "User" in project "other"\) keep those paths .*rename them/)]);
      expect(await stores.features.get('default', 'count')).toMatchObject({ name: 'count' });
      await stores.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
