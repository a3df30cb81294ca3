import type { ReportRow } from '@presence-tracker/core';
import type { Page } from 'playwright-core';

/** The report's figures, by the `data-key` of the table's cells. */
const FIGURES = [
  'observed',
  'available',
  'unavailable',
  'unobserved',
  'longest',
  'sessions',
  'first',
  'last',
];

/** A row of `buildReport` as the table's cells hold it (`data-value`); a group row with its size. */
export function figures(row: ReportRow): Record<string, string> {
  return {
    ...(row.members !== undefined && { members: String(row.members) }),
    observed: String(row.observedMs),
    available: String(row.availableMs),
    unavailable: String(row.unavailableMs),
    unobserved: String(row.unobservedMs),
    longest: String(row.longestUnavailableMs),
    sessions: String(row.sessions),
    first: row.firstSeen?.toISOString() ?? '',
    last: row.lastSeen?.toISOString() ?? '',
  };
}

/** Each row of the report table, by person or group (and day), its figures as the cells' values. */
export async function tableValues(
  page: Page,
  byDay = false,
): Promise<Record<string, Record<string, string>>> {
  const result: Record<string, Record<string, string>> = {};
  for (const row of await page.locator('table.report tbody tr').all()) {
    const key = byDay
      ? `${await row.getAttribute('data-user')} ${await row.getAttribute('data-day')}`
      : (await row.getAttribute('data-user'))!;
    const cells: Record<string, string> = {};
    const members = row.locator('td[data-key="members"]');
    if ((await members.count()) > 0) cells.members = (await members.getAttribute('data-value')) ?? '';
    for (const name of FIGURES) {
      cells[name] = (await row.locator(`td[data-key="${name}"]`).getAttribute('data-value')) ?? '';
    }
    result[key] = cells;
  }
  return result;
}

/** One column's values, top to bottom. */
export async function columnValues(page: Page, key: string): Promise<number[]> {
  const values = await page
    .locator(`table.report tbody td[data-key="${key}"]`)
    .evaluateAll((cells) => cells.map((cell) => Number(cell.getAttribute('data-value'))));
  return values;
}
