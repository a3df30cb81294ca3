import { useId } from 'preact/hooks';
import { apiUrl, useJson } from '../api/client.ts';
import { overlaps, useChanges } from '../api/events.ts';
import { personName, type Report, type ReportRow } from '../api/types.ts';
import { Notice } from '../components/notice.tsx';
import { RangeFields } from '../components/range-fields.tsx';
import { ScrollRegion } from '../components/scroll-region.tsx';
import { href, type Route, setParams } from '../router.ts';
import { addDays, dayOf, dayStart, formatDateTime, formatDuration, weekStart } from '../time/zone.ts';
import { GROUPINGS, groupingOf, groupName } from './report-grouping.ts';
import { dayParam } from './settings.ts';

interface Column {
  key: string;
  label: string;
  value: (row: ReportRow, name: string) => number | string;
  show: (row: ReportRow, zone: string) => string;
}

const duration = (pick: (row: ReportRow) => number) => ({
  value: pick,
  show: (row: ReportRow) => formatDuration(pick(row)),
});
const instant = (pick: (row: ReportRow) => string | null) => ({
  value: (row: ReportRow) => pick(row) ?? '',
  show: (row: ReportRow, zone: string) => {
    const at = pick(row);
    return at ? formatDateTime(new Date(at), zone) : '–';
  },
});

const COLUMNS: Column[] = [
  { key: 'person', label: 'Person', value: (_, name) => name, show: () => '' },
  { key: 'day', label: 'Day', value: (row) => row.day ?? '', show: (row) => row.day ?? 'All days' },
  {
    key: 'members',
    label: 'People',
    value: (row) => row.members ?? 0,
    show: (row) => String(row.members ?? 0),
  },
  { key: 'observed', label: 'Observed', ...duration((r) => r.observedMs) },
  { key: 'available', label: 'Available', ...duration((r) => r.availableMs) },
  { key: 'unavailable', label: 'Unavailable', ...duration((r) => r.unavailableMs) },
  { key: 'unobserved', label: 'Not observed', ...duration((r) => r.unobservedMs) },
  { key: 'longest', label: 'Longest unavailable', ...duration((r) => r.longestUnavailableMs) },
  { key: 'sessions', label: 'Sessions', value: (r) => r.sessions, show: (r) => String(r.sessions) },
  { key: 'first', label: 'First seen', ...instant((r) => r.firstSeen) },
  { key: 'last', label: 'Last seen', ...instant((r) => r.lastSeen) },
];

/**
 * The report over a range of local days, per person or group and over the range, per day or per week:
 * a sortable table, and the same figures as CSV. Read again when the tracker opens or closes an
 * interval or session in the range.
 */
export function ReportPage({ route, zone }: { route: Route; zone: string }) {
  const today = dayOf(new Date(), zone);
  const fromDay = dayParam(route, 'from', zone, weekStart(today));
  const toDay = dayParam(route, 'to', zone, today);
  const grouping = groupingOf(route);
  const groupingId = useId();
  const sortKey = COLUMNS.some((c) => c.key === route.params.get('sort'))
    ? route.params.get('sort')!
    : 'person';
  const descending = route.params.get('order') === 'desc';
  const valid = fromDay <= toDay;
  const from = dayStart(fromDay, zone);
  const to = dayStart(toDay, zone, 1);
  const query = { from: from.toISOString(), to: to.toISOString(), timeZone: zone };

  const changes = useChanges(
    (change) =>
      (change.type === 'interval' || change.type === 'session') && overlaps(change.record, from, to),
  );
  const report = useJson<Report>(
    valid ? '/api/v1/report' : null,
    { ...query, groupBy: grouping.groupBy },
    changes,
  );
  // An answer still of the grouping before is not shown in this one's columns.
  const data = report.data?.groupBy === grouping.groupBy ? report.data : undefined;
  const names = new Map((data?.users ?? []).map((u) => [u.id, personName(u)]));
  const nameOf = (row: ReportRow) =>
    grouping.groups ? groupName(row.group, row.userId) : (names.get(row.userId) ?? row.userId);
  const columns = COLUMNS.filter(
    (c) => (c.key !== 'day' || !grouping.totals) && (c.key !== 'members' || grouping.groups),
  ).map((c) =>
    c.key === 'person' && grouping.groups
      ? { ...c, label: 'Group' }
      : c.key === 'day' && grouping.groupBy === 'week'
        ? { ...c, label: 'Week of' }
        : c,
  );
  const sortBy = columns.find((c) => c.key === sortKey) ?? columns[0]!;
  const rows = [...((grouping.totals ? data?.totals : data?.rows) ?? [])].sort((a, b) => {
    const x = sortBy.value(a, nameOf(a));
    const y = sortBy.value(b, nameOf(b));
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return (
      (descending ? -order : order) ||
      nameOf(a).localeCompare(nameOf(b)) ||
      (a.day ?? '').localeCompare(b.day ?? '')
    );
  });

  const preset = (from: string, to: string) => setParams(route, { from, to });
  return (
    <>
      <form class="toolbar" aria-label="Report range" onSubmit={(e) => e.preventDefault()}>
        <RangeFields route={route} zone={zone} from={fromDay} to={toDay} />
        <fieldset class="buttons">
          <legend class="visually-hidden">Ranges</legend>
          <button type="button" onClick={() => preset(today, today)}>
            Today
          </button>
          <button type="button" onClick={() => preset(weekStart(today), today)}>
            This week
          </button>
          <button type="button" onClick={() => preset(addDays(today, -29), today)}>
            Last 30 days
          </button>
        </fieldset>
        <div class="field">
          <label for={groupingId}>A row per</label>
          <select
            id={groupingId}
            value={grouping.by}
            onChange={(e) => setParams(route, { by: e.currentTarget.value || undefined })}
          >
            {GROUPINGS.map((g) => (
              <option key={g.by} value={g.by}>
                {g.label}
              </option>
            ))}
          </select>
        </div>
        {valid && (
          <a
            class="button"
            href={apiUrl('/api/v1/report.csv', { ...query, groupBy: grouping.groupBy })}
            download={`report-${fromDay}-${toDay}.csv`}
          >
            Download CSV
          </a>
        )}
      </form>
      {!valid && (
        <p class="notice error" role="alert">
          The range ends before it starts: pick a "To" day on or after {fromDay}.
        </p>
      )}
      <Notice loading={report.loading && !data} error={report.error} empty={data && rows.length === 0}>
        Nothing was tracked in this range.
      </Notice>
      {rows.length > 0 && (
        <ScrollRegion label="Report table">
          <table class="report">
            <caption>
              {grouping.caption}, {fromDay} to {toDay}, {zone}
            </caption>
            <thead>
              <tr>
                {columns.map((column) => {
                  const sorted = column.key === sortBy.key;
                  return (
                    <th
                      key={column.key}
                      scope="col"
                      aria-sort={sorted ? (descending ? 'descending' : 'ascending') : undefined}
                    >
                      <button
                        type="button"
                        class="sort"
                        onClick={() =>
                          setParams(route, {
                            sort: column.key,
                            order: sorted && !descending ? 'desc' : undefined,
                          })
                        }
                      >
                        {column.label}
                        <span aria-hidden="true">{sorted ? (descending ? ' ▼' : ' ▲') : ''}</span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.userId}-${row.day}`} data-user={row.userId} data-day={row.day ?? ''}>
                  {columns.map((column) =>
                    column.key === 'person' ? (
                      <th key="person" scope="row">
                        {grouping.groups ? (
                          nameOf(row)
                        ) : (
                          <a href={href(`/people/${encodeURIComponent(row.userId)}`, { zone })}>
                            {nameOf(row)}
                          </a>
                        )}
                      </th>
                    ) : (
                      <td key={column.key} data-key={column.key} data-value={String(column.value(row, ''))}>
                        {column.show(row, zone)}
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </>
  );
}
