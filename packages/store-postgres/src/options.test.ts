import { ConfigError } from '@presence-tracker/core';
import { describe, expect, test } from 'vitest';
import { postgresStore } from './postgres-store.ts';

/** The ConfigError `postgresStore(options)` throws, or null when it takes them. */
function refusal(connectionString: string): ConfigError | null {
  try {
    const store = postgresStore({ connectionString });
    void store.close();
    return null;
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    return error;
  }
}

describe('connectionString', () => {
  test('is refused without a postgres:// or postgresql:// scheme, naming it and never echoing the password', () => {
    for (const connectionString of [
      'someone:hunter2-secret@localhost/db',
      'mysql://someone:hunter2-secret@localhost/db',
      'postgres://someone:hunter2-secret@[not-a-host/db',
      'localhost:5432 hunter2-secret',
    ]) {
      const error = refusal(connectionString);
      expect(error, connectionString).not.toBeNull();
      expect(error!.issues).toEqual([
        {
          path: 'connectionString',
          message:
            'expected a postgres:// or postgresql:// URL such as postgres://user:password@host:5432/database (the value is not shown: it may hold a password)',
        },
      ]);
      expect(JSON.stringify(error), connectionString).not.toContain('hunter2');
      expect(error!.message, connectionString).not.toContain('hunter2');
    }
  });

  test('takes either scheme, and a socket folder as host', () => {
    for (const connectionString of [
      'postgres://someone:hunter2-secret@localhost:5432/db',
      'postgresql://someone@db.example.com/presence?sslmode=require',
      'POSTGRES://localhost/db',
      'postgres:///db?host=/var/run/postgresql',
    ])
      expect(refusal(connectionString), connectionString).toBeNull();
  });
});
