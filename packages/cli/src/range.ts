import { parseInstant, type RangeInput, resolveRange as resolve } from '@presence-tracker/core/report';

export { isTimeZone } from '@presence-tracker/core/config';
export { parseInstant };

export type RangeOptions = RangeInput;

const OPTION_NAMES = { from: '--from', to: '--to', days: '--days' };

/**
 * `[from, to)` from the command's options, read as the API reads its `from` and `to` (core's
 * `resolveRange`), with errors naming the options.
 */
export function resolveRange(
  options: RangeOptions,
  timeZone: string,
  now: Date,
  defaultDays: number,
): { from: Date; to: Date } {
  return resolve(options, timeZone, now, defaultDays, OPTION_NAMES);
}
