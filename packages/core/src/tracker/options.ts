import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { policySchema, runSummaryPeopleSchema, severitySchema } from '../config/schema.ts';
import type { Coordination } from '../coordination/index.ts';
import type { Logger } from '../logger.ts';
import type { PolicyOptions } from '../machine/index.ts';
import type { Severity } from '../model.ts';
import type { Notifier } from '../notifier/index.ts';
import type { PresenceProvider } from '../provider/index.ts';
import { type Schedule, scheduleSchema } from '../schedule/index.ts';
import type { PresenceStore } from '../store/index.ts';
import { parseOptions } from '../validation.ts';

/** A person to watch: a key the provider resolves (e-mail, UPN, username), with optional settings. */
export interface UserSpec {
  key: string;
  /** 0 (default) to 3: how loudly notifications about this person go out. */
  severity?: Severity;
  /** Shown instead of the platform's display name. */
  displayName?: string;
}

export interface TrackerOptions {
  provider: PresenceProvider;
  store: PresenceStore;
  /** Who to watch: keys, specs, or `'discover'` for everyone the provider's account may watch. */
  users: Array<string | UserSpec> | 'discover';
  notifiers?: Notifier[];
  /** Milliseconds between polls. Default: 60,000. */
  pollInterval?: number;
  /**
   * The longest time between polls when every tracked person's reading says it holds longer than
   * `pollInterval` (a sample's `validUntil`, as calendars give): the next poll then comes at the earliest
   * `validUntil`, at most this long after the last. Not below `pollInterval`; ignored with
   * `coordination`. Default: 900,000 (15 minutes).
   */
  maxPollInterval?: number;
  /**
   * How many people a poll asks the provider about at once: it reads them in batches of this many,
   * applies and writes each batch (its own write) while it reads the next, so a poll's memory is a
   * batch's and the provider is read while the store writes. The poll stays one poll: one `poll` event,
   * one result. `Infinity` asks about everyone at once. Default: the provider's `pollBatchSize`, else
   * 10,000. A provider that must be asked about everyone at once (`pollBatchSize: Infinity`) always is.
   */
  pollBatchSize?: number;
  /**
   * How many people the `run.ended` event lists by name (the first by user id); its totals and `people`
   * count everyone. Default: 10,000. A run of a million people would otherwise send an event of a
   * million rows, and every notifier would format or store them all.
   */
  runSummaryPeople?: number;
  /** When to track; always when absent. */
  schedule?: Schedule;
  policy?: PolicyOptions;
  /** Where every instant the tracker makes itself comes from. Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /** How long `stop()` waits for notification deliveries, retries included. Default: 10,000 ms. */
  stopTimeout?: number;
  /**
   * Notifiers get the same error (same place, same code or message) at most once in this many ms, with
   * a count of the repeats in between; listeners of `error` hear every one. Default: 3,600,000 (1 hour).
   */
  errorQuietPeriod?: number;
  /** Shares the users with other trackers: this one tracks only the users of the shards it holds. */
  coordination?: Coordination;
  /**
   * Keeps writes on their way to the store in a local file (appended and fsynced before each write is
   * tried), so a process killed while the store is away loses nothing: the next start replays them,
   * in order, before recovery. One file per tracker; off when absent.
   */
  spool?: { path: string };
  /**
   * For a tracker started again and again (from cron): a start within `staleAfter` of the last poll of
   * the newest open run continues that run, its people's intervals and sessions held across, instead
   * of recovering it; `stop()` leaves the run open for the next start. A start that comes later
   * recovers the run and ends it at its last poll, which is how such a run ends. Set `pollInterval` to
   * the period between starts, so that `staleAfter` (3 polls by default) spans a missed start or two.
   * Not with `coordination`.
   */
  continueRun?: boolean;
}

const duration = (what: string) =>
  z
    .number({ error: `expected ${what} in milliseconds` })
    .int()
    .nonnegative(`expected ${what} >= 0 milliseconds`);
const hasFunctions = (...names: string[]) =>
  z.custom<object>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function'),
    { message: `expected an object with ${names.join(', ')}` },
  );

// Strict objects: a misspelt option is refused with the name it was probably meant to be, not ignored.
const optionsSchema = z
  .strictObject({
    provider: hasFunctions('resolveUsers', 'getPresence'),
    store: hasFunctions('init', 'writePoll', 'startRun', 'endRun', 'openState', 'upsertUsers'),
    users: z.union(
      [
        z.literal('discover'),
        z
          .array(
            z.union([
              z.string().min(1, 'expected a non-empty key'),
              z.strictObject({
                key: z.string().min(1, 'expected a non-empty key'),
                severity: severitySchema.optional(),
                displayName: z.string().optional(),
              }),
            ]),
          )
          .min(1, "expected at least one user, or 'discover'"),
      ],
      { error: "expected 'discover' or a list of keys and { key, severity?, displayName? } objects" },
    ),
    notifiers: z
      .array(hasFunctions('deliver'))
      .optional()
      .refine((list) => !list || new Set(list.map((n) => (n as Notifier).name)).size === list.length, {
        message: 'expected every notifier to have a different name',
      }),
    pollInterval: z.number().int().positive('expected pollInterval > 0 milliseconds').optional(),
    maxPollInterval: z.number().int().positive('expected maxPollInterval > 0 milliseconds').optional(),
    pollBatchSize: z
      .custom<number>((v) => v === Number.POSITIVE_INFINITY || (Number.isInteger(v) && (v as number) > 0), {
        message: 'expected a whole number of people > 0, or Infinity for everyone at once',
      })
      .optional(),
    runSummaryPeople: runSummaryPeopleSchema.optional(),
    schedule: scheduleSchema.optional(),
    policy: policySchema.optional(),
    clock: hasFunctions('now').optional(),
    logger: hasFunctions('debug', 'info', 'warn', 'error').optional(),
    stopTimeout: duration('stopTimeout').optional(),
    errorQuietPeriod: duration('errorQuietPeriod').optional(),
    coordination: hasFunctions('heartbeat', 'release').optional(),
    spool: z
      .strictObject({ path: z.string({ error: 'expected a file path' }).min(1, 'expected a file path') })
      .optional(),
    continueRun: z.boolean().optional(),
  })
  // Leases the store cannot check would let two trackers write one user's sessions.
  .refine(
    (o) => o.coordination === undefined || (o.store as Partial<PresenceStore>).capabilities?.fencing === true,
    {
      path: ['coordination'],
      message:
        'expected a store that fences writes (capabilities.fencing); this store would ignore the leases',
    },
  )
  .refine((o) => !(o.continueRun && o.coordination), {
    path: ['continueRun'],
    message: 'expected continueRun without coordination: trackers sharing users keep their runs apart',
  });

export function checkTrackerOptions(options: TrackerOptions): void {
  parseOptions(optionsSchema, options, 'tracker options');
}
