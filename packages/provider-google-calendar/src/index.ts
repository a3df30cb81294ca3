export { type GoogleCalendarProvider, googleCalendarProvider } from './calendar-provider.ts';
export {
  type GoogleAuthClient,
  type GoogleCalendarConfigOptions,
  type GoogleCalendarProviderOptions,
  googleCalendarOptionsSchema,
} from './options.ts';
export { default, default as googleCalendar, default as plugin } from './plugin.ts';
export { EVENTS_SCOPE, FREEBUSY_SCOPE } from './scopes.ts';
export { type Block, type CalendarReading, readCalendar } from './status.ts';
