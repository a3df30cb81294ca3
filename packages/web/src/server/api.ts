import { buildReport, type PresenceStore, type Status, toCsv } from '@presence-tracker/core';
import { renderTimeline } from '@presence-tracker/core/timeline';
import { Hono } from 'hono';
import { jsonText } from './json.ts';
import { openApiDocument } from './openapi.ts';
import { readPeople } from './people.ts';
import {
  peopleQuery,
  peopleRangeQuery,
  type QueryDefaults,
  rangeQuery,
  reportQuery,
  timelineQuery,
} from './query.ts';

const JSON_TYPE = { 'content-type': 'application/json' };

/** The JSON API under `/api/v1`: each route one or two reads of the store. */
export function apiRoutes(
  store: PresenceStore,
  defaults: QueryDefaults & { availableStatuses: readonly Status[] },
) {
  const api = new Hono();
  const { now } = defaults;
  // The statuses that count as available, in the reports as on the Now page.
  const policy = { availableStatuses: defaults.availableStatuses };

  api.get('/openapi.json', (c) => c.json(openApiDocument));

  api.get('/people', peopleQuery(), async (c) => {
    const { userId } = c.req.valid('query');
    const at = now();
    const people = await readPeople(store, {
      availableStatuses: defaults.availableStatuses,
      ...(userId && { userIds: userId }),
    });
    return c.json({ at: at.toISOString(), people });
  });

  api.get('/intervals', peopleRangeQuery(defaults), async (c) => {
    const { from, to, userIds } = c.req.valid('query');
    const intervals = await store.intervals({ from, to, ...(userIds && { userIds }) });
    return c.json({ from, to, intervals });
  });

  api.get('/sessions', peopleRangeQuery(defaults), async (c) => {
    const { from, to, userIds } = c.req.valid('query');
    const sessions = await store.sessions({ from, to, ...(userIds && { userIds }) });
    return c.json({ from, to, sessions });
  });

  api.get('/runs', rangeQuery(defaults), async (c) => {
    const { from, to } = c.req.valid('query');
    return c.json({ from, to, runs: await store.runs({ from, to }) });
  });

  api.get('/report', reportQuery(defaults), async (c) => {
    const { from, to, timeZone, groupBy } = c.req.valid('query');
    const report = await buildReport({ store, from, to, timeZone, groupBy, policy, now: now() });
    return c.body(jsonText(report), 200, JSON_TYPE);
  });

  // The command's CSV: the same report (`buildReport` at the same instant, cut by the same
  // `groupBy`, counting the same statuses as available as the JSON report) through the same `toCsv`.
  api.get('/report.csv', reportQuery(defaults), async (c) => {
    const { from, to, timeZone, groupBy } = c.req.valid('query');
    const csv = toCsv(await buildReport({ store, from, to, timeZone, groupBy, policy, now: now() }));
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="report_${from.toISOString().slice(0, 10)}_${to.toISOString().slice(0, 10)}.csv"`,
    });
  });

  api.get('/timeline.svg', timelineQuery(defaults), async (c) => {
    const { from, to, timeZone, userIds, width } = c.req.valid('query');
    const [intervals, users] = await Promise.all([
      store.intervals({ from, to, ...(userIds && { userIds }) }),
      store.users(),
    ]);
    const wanted = userIds && new Set(userIds);
    const svg = renderTimeline({
      intervals,
      from,
      to,
      timeZone,
      users: users
        .filter((u) => !wanted || wanted.has(u.id))
        .map((u) => ({ id: u.id, ...(u.displayName && { displayName: u.displayName }) })),
      now: now(),
      ...(width !== undefined && { width }),
    });
    return c.body(svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8' });
  });

  return api;
}
