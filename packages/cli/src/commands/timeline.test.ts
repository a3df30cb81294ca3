import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  combineProviders,
  createTracker,
  manualClock,
  memoryStore,
  simulatedProvider,
} from '@presence-tracker/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTimeline } from './timeline.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'timeline-platforms-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('timeline --platforms', () => {
  it("draws each platform's row beneath a person tracked through combine, from the stored readings", async () => {
    const from = new Date('2026-03-02T09:00:00Z');
    const clock = manualClock(from);
    const people = ['ada@example.com', 'ben@example.com'];
    const provider = combineProviders({
      providers: {
        teams: simulatedProvider({ users: people, seed: 1, clock }),
        chat: simulatedProvider({ users: people, seed: 2, clock }),
      },
      clock,
    });
    const store = memoryStore();
    const tracker = createTracker({ provider, store, users: people, clock, pollInterval: 60_000 });
    for (let m = 0; m <= 120; m++) {
      clock.set(from.getTime() + m * 60_000);
      await tracker.runOnce();
    }
    await tracker.stop();
    const to = new Date('2026-03-02T11:00:00Z');
    const query = { from, to, timeZone: 'UTC', now: to };
    const plain = join(dir, 'plain.svg');
    const split = join(dir, 'platforms.svg');
    await writeTimeline(store, { ...query, out: plain });
    await writeTimeline(store, { ...query, out: split, platforms: { staleAfter: 180_000 } });
    const groups = (svg: string) =>
      [...svg.matchAll(/<g class="(row|part)" data-user-id="([^"]+)"(?: data-part="([^"]+)")?>/g)].map((m) =>
        m.slice(1).join(' ').trim(),
      );
    expect(groups(await readFile(plain, 'utf8'))).toEqual(['row ada@example.com', 'row ben@example.com']);
    expect(groups(await readFile(split, 'utf8'))).toEqual([
      'row ada@example.com',
      'part ada@example.com teams',
      'part ada@example.com chat',
      'row ben@example.com',
      'part ben@example.com teams',
      'part ben@example.com chat',
    ]);
  });
});
