import { describe, expect, test } from 'vitest';
import presences from './__fixtures__/presences.json' with { type: 'json' };
import { SequenceFilter, toRaw, toStatus } from './presence.ts';

describe('toStatus', () => {
  test.each([
    ['Available', 'Available', 'available'],
    ['AvailableIdle', 'Available', 'available'],
    ['Available', 'OutOfOffice', 'available'],
    ['Busy', 'Busy', 'busy'],
    ['BusyIdle', 'Busy', 'busy'],
    ['Busy', 'InACall', 'busy'],
    ['Busy', 'InAMeeting', 'busy'],
    ['Busy', 'InAConferenceCall', 'busy'],
    ['DoNotDisturb', 'Presenting', 'dnd'],
    ['DoNotDisturb', 'DoNotDisturb', 'dnd'],
    ['DoNotDisturb', 'Focusing', 'dnd'],
    ['Busy', 'UrgentInterruptionsOnly', 'dnd'],
    ['Away', 'Away', 'away'],
    ['BeRightBack', 'BeRightBack', 'away'],
    ['Offline', 'OffWork', 'offline'],
    ['Offline', 'Offline', 'offline'],
    ['Offline', 'Presenting', 'offline'],
    ['PresenceUnknown', 'PresenceUnknown', 'unknown'],
    ['available', 'available', 'available'],
    ['doNotDisturb', 'presenting', 'dnd'],
    [null, 'InAMeeting', 'busy'],
    ['SomethingNew', 'Away', 'away'],
    ['SomethingNew', 'SomethingElse', 'unknown'],
    [undefined, undefined, 'unknown'],
  ])('%s / %s -> %s', (availability, activity, status) => {
    expect(toStatus(availability, activity)).toBe(status);
  });
});

test('toRaw keeps both words, the status message, out-of-office and the sequence number', () => {
  expect(presences.value.map(toRaw)).toEqual([
    {
      availability: 'Busy',
      activity: 'InAMeeting',
      statusMessage: 'Planning until noon',
      outOfOffice: false,
      sequenceNumber: 'C3C8E3D0F5B240B1',
    },
    { availability: 'Away', activity: 'Away', outOfOffice: true, sequenceNumber: 'C3C8E3D0F5B240A7' },
  ]);
});

test('SequenceFilter drops older readings per user, keeps equal and newer ones and readings without a number', () => {
  const f = new SequenceFilter();
  expect(f.accept('a', 'B')).toBe(true);
  expect(f.accept('a', 'A')).toBe(false);
  expect(f.accept('b', 'A')).toBe(true);
  expect(f.accept('a', 'B')).toBe(true);
  expect(f.accept('a', null)).toBe(true);
  expect(f.accept('a', 'C')).toBe(true);
  expect(f.accept('a', 'B')).toBe(false);
});
