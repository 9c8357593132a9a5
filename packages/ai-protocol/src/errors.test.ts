import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ERROR_CODES, GATEWAY_ERROR_STATUS } from './errors.js';

/** The README's error table, as `code → status`, from the rows of its "Errors" section. */
function readmeErrorTable(): Map<string, number> {
  const readme = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Errors'));
  const table = new Map<string, number>();
  for (const line of section.split('\n').slice(1)) {
    if (line.startsWith('#')) break;
    const cells = line.split('|').map((cell) => cell.trim());
    const status = Number(cells[1]);
    if (!Number.isInteger(status)) continue;
    for (const [, code] of (cells[2] ?? '').matchAll(/`([a-z_]+)`/g)) table.set(code!, status);
  }
  return table;
}

describe('the README error table', () => {
  it('lists every code a client can receive, with the status it comes with', () => {
    const table = readmeErrorTable();
    expect(Object.fromEntries(GATEWAY_ERROR_CODES.map((code) => [code, table.get(code)]))).toEqual(GATEWAY_ERROR_STATUS);
  });
});
