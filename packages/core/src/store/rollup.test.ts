import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkRollupAgreement, ROLLUP_ZONES } from '../testing/index.ts';
import { memoryStore } from './memory.ts';

describe('memory store rollups', () => {
  it('give the same reports as the raw records on random histories, in zones with odd offsets and across DST changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.constantFrom(...ROLLUP_ZONES),
        // Any instant within a year around 2026's clock changes.
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
        async (seed, timeZone, start) => {
          const store = memoryStore();
          try {
            await checkRollupAgreement(store, { seed, timeZone, start });
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
