import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAiGateway } from '../create-ai-gateway.js';
import { openDatabase } from '../store/database.js';
import { UsageLedger } from './ledger.js';
import { MemoryUsageSink, type UsageRecord } from './usage-record.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const record = (): UsageRecord => ({ requestId: randomUUID(), endpoint: 'chat', projectId: 'default', requestedModel: 'chat', status: 'rejected', streamed: false, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, latencyMs: 1, attempts: 0, startedAt: new Date() });

const inDirectory = useTemporaryDirectory('insforge-ai-ledger-');

const countRows = async (file: string) => {
  const database = openDatabase(file);
  try {
    return (await database.db.selectFrom('usage_records').select('id').execute()).length;
  } finally {
    await database.close();
  }
};

describe('the gateway and its usage ledger', () => {
  it('keeps records that arrive while the database opens, and writes them all on close', async () => {
    const file = inDirectory('early.db');
    const gateway = createAiGateway({ database: file, logger: quiet, encryption: null, ledger: { flushIntervalMs: 60_000, retentionDays: false } });
    expect(gateway.context.usage).toBeInstanceOf(UsageLedger);
    // Before `ready`: the database is still being opened and migrated.
    for (let index = 0; index < 25; index += 1) gateway.context.usage.record(record());
    await gateway.ready;
    expect((gateway.context.usage as UsageLedger).stats().buffered).toBe(25);
    await gateway.close();
    expect(await countRows(file)).toBe(25);
  });

  it("uses the host app's sink instead when it passes one", async () => {
    const sink = new MemoryUsageSink();
    const gateway = createAiGateway({ database: ':memory:', logger: quiet, encryption: null, usage: sink });
    expect(gateway.context.usage).toBe(sink);
    await gateway.ready;
    await gateway.close();
  });

  it('rejects ledger settings it cannot use, at creation', () => {
    expect(() => createAiGateway({ database: ':memory:', logger: quiet, encryption: null, ledger: { batchSize: 0 } })).toThrow(/ledger\.batchSize/);
    expect(() => createAiGateway({ database: ':memory:', logger: quiet, encryption: null, ledger: { retentionDays: -1 } })).toThrow(/ledger\.retentionDays/);
  });
});
