export {
  buildReport,
  type Report,
  type ReportGroupBy,
  type ReportQuery,
  type ReportUser,
  reportRows,
} from './build.ts';
export {
  CSV_COLUMNS,
  type CsvOptions,
  type CsvStreamOptions,
  hms,
  isoInZone,
  toCsv,
  toCsvStream,
} from './csv.ts';
export { localDay, localDayStart } from './periods.ts';
export { parseInstant, type RangeInput, type RangeNames, resolveRange } from './range.ts';
export type { ReportRow, UnavailablePeriod } from './row.ts';
