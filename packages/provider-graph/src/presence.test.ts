import { describe, expect, test } from 'vitest';
import presences from './__fixtures__/presences.json' with { type: 'json' };
import { expiryInstant, SequenceFilter, statusMessageText, toRaw, toStatus } from './presence.ts';

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
    // The availability values the v1.0 presence page lists beside the older ones, with its activities.
    ['presenting', 'busy', 'dnd'],
    ['presenting', 'doNotDisturb', 'dnd'],
    ['presenting', null, 'dnd'],
    ['focusing', 'busy', 'dnd'],
    ['focusing', 'available', 'dnd'],
    ['Focusing', null, 'dnd'],
    ['inACall', 'busy', 'busy'],
    ['inACall', 'available', 'busy'],
    ['InAMeeting', 'busy', 'busy'],
    ['inAMeeting', null, 'busy'],
    ['available', 'outOfOffice', 'available'],
    ['offline', 'outOfOffice', 'offline'],
  ])('%s / %s -> %s', (availability, activity, status) => {
    expect(toStatus(availability, activity)).toBe(status);
  });
});

test('toRaw keeps both words, the status message, out-of-office and the sequence number', () => {
  const at = new Date('2026-03-02T09:00:00Z');
  expect(presences.value.map((p) => toRaw(p, at))).toEqual([
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

describe('status messages', () => {
  const at = new Date('2026-03-02T12:00:00Z');
  const message = (content: string, contentType: string, expiryDateTime?: object) => ({
    message: { content, contentType },
    ...(expiryDateTime ? { expiryDateTime } : {}),
  });

  test.each([
    ['Planning until noon', 'text', 'Planning until noon'],
    ['<p>Heads <b>down</b> &amp; focused</p>', 'html', 'Heads down & focused'],
    ['<div>In Berlin<br>back Monday</div>', 'HTML', 'In Berlin\nback Monday'],
    ['<a href="https://contoso.com/x">see the plan</a>', 'html', 'see the plan'],
    ['<b>kept as sent</b>', 'text', '<b>kept as sent</b>'],
    ['<p> </p>', 'html', undefined],
  ])('%j as %s reads %j', (content, contentType, text) => {
    expect(statusMessageText(message(content, contentType), at)).toBe(text);
  });

  test.each([
    ['2026-03-02T11:59:59.9999999', 'UTC', undefined],
    ['2026-03-02T12:00:00.0000000', 'UTC', undefined],
    ['2026-03-02T12:00:01', 'UTC', 'away'],
    ['9999-12-30T23:59:59.9999999', 'UTC', 'away'],
    // 12:00 UTC is 13:00 in Berlin in March: expired at 12:30 Berlin, not yet at 13:30.
    ['2026-03-02T12:30:00', 'Europe/Berlin', undefined],
    ['2026-03-02T13:30:00', 'Europe/Berlin', 'away'],
    // Windows zone names as Graph also sends them: 04:00 Pacific is 12:00 UTC.
    ['2026-03-02T03:59:00.0000000', 'Pacific Standard Time', undefined],
    ['2026-03-02T04:01:00.0000000', 'Pacific Standard Time', 'away'],
    // An expiry that cannot be read never hides a message.
    ['next week', 'UTC', 'away'],
    ['2026-03-02T11:00:00', 'Mars/Olympus', 'away'],
  ])('expiring at %s %s, the message at 12:00 UTC reads %j', (dateTime, timeZone, text) => {
    expect(statusMessageText(message('away', 'text', { dateTime, timeZone }), at)).toBe(text);
  });

  test('an expiry without a zone is read as UTC', () => {
    expect(expiryInstant({ dateTime: '2026-03-02T12:00:00' })).toBe(Date.parse('2026-03-02T12:00:00Z'));
  });

  test('toRaw leaves an expired message out and turns HTML to text', () => {
    const p = {
      id: 'x',
      availability: 'Busy',
      activity: 'InAMeeting',
      statusMessage: message('<p>gone</p>', 'html', { dateTime: '2026-03-02T08:00:00', timeZone: 'UTC' }),
      outOfOfficeSettings: { isOutOfOffice: true, message: null },
    };
    expect(toRaw(p, at)).toEqual({ availability: 'Busy', activity: 'InAMeeting', outOfOffice: true });
    expect(toRaw(p, new Date('2026-03-02T07:00:00Z')).statusMessage).toBe('gone');
  });

  test('out of office shows in raw and leaves the status to availability and activity', () => {
    const p = {
      id: 'x',
      availability: 'Available',
      activity: 'Available',
      outOfOfficeSettings: { isOutOfOffice: true },
    };
    expect(toRaw(p, at).outOfOffice).toBe(true);
    expect(toStatus(p.availability, p.activity)).toBe('available');
    expect(toRaw({ ...p, outOfOfficeSettings: { isOutOfOffice: false } }, at).outOfOffice).toBe(false);
  });
});
