import { describe, expect, it } from 'vitest';
import { type SlackReading, toStatus } from './status.ts';

const NOW = new Date('2026-03-02T10:00:00Z');
const t = NOW.getTime() / 1000;
const inWindow = { dnd_enabled: true, next_dnd_start_ts: t - 600, next_dnd_end_ts: t + 600 };

// The README's status table, row by row.
describe('toStatus', () => {
  it.each<[string, SlackReading, string]>([
    ['active', { presence: 'active' }, 'available'],
    ['away', { presence: 'away' }, 'away'],
    ['active, DND on now', { presence: 'active', dnd: inWindow }, 'dnd'],
    ['away, DND on now', { presence: 'away', dnd: inWindow }, 'dnd'],
    [
      'active, DND scheduled later today',
      {
        presence: 'active',
        dnd: { dnd_enabled: true, next_dnd_start_ts: t + 60, next_dnd_end_ts: t + 3600 },
      },
      'available',
    ],
    [
      'active, DND window over',
      { presence: 'active', dnd: { dnd_enabled: true, next_dnd_start_ts: t - 3600, next_dnd_end_ts: t } },
      'available',
    ],
    [
      'active, DND off though the window covers now',
      { presence: 'active', dnd: { ...inWindow, dnd_enabled: false } },
      'available',
    ],
    [
      'active, snoozed until later',
      { presence: 'active', dnd: { dnd_enabled: false, snooze_enabled: true, snooze_endtime: t + 60 } },
      'dnd',
    ],
    [
      'active, snooze ended',
      { presence: 'active', dnd: { dnd_enabled: false, snooze_enabled: true, snooze_endtime: t } },
      'available',
    ],
    ['deleted account', { presence: 'active', deleted: true, dnd: inWindow }, 'unknown'],
    ['a word Slack may add', { presence: 'busy-ish' }, 'unknown'],
  ])('%s -> %s', (_, reading, status) => {
    expect(toStatus(reading, NOW)).toBe(status);
  });
});
