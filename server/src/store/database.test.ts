import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from './database.js';

describe('SQLite statements prepared once', () => {
  it('answers a query run again and again the same, streamed or not', async () => {
    const database = openDatabase(':memory:');
    try {
      await migrateToLatest(database);
      const { db } = database;
      for (let index = 0; index < 3; index += 1) {
        await db.insertInto('projects').values({ id: `p${index}`, name: `Project ${index}`, allow_raw_models: 0, created_at: 0, updated_at: 0 }).execute();
      }
      const names = () => db.selectFrom('projects').select('name').where('id', 'like', 'p%').orderBy('id').execute();
      for (let run = 0; run < 5; run += 1) expect((await names()).map((row) => row.name)).toEqual(['Project 0', 'Project 1', 'Project 2']);
      // The same statement read row by row, then run whole again.
      const streamed: string[] = [];
      for await (const row of db.selectFrom('projects').select('name').where('id', 'like', 'p%').orderBy('id').stream()) streamed.push(row.name);
      expect(streamed).toEqual(['Project 0', 'Project 1', 'Project 2']);
      expect(await names()).toHaveLength(3);
      expect((await sql<{ n: number }>`select count(*) as n from projects where id like 'p%'`.execute(db)).rows[0]?.n).toBe(3);
    } finally {
      await database.close();
    }
  });
});
