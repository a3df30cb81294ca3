import { z } from 'zod';
import { STATUSES } from '../model.ts';
import type { PluginBlock } from '../plugin/plugin.ts';
import { isTimeZone, scheduleSchema } from '../schedule/index.ts';

/**
 * The native configuration file, as zod checks it. Objects are strict, so a misspelt field is an
 * error rather than a silently ignored setting. The provider, store and notifier blocks are checked
 * here only for their `type`: the rest of each block is the plugin's options, which the plugin's own
 * schema checks once the plugin is loaded (see `resolvePlugins`).
 */

const text = z.string({ error: 'expected a string' }).min(1, 'expected a non-empty string');
const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin');
const milliseconds = (what: string) =>
  z
    .number({ error: `expected ${what} as a number of milliseconds` })
    .int(`expected ${what} as a whole number of milliseconds`)
    .nonnegative(`expected ${what} >= 0 milliseconds`);

const pluginType = z
  .string({ error: 'expected a plugin: a built-in name or a module path such as ./plugins/acme.mjs' })
  .min(1, 'expected a plugin: a built-in name or a module path such as ./plugins/acme.mjs');

/** `{ type, ...options }`: a plugin by name or module specifier, and that plugin's options. */
export const pluginBlockSchema = z.looseObject({ type: pluginType });
const notifierBlockSchema = z.looseObject({
  type: pluginType,
  /** Unique among the notifiers; defaults to the type and the position, e.g. `webhook-1`. */
  name: text.optional(),
});

export const severitySchema = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)], {
  error: 'expected a severity 0, 1, 2 or 3',
});

/** A key with `+`, `++` or `+++` in front, as older trackers' files wrote severity. */
export const prefixedKey = z
  .string({ error: 'expected a string' })
  .regex(
    /^\+{0,3}[^+\s]\S*$/,
    "expected a key (e-mail, UPN or username), optionally prefixed with '+' to '+++'",
  );

const userSchema = z.union(
  [
    prefixedKey,
    z.strictObject({ key: text, severity: severitySchema.optional(), displayName: text.optional() }),
  ],
  { error: 'expected a key string or { key, severity?, displayName? }' },
);

export const usersSchema = z.union(
  [z.literal('discover'), z.array(userSchema).min(1, "expected at least one user, or 'discover'")],
  { error: "expected a list of users, or 'discover' for everyone the account can see" },
);

const status = z.enum(STATUSES);

export const policySchema = z.strictObject({
  presentStatuses: z.array(status).optional(),
  availableStatuses: z.array(status).optional(),
  staleAfter: milliseconds('staleAfter').optional(),
  mergeGap: milliseconds('mergeGap').optional(),
  unavailableAfter: z
    .tuple([
      milliseconds('a threshold').nullable(),
      milliseconds('a threshold').nullable(),
      milliseconds('a threshold').nullable(),
      milliseconds('a threshold').nullable(),
    ])
    .optional(),
});

export const configScheduleSchema = z.strictObject({
  /** Defaults to the machine's time zone. */
  timeZone: timeZone.optional(),
  windows: scheduleSchema.shape.windows,
});

export const reportSchema = z.strictObject({
  /** How many days back `report` and `timeline` look by default. */
  days: z.number().int().min(1).optional(),
  timeZone: timeZone.optional(),
  /** Where report files go; relative to the configuration file. */
  outDir: text.optional(),
});

/** Several trackers sharing the users through leases kept by the store (its plugin's `coordination`). */
export const coordinationSchema = z.strictObject({
  /** How many shards the users are spread over; the same for every tracker of a group. Default: 64. */
  shards: z.number().int().min(1).max(4096).optional(),
  /** A tracker's shards are taken over this long after its last heartbeat (ms). Default: 30,000. */
  leaseTtl: z.number().int().positive('expected leaseTtl > 0 milliseconds').optional(),
});

/**
 * Where the tracker hosts the endpoint a pushing provider's platform sends to, behind the user's
 * reverse proxy. Generic: the provider's `push` member answers whatever arrives under `path`.
 */
export const pushSchema = z.strictObject({
  listen: z.strictObject({
    /** The address to listen on. Default: 127.0.0.1, for a reverse proxy on the same machine. */
    host: text.optional(),
    /** The port; 0 lets the system choose. */
    port: z.number().int().min(0).max(65535, 'expected a port from 0 to 65535'),
    /** The path the platform's requests arrive under. Default: /push. */
    path: z
      .string()
      .regex(/^\/[^?#]*$/, 'expected a path starting with /, such as /push')
      .optional(),
  }),
});

/** The dashboard that `serve` runs over the store. */
export const webSchema = z.strictObject({
  /**
   * Every page and API request needs it; best given as `{ "env": "NAME" }`. Without one, the server
   * binds only to loopback.
   */
  token: z
    .string({ error: 'expected a string, or { "env": "NAME" }' })
    .min(16, 'expected a token of at least 16 characters')
    .optional(),
  /** The address to listen on. Default: 127.0.0.1. */
  host: text.optional(),
  /** Default: 8080; 0 lets the system choose. */
  port: z.number().int().min(0).max(65535, 'expected a port from 0 to 65535').optional(),
});

/** How many people `run.ended` lists: the tracker's option and the configuration's key. */
export const runSummaryPeopleSchema = z
  .number({ error: 'expected runSummaryPeople, a number of people' })
  .int('expected runSummaryPeople, a whole number of people')
  .nonnegative('expected runSummaryPeople >= 0 people');

export const nativeConfigSchema = z.strictObject({
  provider: pluginBlockSchema,
  store: pluginBlockSchema.optional(),
  users: usersSchema,
  schedule: configScheduleSchema.optional(),
  policy: policySchema.optional(),
  pollInterval: z.number().int().positive('expected pollInterval > 0 milliseconds').optional(),
  maxPollInterval: z.number().int().positive('expected maxPollInterval > 0 milliseconds').optional(),
  pollBatchSize: z
    .number({ error: 'expected pollBatchSize, a number of people' })
    .int('expected pollBatchSize, a whole number of people')
    .positive('expected pollBatchSize > 0 people')
    .optional(),
  runSummaryPeople: runSummaryPeopleSchema.optional(),
  notifiers: z.array(notifierBlockSchema).optional(),
  report: reportSchema.optional(),
  coordination: coordinationSchema.optional(),
  push: pushSchema.optional(),
  web: webSchema.optional(),
});

/** The fields of the native shape, for "did you mean" hints on misspelt ones. */
export const NATIVE_FIELDS = Object.keys(nativeConfigSchema.shape);

export type { PluginBlock };

export type NativeConfigInput = Omit<
  z.input<typeof nativeConfigSchema>,
  'provider' | 'store' | 'notifiers'
> & {
  provider: PluginBlock;
  store?: PluginBlock;
  notifiers?: (PluginBlock & { name?: string })[];
};
export type CoordinationConfig = z.output<typeof coordinationSchema>;
export interface PushConfig {
  listen: { host: string; port: number; path: string };
}
