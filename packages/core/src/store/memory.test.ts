import { test } from 'vitest';
import { memoryCoordination } from '../coordination/index.ts';
import { storeConformance } from '../testing/index.ts';
import { memoryStore } from './memory.ts';
import type { PresenceStore } from './store.ts';

storeConformance(test, () => memoryStore());
storeConformance(test, () => memoryStore({ keepSamples: false }), { prefix: 'without samples' });

const groups = new WeakMap<PresenceStore, ReturnType<typeof memoryCoordination>>();
storeConformance(
  test,
  () => {
    const group = memoryCoordination({ shards: 4, leaseTtl: 5 * 60_000 });
    const store = memoryStore({ fencing: group });
    groups.set(store, group);
    return store;
  },
  { prefix: 'with fencing', coordinate: (store, owner) => groups.get(store)!.member(owner) },
);
