/** Reads free/busy blocks only: `freebusy.query`. */
export const FREEBUSY_SCOPE = 'https://www.googleapis.com/auth/calendar.freebusy';
/** Reads events, for the out-of-office ones: `events.list` with `eventTypes=outOfOffice`. */
export const EVENTS_SCOPE = 'https://www.googleapis.com/auth/calendar.events.readonly';

/** Where Google's token endpoint lives, and the audience every service account's assertion names. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
