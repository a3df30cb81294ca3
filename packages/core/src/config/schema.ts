import { z } from 'zod';
import { STATUSES } from '../model.ts';
import { TRACKER_EVENT_TYPES } from '../notifier/events.ts';
import { isTimeZone, scheduleSchema } from '../schedule/index.ts';

/**
 * The native configuration file, as zod checks it. Objects are strict, so a misspelt field is an
 * error rather than a silently ignored setting; adapter settings this schema does not know go in
 * `options`, which is handed to the adapter's factory as it is.
 */

const text = z.string({ error: 'expected a string' }).min(1, 'expected a non-empty string');
const url = z.url({ error: 'expected a URL such as https://example.com' });
const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin');
const milliseconds = (what: string) =>
  z
    .number({ error: `expected ${what} as a number of milliseconds` })
    .int(`expected ${what} as a whole number of milliseconds`)
    .nonnegative(`expected ${what} >= 0 milliseconds`);
const adapterOptions = z.record(z.string(), z.unknown()).optional();

const graphProvider = z.strictObject({
  type: z.literal('graph'),
  /** Directory (tenant) id or domain; needed for app-only sign-in. */
  tenantId: text.optional(),
  /** Application (client) id of the app registration. */
  clientId: text,
  /** App-only sign-in with a client secret. */
  clientSecret: text.optional(),
  /** App-only sign-in with a certificate (PEM file). */
  certificatePath: text.optional(),
  /** Delegated sign-in by device code: the account to sign in as. */
  loginHint: text.optional(),
  /** Sign-in authority, e.g. https://login.microsoftonline.com/organizations. */
  authority: url.optional(),
  /** Where device-code sign-in keeps its tokens; relative to the configuration file. */
  tokenCacheDir: text.optional(),
  /** Skip checking the authority against Microsoft's list, for private clouds and tests. */
  disableInstanceDiscovery: z.boolean().optional(),
  /** Graph's address, for national clouds and tests. */
  baseUrl: url.optional(),
  options: adapterOptions,
});

const mattermostProvider = z.strictObject({
  type: z.literal('mattermost'),
  url,
  /** A personal access token or bot token. */
  token: text.optional(),
  /** A user's name or e-mail address, with `password`. */
  loginId: text.optional(),
  password: text.optional(),
  /** Watch the members of these teams (names or ids). */
  teams: z.array(text).optional(),
  /** Watch the members of these channels (names or ids). */
  channels: z.array(text).optional(),
  /** A request budget, like the Mattermost tracker's API_DELAY. */
  requestsPerSecond: z.number().positive('expected requestsPerSecond > 0').optional(),
  options: adapterOptions,
});

const simulatedProvider = z.strictObject({
  type: z.literal('simulated'),
  /** How many simulated people. */
  users: z.number().int().min(1).optional(),
  seed: z.number().int().optional(),
  /** The simulated people's local time zone for their working hours. */
  timeZone: timeZone.optional(),
  options: adapterOptions,
});

export const providerSchema = z.discriminatedUnion('type', [
  graphProvider,
  mattermostProvider,
  simulatedProvider,
]);

const sqliteStore = z.strictObject({
  type: z.literal('sqlite'),
  /** The database file; relative to the configuration file. */
  path: text.optional(),
  keepSamples: z.union([z.boolean(), z.strictObject({ days: z.number().int().positive() })]).optional(),
  options: adapterOptions,
});

const postgresStore = z.strictObject({
  type: z.literal('postgres'),
  /** `postgres://user:password@host:5432/db`; or the separate fields below. */
  connectionString: text.optional(),
  host: text.optional(),
  port: z.number().int().min(1).max(65535).optional(),
  user: text.optional(),
  password: text.optional(),
  database: text.optional(),
  /** The Postgres schema holding the tables. */
  schema: text.optional(),
  ssl: z.boolean().optional(),
  keepSamples: z.union([z.boolean(), z.strictObject({ days: z.number().int().positive() })]).optional(),
  options: adapterOptions,
});

const memoryStore = z.strictObject({ type: z.literal('memory') });

export const storeSchema = z.discriminatedUnion('type', [sqliteStore, postgresStore, memoryStore]);

export const severitySchema = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)], {
  error: 'expected a severity 0, 1, 2 or 3',
});

/** A key with `+`, `++` or `+++` in front, as the Python tracker's params.json wrote severity. */
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

const webhookNotifier = z.strictObject({
  type: z.literal('webhook'),
  /** Unique among the notifiers; defaults to webhook-1, webhook-2, ... */
  name: text.optional(),
  url,
  /** `whsec_...` signs requests as Standard Webhooks says. */
  secret: text.optional(),
  /** The body's shape: the native JSON event, or a chat tool's message. */
  format: z.enum(['standard', 'slack', 'mattermost', 'teams', 'gotify']).optional(),
  events: z.array(z.enum(TRACKER_EVENT_TYPES)).optional(),
  timeout: milliseconds('timeout').optional(),
  options: adapterOptions,
});

export const notifierSchema = z.discriminatedUnion('type', [webhookNotifier]);

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

/** Several trackers sharing the users through leases in the Postgres store. */
export const coordinationSchema = z.strictObject({
  /** How many shards the users are spread over; the same for every tracker of a group. Default: 64. */
  shards: z.number().int().min(1).max(4096).optional(),
  /** A tracker's shards are taken over this long after its last heartbeat (ms). Default: 30,000. */
  leaseTtl: z.number().int().positive('expected leaseTtl > 0 milliseconds').optional(),
});

export const nativeConfigSchema = z.strictObject({
  provider: providerSchema,
  store: storeSchema.optional(),
  users: usersSchema,
  schedule: configScheduleSchema.optional(),
  policy: policySchema.optional(),
  pollInterval: z.number().int().positive('expected pollInterval > 0 milliseconds').optional(),
  notifiers: z.array(notifierSchema).optional(),
  report: reportSchema.optional(),
  coordination: coordinationSchema.optional(),
});

export type NativeConfigInput = z.input<typeof nativeConfigSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type GraphProviderConfig = z.output<typeof graphProvider>;
export type MattermostProviderConfig = z.output<typeof mattermostProvider>;
export type SimulatedProviderConfig = z.output<typeof simulatedProvider>;
export type StoreConfig = z.output<typeof storeSchema>;
export type NotifierConfig = z.output<typeof notifierSchema>;
export type CoordinationConfig = z.output<typeof coordinationSchema>;
