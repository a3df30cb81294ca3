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
export { localDay } from './periods.ts';
