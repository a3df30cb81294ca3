import { z } from 'zod';
import { STATUSES } from '../model.ts';

/**
 * The events as a receiver gets them: the JSON body `{ type, timestamp, data }` of a webhook, instants
 * as ISO 8601 strings. Unknown fields are dropped rather than rejected, so a receiver keeps working
 * when a later version adds some.
 */

const instant = z.iso.datetime({ offset: true });
const duration = z.number().int().nonnegative();
const severity = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);

/** Who an event is about. */
export const personSchema = z.object({
  userId: z.string(),
  displayName: z.string().optional(),
  email: z.string().optional(),
  /** 0 normal .. 3 loudest (`+++`). */
  severity,
});

export const runStartedDataSchema = z.object({
  runId: z.string(),
  startedAt: instant,
});

/** One person's time over a run, counted as reports count it. */
export const userRunStatsSchema = personSchema.extend({
  /** Time the person was observed during the run (stale gaps excluded). */
  observedMs: duration,
  availableMs: duration,
  /** Observed time that was not available. */
  unavailableMs: duration,
  /** The longest unbroken stretch of observed time outside the available statuses. */
  longestUnavailableMs: duration,
  /** Sessions that overlapped the run. */
  sessions: z.number().int().nonnegative(),
});

export const runEndedDataSchema = z.object({
  runId: z.string(),
  startedAt: instant,
  endedAt: instant,
  durationMs: duration,
  /**
   * `stopped`: the tracker stopped it. `recovered`: its process died, and the next start ended it at its
   * last poll. Absent from events of earlier versions, which only sent stopped runs.
   */
  reason: z.enum(['stopped', 'recovered']).default('stopped'),
  /**
   * How many people the run tracked. Absent from events of earlier versions, which listed everyone in
   * `users`.
   */
  people: z.number().int().nonnegative().optional(),
  /**
   * The tracked people ordered by user id: all of them, or the first the tracker's `runSummaryPeople`
   * allows (10,000 by default) when it tracked more. `totals` count everyone.
   */
  users: z.array(userRunStatsSchema),
  totals: z.object({
    observedMs: duration,
    availableMs: duration,
    unavailableMs: duration,
    sessions: z.number().int().nonnegative(),
  }),
});

export const sessionStartedDataSchema = personSchema.extend({
  startedAt: instant,
});

export const sessionEndedDataSchema = personSchema.extend({
  startedAt: instant,
  endedAt: instant,
  durationMs: duration,
  reason: z.enum(['offline', 'window', 'stale', 'stopped', 'recovered']),
});

export const unavailableLongDataSchema = personSchema.extend({
  /** The status the person is in now. */
  status: z.enum(STATUSES),
  /** When the unavailability began. */
  since: instant,
  durationMs: duration,
  /** The threshold for this person's severity that was passed. */
  thresholdMs: duration,
});

export const trackerErrorDataSchema = z.object({
  /** What failed: `provider`, `store`, `resolving users`, `poll`, ... */
  where: z.string(),
  message: z.string(),
  /** The library's error code, when the error is one of its own. */
  code: z.string().optional(),
  runId: z.string().optional(),
  /** When this place began failing, in the streak of failures this error is part of. */
  since: instant.optional(),
  /**
   * How many times the same error happened since it was last sent, without being sent on its own: the
   * same error is sent at most once per quiet period (`errorQuietPeriod`, default 1 hour).
   */
  repeated: z.number().int().nonnegative().optional(),
});

export const trackerRecoveredDataSchema = z.object({
  /** What works again: `provider`, `store`, `resolving users`, `coordination`. */
  where: z.string(),
  /** When it began failing. */
  since: instant,
  /** When it worked again. */
  at: instant,
  durationMs: duration,
  /** How many times it failed in between, sent or not. */
  failures: z.number().int().positive(),
  runId: z.string().optional(),
});

/** The `data` schema of each event type. */
export const eventDataSchemas = {
  'run.started': runStartedDataSchema,
  'run.ended': runEndedDataSchema,
  'session.started': sessionStartedDataSchema,
  'session.ended': sessionEndedDataSchema,
  'unavailable.long': unavailableLongDataSchema,
  'tracker.error': trackerErrorDataSchema,
  'tracker.recovered': trackerRecoveredDataSchema,
} as const;

const body = <T extends keyof typeof eventDataSchemas>(type: T) =>
  z.object({ type: z.literal(type), timestamp: instant, data: eventDataSchemas[type] });

/** One event of each type, as a webhook body; `trackerEventSchema` takes any of them. */
export const eventSchemas = {
  'run.started': body('run.started'),
  'run.ended': body('run.ended'),
  'session.started': body('session.started'),
  'session.ended': body('session.ended'),
  'unavailable.long': body('unavailable.long'),
  'tracker.error': body('tracker.error'),
  'tracker.recovered': body('tracker.recovered'),
} as const;

/**
 * A webhook body of any event type, discriminated by `type`:
 * `const event = trackerEventSchema.parse(JSON.parse(body))`.
 */
export const trackerEventSchema = z.discriminatedUnion('type', [
  eventSchemas['run.started'],
  eventSchemas['run.ended'],
  eventSchemas['session.started'],
  eventSchemas['session.ended'],
  eventSchemas['unavailable.long'],
  eventSchemas['tracker.error'],
  eventSchemas['tracker.recovered'],
]);

/** The JSON `data` of each event type. */
export type TrackerEventData = {
  [K in keyof typeof eventDataSchemas]: z.infer<(typeof eventDataSchemas)[K]>;
};
/** A webhook body as a receiver parses it. */
export type TrackerEventBody = z.infer<typeof trackerEventSchema>;
export type UserRunStats = z.infer<typeof userRunStatsSchema>;
