import { describe, expect, it } from 'vitest';
import { connectionFailureOf, DEFAULT_SQLITE_PATH, parseDatabaseTarget } from './database-target.js';

describe('parseDatabaseTarget', () => {
  it('reads Postgres URLs, keeping the login out of the location', () => {
    expect(parseDatabaseTarget('postgres://app:s3cret@db.internal:5432/ai')).toEqual({ dialect: 'postgres', url: 'postgres://app:s3cret@db.internal:5432/ai', location: 'postgres://db.internal:5432/ai' });
    expect(parseDatabaseTarget('postgresql://db/ai').location).toBe('postgres://db/ai');
  });

  it('reads SQLite paths, sqlite: URLs, :memory: and the default', () => {
    expect(parseDatabaseTarget(undefined)).toMatchObject({ dialect: 'sqlite', file: DEFAULT_SQLITE_PATH });
    expect(parseDatabaseTarget('data/ai.db')).toMatchObject({ dialect: 'sqlite', file: 'data/ai.db' });
    expect(parseDatabaseTarget('sqlite:///var/lib/ai.db')).toMatchObject({ dialect: 'sqlite', file: '/var/lib/ai.db' });
    expect(parseDatabaseTarget(':memory:')).toMatchObject({ dialect: 'sqlite', file: ':memory:' });
    expect(parseDatabaseTarget('C:\\data\\ai.db')).toMatchObject({ dialect: 'sqlite', file: 'C:\\data\\ai.db' });
  });

  it('refuses any other scheme instead of taking it for a file name, and hides its password', () => {
    expect(() => parseDatabaseTarget('mysql://root:hunter2@db/ai')).toThrow('unsupported database "mysql:" in mysql://db/ai: use a postgres:// URL or a SQLite file path');
    expect(() => parseDatabaseTarget('file:ai.db')).toThrow('unsupported database "file:"');
    expect(() => parseDatabaseTarget('redis://cache')).toThrow('unsupported database "redis:"');
  });

  it('refuses a URL it cannot read without repeating the password in it (a base64 one holds / and +, unencoded)', () => {
    for (const setting of ['postgres://app:hunter2/Zm9v+YmFy==@db.internal:5432/ai', 'postgres://app:hunter2#pass@db/ai', 'mysql://root:hunter2?pass@db/ai']) {
      expect(() => parseDatabaseTarget(setting)).toThrow();
      expect(() => parseDatabaseTarget(setting)).not.toThrow(/hunter2/);
    }
  });
});

describe('connectionFailureOf', () => {
  it('calls a refused login a login failure, an unreachable server a connection failure, and nothing else either', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(connectionFailureOf('postgres://db/ai', pgError('28P01', 'password authentication failed for user "app"'), 'app')?.message).toBe('login failed for app at postgres://db/ai: password authentication failed for user "app"');
    expect(connectionFailureOf('postgres://db/ai', pgError('ECONNREFUSED', ''))?.message).toBe('could not connect to postgres://db/ai: ECONNREFUSED');
    expect(connectionFailureOf('postgres://db/ai', pgError('3D000', 'database "ai" does not exist'))?.message).toBe('could not connect to postgres://db/ai: database "ai" does not exist');
    expect(connectionFailureOf('postgres://db/ai', pgError('42P01', 'relation "x" does not exist'))).toBeUndefined();
  });
});
