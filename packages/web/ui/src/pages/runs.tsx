import { useJson } from '../api/client.ts';
import { overlaps, useChanges } from '../api/events.ts';
import type { Run, Runs, Session, Sessions } from '../api/types.ts';
import { DataTable } from '../components/data-table.tsx';
import { Notice } from '../components/notice.tsx';
import { RangeFields } from '../components/range-fields.tsx';
import type { Route } from '../router.ts';
import { addDays, dayOf, dayStart, formatDateTime, formatDuration } from '../time/zone.ts';
import { dayParam } from './settings.ts';

const RUN_COLUMNS = [
  { key: 'started', label: 'Started' },
  { key: 'ended', label: 'Ended' },
  { key: 'length', label: 'Length' },
  { key: 'people', label: 'People present' },
  { key: 'sessions', label: 'Sessions' },
];

/** When the tracker was observing: each run over a range of days, newest first. */
export function RunsPage({ route, zone }: { route: Route; zone: string }) {
  const today = dayOf(new Date(), zone);
  const fromDay = dayParam(route, 'from', zone, addDays(today, -13));
  const toDay = dayParam(route, 'to', zone, today);
  const from = dayStart(fromDay, zone);
  const to = dayStart(toDay, zone, 1);
  const range = { from: from.toISOString(), to: to.toISOString() };
  // Runs, and the sessions that say what each observed, read again when one of the range changes.
  const runChanges = useChanges((change) => change.type === 'run' && overlaps(change.record, from, to));
  const sessionChanges = useChanges(
    (change) => change.type === 'session' && overlaps(change.record, from, to),
  );
  const runs = useJson<Runs>('/api/v1/runs', range, runChanges);
  const sessions = useJson<Sessions>('/api/v1/sessions', range, sessionChanges);
  const now = Date.now();
  const list = [...(runs.data?.runs ?? [])].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const observed = list.reduce(
    (sum, run) => sum + ((run.endedAt ? Date.parse(run.endedAt) : now) - Date.parse(run.startedAt)),
    0,
  );

  return (
    <>
      <form class="toolbar" aria-label="Runs range" onSubmit={(e) => e.preventDefault()}>
        <RangeFields route={route} zone={zone} from={fromDay} to={toDay} />
      </form>
      <Notice
        loading={runs.loading && !runs.data}
        error={runs.error ?? sessions.error}
        empty={runs.data?.runs.length === 0}
      >
        The tracker did not run between {fromDay} and {toDay}.
      </Notice>
      {list.length > 0 && (
        <>
          <p class="summary">
            {list.length} {list.length === 1 ? 'run' : 'runs'}, observing for {formatDuration(observed)} in
            all.
          </p>
          <DataTable
            label="Runs"
            name="runs"
            columns={RUN_COLUMNS}
            rows={list.map((run) => {
              const seen = sessions.data && observedIn(run, sessions.data.sessions, now);
              const end = run.endedAt ? Date.parse(run.endedAt) : now;
              return {
                id: run.id,
                attrs: { 'data-run': run.id },
                cells: {
                  started: formatDateTime(new Date(run.startedAt), zone),
                  ended: run.endedAt ? formatDateTime(new Date(run.endedAt), zone) : 'running',
                  length: formatDuration(end - Date.parse(run.startedAt)),
                  people: seen ? seen.people : '…',
                  sessions: seen ? seen.sessions : '…',
                },
              };
            })}
          />
        </>
      )}
    </>
  );
}

/** What a run observed: the sessions overlapping it, and how many people they belong to. */
function observedIn(
  run: Run,
  sessions: readonly Session[],
  now: number,
): { people: number; sessions: number } {
  const start = Date.parse(run.startedAt);
  const end = run.endedAt ? Date.parse(run.endedAt) : now;
  const inside = sessions.filter(
    (s) => Date.parse(s.startedAt) < end && (s.endedAt ? Date.parse(s.endedAt) : now) > start,
  );
  return { people: new Set(inside.map((s) => s.userId)).size, sessions: inside.length };
}
