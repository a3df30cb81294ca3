import { useJson } from '../api/client.ts';
import type { Runs } from '../api/types.ts';
import { DayField } from '../components/day-field.tsx';
import { Notice } from '../components/notice.tsx';
import { ScrollRegion } from '../components/scroll-region.tsx';
import { ZonePicker } from '../components/zone-picker.tsx';
import { type Route, setParams } from '../router.ts';
import { addDays, dayOf, dayStart, formatDateTime, formatDuration } from '../time/zone.ts';
import { dayParam } from './settings.ts';

/** When the tracker was observing: each run over a range of days, newest first. */
export function RunsPage({ route, zone }: { route: Route; zone: string }) {
  const today = dayOf(new Date(), zone);
  const fromDay = dayParam(route, 'from', zone, addDays(today, -13));
  const toDay = dayParam(route, 'to', zone, today);
  const runs = useJson<Runs>('/api/v1/runs', {
    from: dayStart(fromDay, zone).toISOString(),
    to: dayStart(toDay, zone, 1).toISOString(),
  });
  const now = Date.now();
  const list = [...(runs.data?.runs ?? [])].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const observed = list.reduce(
    (sum, run) => sum + ((run.endedAt ? Date.parse(run.endedAt) : now) - Date.parse(run.startedAt)),
    0,
  );

  return (
    <>
      <form class="toolbar" aria-label="Runs range" onSubmit={(e) => e.preventDefault()}>
        <DayField label="From" value={fromDay} onChange={(from) => setParams(route, { from })} />
        <DayField
          label="To (included)"
          value={toDay}
          min={fromDay}
          onChange={(to) => setParams(route, { to })}
        />
        <ZonePicker value={zone} onChange={(value) => setParams(route, { zone: value })} />
      </form>
      <Notice loading={runs.loading && !runs.data} error={runs.error} empty={runs.data?.runs.length === 0}>
        The tracker did not run between {fromDay} and {toDay}.
      </Notice>
      {list.length > 0 && (
        <>
          <p class="summary">
            {list.length} {list.length === 1 ? 'run' : 'runs'}, observing for {formatDuration(observed)} in
            all.
          </p>
          <ScrollRegion label="Runs">
            <table class="runs">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Ended</th>
                  <th scope="col">Length</th>
                </tr>
              </thead>
              <tbody>
                {list.map((run) => (
                  <tr key={run.id} data-run={run.id}>
                    <td>{formatDateTime(new Date(run.startedAt), zone)}</td>
                    <td>{run.endedAt ? formatDateTime(new Date(run.endedAt), zone) : 'running'}</td>
                    <td>
                      {formatDuration(
                        (run.endedAt ? Date.parse(run.endedAt) : now) - Date.parse(run.startedAt),
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </>
      )}
    </>
  );
}
