import type { Group } from '../api/types.ts';
import type { Route } from '../router.ts';

/**
 * How the report's rows are cut, as the API's `groupBy` offers it: per person or per group (team,
 * channel), over the whole range or per local day or week. Groups come per day or over the range
 * only, as `buildReport` makes them. Kept in the URL as `by`.
 */
export interface Grouping {
  /** The URL's `by`; `''` for the default. */
  by: string;
  label: string;
  /** What the table holds, for its caption. */
  caption: string;
  groupBy: 'day' | 'week' | 'group';
  /** The report's `totals` (one row per person or group over the range), else its `rows`. */
  totals: boolean;
  groups: boolean;
}

export const GROUPINGS: readonly Grouping[] = [
  {
    by: '',
    caption: 'Each person over the range',
    label: 'Person',
    groupBy: 'day',
    totals: true,
    groups: false,
  },
  {
    by: 'day',
    caption: 'Each person on each day',
    label: 'Person and day',
    groupBy: 'day',
    totals: false,
    groups: false,
  },
  {
    by: 'week',
    caption: 'Each person in each week',
    label: 'Person and week',
    groupBy: 'week',
    totals: false,
    groups: false,
  },
  {
    by: 'group',
    caption: 'Each group over the range',
    label: 'Group',
    groupBy: 'group',
    totals: true,
    groups: true,
  },
  {
    by: 'group-day',
    caption: 'Each group on each day',
    label: 'Group and day',
    groupBy: 'group',
    totals: false,
    groups: true,
  },
];

export function groupingOf(route: Route): Grouping {
  const by = route.params.get('by') ?? '';
  return GROUPINGS.find((g) => g.by === by) ?? GROUPINGS[0]!;
}

/** A group row's name: the group's own, else its id, and what kind of group it is. */
export function groupName(group: Group | undefined, key: string): string {
  if (!group) return key;
  if (group.kind === 'none') return 'In no group';
  return `${group.name ?? group.id} (${group.kind})`;
}
