import { apiUrl, useJson } from '../api/client.ts';
import { overlaps, useChanges } from '../api/events.ts';
import { type Interval, type Intervals, type People, personName } from '../api/types.ts';
import { DayField } from '../components/day-field.tsx';
import { Notice } from '../components/notice.tsx';
import { type ChartRow, type Tick, TimelineChart } from '../components/timeline-chart.tsx';
import { ZonePicker } from '../components/zone-picker.tsx';
import { href, type Route, setParams } from '../router.ts';
import { addDays, dayStart, formatDay, hourOf, weekStart } from '../time/zone.ts';
import { dayParam } from './settings.ts';

const ZOOMS = [1, 2, 4, 8];

/** A day or a week of everyone, a row per person, in the chosen zone. */
export function TimelinePage({ route, zone }: { route: Route; zone: string }) {
  const week = route.params.get('view') === 'week';
  const picked = dayParam(route, 'day', zone);
  const first = week ? weekStart(picked) : picked;
  const days = week ? 7 : 1;
  const from = dayStart(first, zone);
  const to = dayStart(first, zone, days);
  const zoom = ZOOMS.includes(Number(route.params.get('zoom'))) ? Number(route.params.get('zoom')) : 1;

  // Read again when an interval of the range opens or closes (a new person comes with their first).
  const changes = useChanges((change) => change.type === 'interval' && overlaps(change.record, from, to));
  const people = useJson<People>('/api/v1/people', {}, changes);
  const intervals = useJson<Intervals>(
    '/api/v1/intervals',
    { from: from.toISOString(), to: to.toISOString() },
    changes,
  );
  const byUser = new Map<string, Interval[]>();
  for (const interval of intervals.data?.intervals ?? []) {
    const list = byUser.get(interval.userId) ?? [];
    list.push(interval);
    byUser.set(interval.userId, list);
  }
  const rows: ChartRow[] = (people.data?.people ?? []).map((person) => ({
    id: person.id,
    name: personName(person),
    label: <a href={href(`/people/${encodeURIComponent(person.id)}`, { zone })}>{personName(person)}</a>,
    intervals: byUser.get(person.id) ?? [],
    from,
    to,
  }));
  const step = (n: number) => setParams(route, { day: addDays(first, n * days) });

  return (
    <>
      <form class="toolbar" aria-label="Timeline settings" onSubmit={(e) => e.preventDefault()}>
        <fieldset class="segmented">
          <legend>Show</legend>
          {(['day', 'week'] as const).map((view) => (
            <label key={view}>
              <input
                type="radio"
                name="view"
                value={view}
                checked={(view === 'week') === week}
                onChange={() => setParams(route, { view })}
              />
              {view === 'day' ? 'Day' : 'Week'}
            </label>
          ))}
        </fieldset>
        <DayField
          label={week ? 'Week of' : 'Day'}
          value={picked}
          onChange={(day) => setParams(route, { day })}
        />
        <div class="buttons">
          <button type="button" onClick={() => step(-1)}>
            {week ? 'Previous week' : 'Previous day'}
          </button>
          <button type="button" onClick={() => step(1)}>
            {week ? 'Next week' : 'Next day'}
          </button>
        </div>
        <fieldset class="buttons">
          <legend class="visually-hidden">Zoom</legend>
          <button
            type="button"
            disabled={zoom === ZOOMS[0]}
            onClick={() => setParams(route, { zoom: String(ZOOMS[ZOOMS.indexOf(zoom) - 1]) })}
          >
            Zoom out
          </button>
          <output aria-live="polite" aria-label="Zoom level">
            {zoom}×
          </output>
          <button
            type="button"
            disabled={zoom === ZOOMS.at(-1)}
            onClick={() => setParams(route, { zoom: String(ZOOMS[ZOOMS.indexOf(zoom) + 1]) })}
          >
            Zoom in
          </button>
        </fieldset>
        <ZonePicker value={zone} onChange={(value) => setParams(route, { zone: value })} />
        <a
          class="button"
          href={apiUrl('/api/v1/timeline.svg', {
            from: from.toISOString(),
            to: to.toISOString(),
            timeZone: zone,
          })}
          download={`timeline-${first}${week ? '-week' : ''}.svg`}
        >
          Download SVG
        </a>
      </form>
      <h2 class="range">
        {week ? `${formatDay(first)} to ${formatDay(addDays(first, 6))}` : formatDay(first, 'long')}
        <span class="muted"> · {zone}</span>
      </h2>
      <Notice
        loading={(people.loading && !people.data) || (intervals.loading && !intervals.data)}
        error={people.error ?? intervals.error}
        empty={people.data?.people.length === 0}
      >
        Nobody is tracked yet.
      </Notice>
      {people.data && intervals.data && rows.length > 0 && (
        <TimelineChart
          rows={rows}
          ticks={ticksOf(first, days, zone, zoom, from, to)}
          zone={zone}
          now={new Date()}
          zoom={zoom}
          label={`Timeline of ${rows.length} people`}
        />
      )}
    </>
  );
}

function ticksOf(first: string, days: number, zone: string, zoom: number, from: Date, to: Date): Tick[] {
  const span = to.getTime() - from.getTime();
  const at = (instant: Date) => (instant.getTime() - from.getTime()) / span;
  const ticks: Tick[] = [];
  if (days === 1) {
    const every = zoom >= 4 ? 1 : zoom >= 2 ? 2 : 3;
    for (let hour = 0; hour < 24; hour += every) {
      ticks.push({ at: at(hourOf(first, hour, zone)), label: `${String(hour).padStart(2, '0')}:00` });
    }
    return ticks;
  }
  const every = zoom >= 8 ? 3 : zoom >= 4 ? 6 : zoom >= 2 ? 12 : 24;
  for (let day = 0; day < days; day++) {
    const date = addDays(first, day);
    for (let hour = 0; hour < 24; hour += every) {
      ticks.push({
        at: at(hourOf(date, hour, zone)),
        label: hour === 0 ? formatDay(date) : `${String(hour).padStart(2, '0')}:00`,
      });
    }
  }
  return ticks;
}
