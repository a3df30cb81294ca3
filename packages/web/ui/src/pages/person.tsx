import { useJson } from '../api/client.ts';
import { type Change, overlaps, useChanges } from '../api/events.ts';
import { type Intervals, type People, personName, type Sessions } from '../api/types.ts';
import { DataTable } from '../components/data-table.tsx';
import { DayField } from '../components/day-field.tsx';
import { Notice } from '../components/notice.tsx';
import { STATUS_LABEL, StatusBadge } from '../components/status.tsx';
import { type ChartRow, type Tick, TimelineChart } from '../components/timeline-chart.tsx';
import { ZonePicker } from '../components/zone-picker.tsx';
import { type Route, setParams } from '../router.ts';
import { addDays, dayStart, formatDateTime, formatDay, formatDuration, formatTime } from '../time/zone.ts';
import { dayParam } from './settings.ts';

const DAYS = 14;
const TICKS: Tick[] = [0, 3, 6, 9, 12, 15, 18, 21].map((hour) => ({
  at: hour / 24,
  label: `${String(hour).padStart(2, '0')}:00`,
}));

const SESSION_COLUMNS = [
  { key: 'started', label: 'Started' },
  { key: 'ended', label: 'Ended' },
  { key: 'length', label: 'Length' },
  { key: 'reason', label: 'Ended because' },
];
const UNAVAILABLE_COLUMNS = [
  { key: 'status', label: 'Status' },
  { key: 'from', label: 'From' },
  { key: 'to', label: 'To' },
  { key: 'length', label: 'Length' },
];

/** One person's last 14 days: a row per day, their sessions, and each period they were unavailable. */
export function PersonPage({ route, zone }: { route: Route; zone: string }) {
  const id = route.rest[0] ?? '';
  const last = dayParam(route, 'day', zone);
  const first = addDays(last, 1 - DAYS);
  const from = dayStart(first, zone);
  const to = dayStart(last, zone, 1);
  const range = { from: from.toISOString(), to: to.toISOString(), userId: id };

  // Read again when the tracker writes one of this person's records: their status at any change of
  // interval, the days shown when the record lies on them.
  const ofThisPerson = (type: Change['type'], inRange: boolean) => (change: Change) =>
    change.type === type &&
    (change.record as { userId?: string }).userId === id &&
    (!inRange || overlaps(change.record, from, to));
  const statusChanges = useChanges(ofThisPerson('interval', false));
  const intervalChanges = useChanges(ofThisPerson('interval', true));
  const sessionChanges = useChanges(ofThisPerson('session', true));
  const people = useJson<People>('/api/v1/people', { userId: id }, statusChanges);
  const intervals = useJson<Intervals>('/api/v1/intervals', range, intervalChanges);
  const sessions = useJson<Sessions>('/api/v1/sessions', range, sessionChanges);
  const person = people.data?.people.find((p) => p.id === id);
  const periods = intervals.data?.intervals ?? [];
  const sessionList = sessions.data?.sessions ?? [];
  const name = personName(person, id);
  const now = new Date();

  const rows: ChartRow[] = Array.from({ length: DAYS }, (_, i) => {
    const day = addDays(last, -i);
    return {
      id: day,
      name: formatDay(day),
      label: formatDay(day),
      intervals: periods,
      from: dayStart(day, zone),
      to: dayStart(day, zone, 1),
    };
  });
  const unavailable = periods
    .filter((interval) => interval.status !== 'available')
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const end = (at: string | null) => (at === null ? now : new Date(at));

  return (
    <>
      <h1 id="page-title" tabIndex={-1}>
        {name}
      </h1>
      <p class="person-head">
        {person ? <StatusBadge status={person.status} /> : null}
        {person?.email && <span class="muted">{person.email}</span>}
        {person?.groups?.map((g) => (
          <span key={`${g.kind}-${g.id}`} class="chip">
            {g.name ?? g.id}
          </span>
        ))}
      </p>
      <form class="toolbar" aria-label="Days shown" onSubmit={(e) => e.preventDefault()}>
        <DayField label="Last day" value={last} onChange={(day) => setParams(route, { day })} />
        <div class="buttons">
          <button type="button" onClick={() => setParams(route, { day: addDays(last, -DAYS) })}>
            Earlier 14 days
          </button>
          <button type="button" onClick={() => setParams(route, { day: addDays(last, DAYS) })}>
            Later 14 days
          </button>
        </div>
        <ZonePicker value={zone} onChange={(value) => setParams(route, { zone: value })} />
      </form>
      <Notice
        loading={people.loading && !people.data}
        error={people.error ?? intervals.error ?? sessions.error}
      />
      {people.data && !person && (
        <p class="notice error" role="alert">
          Nobody tracked has the id {id}.
        </p>
      )}
      <h2>
        14 days, {formatDay(first)} to {formatDay(last)}
      </h2>
      {intervals.data && (
        <TimelineChart
          rows={rows}
          ticks={TICKS}
          zone={zone}
          now={now}
          zoom={1}
          label={`${name}'s last 14 days`}
        />
      )}

      <h2>Sessions</h2>
      <Notice loading={sessions.loading && !sessions.data} empty={sessions.data && sessionList.length === 0}>
        No session in these 14 days.
      </Notice>
      {sessionList.length > 0 && (
        <DataTable
          label="Sessions"
          name="sessions"
          columns={SESSION_COLUMNS}
          rows={[...sessionList]
            .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
            .map((session) => ({
              id: session.id,
              cells: {
                started: formatDateTime(new Date(session.startedAt), zone),
                ended: session.endedAt ? formatTime(new Date(session.endedAt), zone) : 'still present',
                length: formatDuration(end(session.endedAt).getTime() - Date.parse(session.startedAt)),
                reason: session.endReason ?? '–',
              },
            }))}
        />
      )}

      <h2>Unavailable</h2>
      <Notice
        loading={intervals.loading && !intervals.data}
        empty={intervals.data && unavailable.length === 0}
      >
        Never unavailable in these 14 days.
      </Notice>
      {unavailable.length > 0 && (
        <DataTable
          label="Periods of unavailability"
          name="unavailable"
          columns={UNAVAILABLE_COLUMNS}
          rows={unavailable.map((interval) => ({
            id: interval.startedAt,
            cells: {
              status: STATUS_LABEL[interval.status],
              from: formatDateTime(new Date(interval.startedAt), zone),
              to: interval.endedAt ? formatTime(new Date(interval.endedAt), zone) : 'now',
              length: formatDuration(end(interval.endedAt).getTime() - Date.parse(interval.startedAt)),
            },
          }))}
        />
      )}
    </>
  );
}
