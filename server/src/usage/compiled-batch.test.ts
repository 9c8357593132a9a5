import type { Generated, Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { CompiledBatch, countsOf } from './compiled-batch.js';

/** The test's own table, beside the gateway's. */
type Tables = Record<string, { id: string; value: Generated<number> }>;

interface Item {
  id: string;
  value: number | null | undefined;
}

describe('countsOf', () => {
  it('cuts a batch into powers of two, the largest first, none above the largest', () => {
    expect(countsOf(200, 128)).toEqual([128, 64, 8]);
    expect(countsOf(64, 64)).toEqual([64]);
    expect(countsOf(130, 64)).toEqual([64, 64, 2]);
    expect(countsOf(1, 128)).toEqual([1]);
    expect(countsOf(0, 128)).toEqual([]);
    for (let count = 0; count <= 300; count += 1) {
      const counts = countsOf(count, 32);
      expect(counts.reduce((sum, size) => sum + size, 0)).toBe(count);
      expect(counts.every((size) => Number.isInteger(Math.log2(size)) && size <= 32)).toBe(true);
    }
  });
});

describe.each(DIALECTS)('CompiledBatch on %s', (dialect) => {
  let test: TestDatabase;
  const table = `compiled_batch_${dialect}`;
  const db = () => test.database.db as unknown as Kysely<Tables>;
  const insertOf = (largest = 8) =>
    new CompiledBatch<Item>(
      test.database.db,
      ['id', 'value'],
      (item) => [item.id, item.value],
      (builder, items) => (builder as unknown as Kysely<Tables>).insertInto(table).values(items.map((item) => ({ id: item.id, ...(item.value === undefined ? {} : { value: item.value as number }) }))),
      largest,
    );
  const items = (count: number, from = 0): Item[] => Array.from({ length: count }, (_, index) => ({ id: `i${from + index}`, value: from + index }));
  const stored = async () => (await db().selectFrom(table).select(['id', 'value']).orderBy('value').execute()).map((row) => ({ id: row.id, value: Number(row.value) }));

  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    // `value` defaults to -1 and may not be null: a missing value takes the default, a null one fails the statement.
    await db().schema.createTable(table).addColumn('id', 'text', (column) => column.primaryKey()).addColumn('value', 'integer', (column) => column.notNull().defaultTo(-1)).execute();
  });
  afterAll(async () => test.drop());

  it('writes a batch of any size as statements of powers of two, each compiled once', async () => {
    await db().deleteFrom(table).execute();
    const insert = insertOf();
    await insert.run(items(21));
    await insert.run(items(13, 21));
    expect(await stored()).toEqual(items(34));
    // 21 rows as 8, 8, 4, 1 and 13 as 8, 4, 1: three texts in all.
    expect(new Set([...insert.statements(items(21)) ?? [], ...insert.statements(items(13)) ?? []].map((statement) => statement.sql)).size).toBe(3);
    expect(insert.statements(items(21))?.map((statement) => statement.parameters.length)).toEqual([16, 16, 8, 2]);
  });

  it('lands a batch of several statements whole or not at all', async () => {
    await db().deleteFrom(table).execute();
    const batch = items(20);
    // The last statement (of 4 rows) fails: the two of 8 before it must not stay.
    batch[19] = { id: 'i19', value: null };
    await expect(insertOf().run(batch)).rejects.toThrow();
    expect(await stored()).toEqual([]);
    // Inside a transaction of the caller's, its statements join it, and its rollback takes them too.
    await expect(
      test.database.db.transaction().execute(async (transaction) => {
        await insertOf().run(items(20), transaction);
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');
    expect(await stored()).toEqual([]);
  });

  it('writes a row with a value missing the way Kysely does (the column default), and has no statements for it', async () => {
    await db().deleteFrom(table).execute();
    // Three rows run as 2 and 1: the row alone in its statement has no value, so it goes through Kysely's own insert.
    const batch = items(3);
    batch[2] = { id: 'i2', value: undefined };
    const insert = insertOf();
    expect(insert.statements(batch)).toBeUndefined();
    await insert.run(batch);
    expect(await stored()).toEqual([{ id: 'i2', value: -1 }, { id: 'i0', value: 0 }, { id: 'i1', value: 1 }]);
  });

  it('refuses a largest count that is not a power of two, and a single statement of a count it cuts', () => {
    expect(() => insertOf(100)).toThrow('power of two');
    expect(() => insertOf().sql(3)).toThrow('no one statement takes 3 rows');
    expect(insertOf().sql(4)).toMatch(/insert into/i);
  });
});
