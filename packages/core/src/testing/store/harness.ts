import assert from 'node:assert/strict';
import type { Coordination } from '../../coordination/index.ts';
import type { Effect } from '../../machine/index.ts';
import type { PresenceSample } from '../../model.ts';
import type { PresenceStore } from '../../store/index.ts';
import { at } from './fixtures.ts';

/** A test registrar such as vitest's or node:test's `test`: the suites depend on no runner. */
export type TestFunction = (name: string, fn: () => Promise<void>) => unknown;

/** Makes a fresh, empty store; each test gets its own and closes it. */
export type MakeStore = () => PresenceStore | Promise<PresenceStore>;

export const STORE_GROUPS = [
  'lifecycle',
  'users',
  'runs',
  'writes',
  'queries',
  'recovery',
  'samples',
  'outbox',
  'purge',
  'fencing',
  'rollups',
  'changes',
  'counters',
  'input',
] as const;
export type StoreGroup = (typeof STORE_GROUPS)[number];

export interface StoreConformanceOptions {
  /** Groups this store does not support; say why in the adapter's README. */
  skip?: StoreGroup[];
  /** Closes the store and opens it again on the same data, for stores that persist. */
  reopen?: (store: PresenceStore) => Promise<PresenceStore>;
  /**
   * For a store with `capabilities.fencing`: a member of the lease group that fences `store`'s
   * writes, as `owner`. The fencing group needs it.
   */
  coordinate?: (store: PresenceStore, owner: string) => Coordination | Promise<Coordination>;
  /** Prefix for test names. Default: `store conformance`. */
  prefix?: string;
}

/**
 * Registers the tests of one group on `test`, each with a fresh store that is closed afterwards; a
 * body may hand back the store it replaced (after reopening), which is then the one closed.
 */
export function groupOf(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions,
  name: StoreGroup,
): (title: string, body: (store: PresenceStore) => Promise<PresenceStore | undefined>) => void {
  const prefix = options.prefix ?? 'store conformance';
  return (title, body) => {
    if (options.skip?.includes(name)) return;
    test(`${prefix} > ${name} > ${title}`, async () => {
      let store = await makeStore();
      try {
        const replaced = await body(store);
        if (replaced) store = replaced;
      } finally {
        await store.close().catch(() => {});
      }
    });
  };
}

/**
 * Like `groupOf`, for an optional capability: each test passes at once on a store without
 * `capabilities[capability]`, and on one with it first checks that it has each of `methods`.
 */
export function capabilityGroupOf(
  test: TestFunction,
  makeStore: MakeStore,
  options: StoreConformanceOptions,
  name: StoreGroup,
  capability: 'rollups' | 'changes' | 'counters',
  methods: readonly (keyof PresenceStore)[],
): (title: string, body: (store: PresenceStore) => Promise<PresenceStore | undefined>) => void {
  const group = groupOf(test, makeStore, options, name);
  return (title, body) =>
    group(title, async (store) => {
      if (!store.capabilities[capability]) return undefined;
      for (const method of methods) {
        assert.equal(
          typeof store[method],
          'function',
          `a store with capabilities.${capability} has ${String(method)}()`,
        );
      }
      return body(store);
    });
}

/** Starts a run at `minute` and returns its id. */
export const startRunAt = async (store: PresenceStore, minute = 0): Promise<string> =>
  (await store.startRun(at(minute))).id;

/** Writes one poll of `effects` (and `samples`) at `minute`. */
export const writeAt = (
  store: PresenceStore,
  runId: string,
  minute: number,
  effects: Effect[],
  samples: PresenceSample[] = [],
): Promise<void> => store.writePoll({ runId, at: at(minute), samples, effects });
