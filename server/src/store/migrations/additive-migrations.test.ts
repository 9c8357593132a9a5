import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const folder = fileURLToPath(new URL('.', import.meta.url));
const migrations = readdirSync(folder).filter((file) => /^\d{4}-.*\.ts$/.test(file) && !file.endsWith('.test.ts'));

/** The `up` of a migration's source: what runs when it is applied (its `down` may drop what it added). */
function upOf(source: string): string {
  const start = source.indexOf('async up(');
  const end = source.indexOf('async down(');
  if (start === -1) throw new Error('a migration without `async up(`: read how it is written before checking it');
  return source.slice(start, end > start ? end : undefined);
}

// An instance of an older version starts on a schema a newer one migrated further (`migrateToLatest`), and writes
// rows there: each migration may only add, and what it adds to a table that exists must take rows without it.
describe('migrations only add what an older version can live beside', () => {
  it.each(migrations)('%s drops and renames nothing, and each column it adds to a table is nullable or has a default', (file) => {
    const up = upOf(readFileSync(`${folder}${file}`, 'utf8'));
    expect(up).not.toMatch(/dropColumn|dropTable|renameColumn|renameTo|modifyColumn|alterColumn/);
    for (const statement of up.match(/alterTable\([^)]*\)\s*\.addColumn\([^;]*/g) ?? []) {
      if (/notNull\(\)/.test(statement)) expect(statement, statement).toMatch(/defaultTo\(/);
    }
  });
});
