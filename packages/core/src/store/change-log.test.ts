import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ChangeLog } from './change-log.ts';

type Kind = 'interval' | 'run';
interface Rec {
  id: number;
  user: string;
}

const USERS = ['a', 'b', 'c'];

const steps = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('open' as const),
        user: fc.constantFrom(...USERS),
        kind: fc.constantFrom<Kind>('interval', 'run'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('writeClosed' as const),
        user: fc.constantFrom(...USERS),
        kind: fc.constantFrom<Kind>('interval', 'run'),
      }),
    },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('close' as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant('forget' as const), user: fc.constantFrom(...USERS) }),
    },
  ),
  { maxLength: 200 },
);

/**
 * The log as it was before, one entry per change: what `changes()` answered from it, each record once at
 * its latest change, in the order of those changes, forgotten people's left out.
 */
class EveryChange {
  readonly entries: { kind: Kind; record: Rec }[] = [];
  readonly forgotten = new Set<Rec>();
  after(cursor: number): [Kind, number][] {
    const seen = new Set<Rec>();
    const picked: [Kind, number][] = [];
    for (let i = this.entries.length - 1; i >= cursor; i--) {
      const { kind, record } = this.entries[i]!;
      if (seen.has(record) || this.forgotten.has(record)) continue;
      seen.add(record);
      picked.push([kind, record.id]);
    }
    return picked.reverse();
  }
}

describe('the memory store change log', () => {
  test('answers every cursor as a log of every change would, holding at most 4/3 of an entry per record', () => {
    fc.assert(
      fc.property(steps, (plan) => {
        const log = new ChangeLog<Kind, Rec>();
        const every = new EveryChange();
        const open: Rec[] = [];
        const held = new Set<Rec>();
        let next = 1;
        const add = (kind: Kind, record: Rec, final: boolean) => {
          log.add(kind, record, final);
          every.entries.push({ kind, record });
        };
        for (const step of plan) {
          if (step.op === 'open' || step.op === 'writeClosed') {
            const record = { id: next++, user: step.user };
            held.add(record);
            add(step.kind, record, step.op === 'writeClosed');
            if (step.op === 'open') open.push(record);
          } else if (step.op === 'close') {
            if (open.length === 0) continue;
            const [record] = open.splice(step.pick % open.length, 1);
            const kind = every.entries.find((e) => e.record === record)!.kind;
            add(kind, record!, true);
          } else {
            log.forget((_, record) => record.user === step.user);
            for (const record of held) {
              if (record.user !== step.user) continue;
              held.delete(record);
              every.forgotten.add(record);
            }
            open.splice(0, open.length, ...open.filter((r) => r.user !== step.user));
          }
          expect(log.cursor).toBe(every.entries.length);
          expect(3 * log.size).toBeLessThanOrEqual(4 * held.size);
        }
        for (let cursor = 0; cursor <= log.cursor; cursor++) {
          const answered: [Kind, number][] = [];
          log.after(cursor, (kind, record) => answered.push([kind, record.id]));
          expect(answered).toEqual(every.after(cursor));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('holds one entry per record however often records open and close, not one per change', () => {
    const log = new ChangeLog<'interval', Rec>();
    let live: Rec | null = null;
    for (let id = 1; id <= 10_000; id++) {
      if (live) log.add('interval', live, true);
      live = { id, user: 'a' };
      log.add('interval', live, false);
    }
    // 19,999 changes of 10,000 records; between compactions a few closed records' openings wait to go.
    expect(log.cursor).toBe(19_999);
    expect(log.size).toBeGreaterThanOrEqual(10_000);
    expect(3 * log.size).toBeLessThanOrEqual(4 * 10_000);
    const answered: number[] = [];
    log.after(0, (_, record) => answered.push(record.id));
    expect(answered).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    const last: number[] = [];
    log.after(19_997, (_, record) => last.push(record.id));
    expect(last).toEqual([9_999, 10_000]);
  });
});
