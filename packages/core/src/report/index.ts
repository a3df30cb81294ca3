export {
  buildReport,
  type Report,
  type ReportGroupBy,
  type ReportQuery,
  type ReportRow,
  type ReportUser,
  reportRows,
  type UnavailablePeriod,
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
