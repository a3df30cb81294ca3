import { test } from 'vitest';
import { storeConformance } from '../testing/index.ts';
import { memoryStore } from './memory.ts';

storeConformance(test, () => memoryStore());
storeConformance(test, () => memoryStore({ keepSamples: false }), { prefix: 'without samples' });
