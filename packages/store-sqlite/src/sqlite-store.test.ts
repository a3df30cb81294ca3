import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PresenceStore } from '@presence-tracker/core';
import { storeConformance } from '@presence-tracker/core/testing';
import { afterAll, test } from 'vitest';
import { sqliteStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const paths = new WeakMap<PresenceStore, string>();
const onFile = () => {
  const path = join(dir, `conformance-${++files}.db`);
  const store = sqliteStore({ path });
  paths.set(store, path);
  return store;
};

storeConformance(test, () => sqliteStore({ path: ':memory:' }), { prefix: 'in memory' });

storeConformance(test, onFile, {
  prefix: 'on a file',
  reopen: async (store) => {
    await store.close();
    return sqliteStore({ path: paths.get(store)! });
  },
});

storeConformance(test, () => sqliteStore({ path: ':memory:', keepSamples: false }), {
  prefix: 'without samples',
});
