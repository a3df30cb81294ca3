export {
  type FakeAccess,
  type FakeCalendar,
  type FakeCalendarOptions,
  type FakeCalendarRequest,
  type FakeEvent,
  type FakeFailure,
  MAX_FREEBUSY_ITEMS,
  startFakeCalendar,
} from './fake-calendar.ts';
export { checkJwtBearer, JWT_BEARER_GRANT, type JwtBearerResult, type JwtBearerRules } from './jwt-bearer.ts';
export { makeServiceAccount, type ServiceAccountKey, type TestServiceAccount } from './service-account.ts';
