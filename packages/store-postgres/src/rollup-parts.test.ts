import { buildReport, type Effect, RollupBatch, type RollupRead, type Status } from '@presence-tracker/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LATEST_VERSION } from './migrations.ts';
import type { PostgresStore } from './postgres-store.ts';
import { partEntries } from './rollup-parts.ts';
import { testStores } from './testing/stores.ts';
import { backToVersion9 } from './testing/version-9.ts';
import { backToVersion11 } from './testing/version-11.ts';

const { start, stop, open, sql } = testStores('parts');
beforeAll(start);
afterAll(stop);

const DAY = 86_400_000;
const MIDNIGHT = Date.UTC(2026, 2, 3);
const HOUR = 3_600_000;
const range = { from: new Date(MIDNIGHT - 2 * DAY), to: new Date(MIDNIGHT + 3 * DAY) };
const STATUSES: Status[] = ['available', 'busy', 'away', 'dnd'];
const PEOPLE = ['u1', 'u2', 'u3'];

/**
 * Polls every four hours across two midnights: everyone changes status (u3 goes offline and back,
 * closing and opening sessions) and is seen, so each poll appends parts and a sightings group. The
 * records closed, for the digests they must make.
 */
function history(): { polls: { at: Date; effects: Effect[] }[]; closed: [string, Status, number, number][] } {
  const polls: { at: Date; effects: Effect[] }[] = [];
  const closed: [string, Status, number, number][] = [];
  const open = new Map<string, [Status, number]>();
  for (let p = 0; p < 12; p++) {
    const t = MIDNIGHT - 6 * HOUR + p * 4 * HOUR + 7;
    const effects: Effect[] = [];
    for (const [i, userId] of PEOPLE.entries()) {
      const status = STATUSES[(i + p) % STATUSES.length]!;
      const before = open.get(userId);
      if (before) {
        effects.push({ type: 'interval.close', userId, endedAt: new Date(t) });
        closed.push([userId, before[0], before[1], t]);
      }
      effects.push({ type: 'interval.open', userId, status, startedAt: new Date(t) });
      open.set(userId, [status, t]);
      effects.push({ type: 'seen', userId, at: new Date(t), present: true });
    }
    if (p === 0)
      for (const userId of PEOPLE) effects.push({ type: 'session.open', userId, startedAt: new Date(t) });
    polls.push({ at: new Date(t), effects });
  }
  return { polls, closed };
}

/** The person-day entries the parts hold. */
const parts = (store: PostgresStore) =>
  sql<{ n: number }>(
    `select count(*)::int as n from ${partEntries(`"${store.schema}".rollup_parts`)} p`,
  ).then((r) => r[0]!.n);
const partRows = (store: PostgresStore) =>
  sql<{ n: number }>(`select count(*)::int as n from "${store.schema}".rollup_parts`).then((r) => r[0]!.n);
const digests = (store: PostgresStore) =>
  sql(`select user_id, day::text, intervals, sessions from "${store.schema}".rollups order by user_id, day`);
/** The digests core's `RollupBatch` makes of `closed`, as rows of `rollups` in key order. */
const madeByCore = (closed: [string, Status, number, number][]) => {
  const batch = new RollupBatch();
  for (const [userId, status, start, end] of closed) batch.interval(userId, status, start, end);
  return batch
    .entries()
    .map((e) => ({ user_id: e.userId, day: String(e.day), intervals: e.intervals, sessions: e.sessions }))
    .sort((x, y) => x.user_id.localeCompare(y.user_id) || Number(x.day) - Number(y.day));
};
/** A read's interval digests as [person, day, text] in key order, each person-day's pieces joined in the order read. */
const byPersonDay = (read: RollupRead) => {
  const texts = new Map<string, string>();
  const add = (userId: string, day: string, text: string) =>
    texts.set(`${userId} ${day}`, (texts.get(`${userId} ${day}`) ?? '') + text);
  for (const d of read.days) {
    for (const segment of d.intervals.split('@').slice(1)) {
      const comma = segment.indexOf(',');
      add(d.userId, segment.slice(0, comma), segment.slice(comma + 1));
    }
  }
  for (const row of read.dayRows ?? []) {
    const pieces = Buffer.from(row.intervals).toString().split(';');
    for (const [i, userId] of row.userIds.entries()) add(userId, String(row.day), pieces[i]!);
  }
  return [...texts].map(([key, text]) => [...key.split(' '), text]).sort();
};
const report = (store: PostgresStore, rollups: boolean) =>
  buildReport({ store, ...range, timeZone: 'Asia/Kathmandu', now: range.to, rollups });

describe('rollup parts (schema versions 10 and 12)', () => {
  test('closes wait as parts until a fold; reports from them are exact before and after, and the folded digests are the text core makes', async () => {
    const store = open();
    const run = await store.startRun(new Date(MIDNIGHT - DAY));
    const { polls, closed } = history();
    for (const poll of polls) await store.writePoll({ runId: run.id, ...poll, samples: [] });
    // 12 polls, one sightings group each: under the log's fold, so every close is still a part.
    expect(await digests(store)).toEqual([]);
    expect(await parts(store)).toBeGreaterThan(closed.length);
    // A row per statement and day: the first poll closes nothing, each other closes intervals on one
    // day, or two for the polls across a midnight.
    expect(await partRows(store)).toBe(11 + 2);
    const unfolded = await store.rollups!(range);
    expect(await report(store, true)).toEqual(await report(store, false));

    await store.close();
    expect(await parts(store)).toBe(0);
    expect(await digests(store)).toEqual(madeByCore(closed));
    const reader = open(store.schema);
    expect(await report(reader, true)).toEqual(await report(reader, false));
    // The same records, read whole instead of in parts: after the fold a row per day with everyone's
    // digest of it, each person on each day once; before it, an entry per person, its days named in
    // the text, each day once per part.
    const folded = await reader.rollups!(range);
    expect(folded.openIntervals).toEqual(unfolded.openIntervals);
    const perPerson = (read: RollupRead) => {
      const days = new Map<string, number>();
      const add = (userId: string, n: number) => days.set(userId, (days.get(userId) ?? 0) + n);
      for (const row of read.dayRows ?? []) for (const userId of row.userIds) add(userId, 1);
      for (const d of read.days) add(d.userId, d.intervals.split('@').length - 1);
      return [...days.values()].sort();
    };
    expect(folded.days).toEqual([]);
    expect(folded.dayRows!.map((r) => r.userIds.length)).toEqual([3, 3, 3]);
    expect(perPerson(folded)).toEqual([3, 3, 3]);
    // 11 intervals closed each, two of them across a midnight.
    expect(unfolded.dayRows).toEqual([]);
    expect(perPerson(unfolded)).toEqual([13, 13, 13]);
    expect(unfolded.days.every((d) => d.intervals.split('@').length > 2)).toBe(true);
  });

  test('a write without sightings folds the parts left and appends to the digests itself, in the order the records closed', async () => {
    const store = open();
    const run = await store.startRun(new Date(MIDNIGHT - DAY));
    const { polls, closed } = history();
    for (const poll of polls.slice(0, 8)) await store.writePoll({ runId: run.id, ...poll, samples: [] });
    expect(await parts(store)).toBeGreaterThan(0);
    for (const poll of polls.slice(8)) {
      await store.writePoll({
        runId: run.id,
        ...poll,
        effects: poll.effects.filter((e) => e.type !== 'seen'),
        samples: [],
      });
      expect(await parts(store)).toBe(0);
    }
    expect(await digests(store)).toEqual(madeByCore(closed));
  });

  test('a person purged leaves no part behind', async () => {
    const store = open();
    const run = await store.startRun(new Date(MIDNIGHT - DAY));
    for (const poll of history().polls.slice(0, 3))
      await store.writePoll({ runId: run.id, ...poll, samples: [] });
    expect(await parts(store)).toBeGreaterThan(0);
    const before = await store.rollups!(range);
    await store.purgeUser('u2');
    // Parts name everyone: the purge folds them, then deletes the person's digests.
    expect(await partRows(store)).toBe(0);
    expect(await sql(`select distinct user_id from "${store.schema}".rollups order by user_id`)).toEqual([
      { user_id: 'u1' },
      { user_id: 'u3' },
    ]);
    const after = await store.rollups!(range);
    expect(after.days).toEqual([]);
    // What is left of the others is what the parts held of them, each person-day's parts joined.
    const others = (read: RollupRead) => byPersonDay(read).filter(([userId]) => userId !== 'u2');
    expect(others(after)).toEqual(others(before));
  });

  test('a schema of version 9 migrates with the reports and digests as before', async () => {
    const store = open();
    const run = await store.startRun(new Date(MIDNIGHT - DAY));
    for (const poll of history().polls.slice(0, 6))
      await store.writePoll({ runId: run.id, ...poll, samples: [] });
    const before = await report(store, true);
    await store.close();
    await sql(backToVersion9(store.schema));
    expect(await sql(`select to_regclass('"${store.schema}".rollup_parts') as parts`)).toEqual([
      { parts: null },
    ]);
    const kept = await digests(store);
    expect(kept.length).toBeGreaterThan(3);

    const migrated = open(store.schema);
    expect(await report(migrated, true)).toEqual(before);
    expect(await report(migrated, false)).toEqual(before);
    expect(await sql(`select max(version) as v from "${store.schema}".schema_migrations`)).toEqual([
      { v: LATEST_VERSION },
    ]);
    expect(await digests(migrated)).toEqual(kept);
    for (const poll of history().polls.slice(6))
      await migrated.writePoll({ runId: run.id, ...poll, samples: [] });
    expect(await parts(migrated)).toBeGreaterThan(0);
    expect(await report(migrated, true)).toEqual(await report(migrated, false));
  });
});

describe('rollup parts as day rows (schema version 12)', () => {
  test('a schema of version 11 with parts not folded migrates: its parts folded into the digests in their order', async () => {
    const store = open();
    const run = await store.startRun(new Date(MIDNIGHT - DAY));
    const { polls, closed } = history();
    for (const poll of polls.slice(0, 7)) await store.writePoll({ runId: run.id, ...poll, samples: [] });
    const before = await report(store, true);
    const unfolded = byPersonDay(await store.rollups!(range));
    await sql(backToVersion11(store.schema));
    const old = await sql<{ n: number }>(`select count(*)::int as n from "${store.schema}".rollup_parts`);
    expect(old[0]!.n).toBeGreaterThan(7);
    expect(await digests(store)).toEqual([]);

    const migrated = open(store.schema);
    expect(await report(migrated, true)).toEqual(before);
    expect(await sql(`select max(version) as v from "${store.schema}".schema_migrations`)).toEqual([
      { v: LATEST_VERSION },
    ]);
    expect(await partRows(migrated)).toBe(0);
    // The digests of the records the seven polls closed.
    const closedBy7 = closed.filter(([, , , end]) => end <= polls[6]!.at.getTime());
    expect(await digests(migrated)).toEqual(madeByCore(closedBy7));
    expect(byPersonDay(await migrated.rollups!(range))).toEqual(unfolded);
    for (const poll of polls.slice(7)) await migrated.writePoll({ runId: run.id, ...poll, samples: [] });
    expect(await partRows(migrated)).toBeGreaterThan(0);
    await migrated.close();
    expect(await digests(migrated)).toEqual(madeByCore(closed));
  });
});
