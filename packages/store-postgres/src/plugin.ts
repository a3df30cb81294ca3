import { definePlugin } from '@presence-tracker/core';
import { retryOptionsSchema } from '@presence-tracker/core/resilience';
import { z } from 'zod';
import { postgresCoordination } from './coordination/index.ts';
import { isPostgresUrl } from './options.ts';
import { type PostgresStore, postgresStore } from './postgres-store.ts';

const text = z.string().min(1);

export const postgresOptionsSchema = z
  .strictObject({
    /** `postgres://user:password@host:5432/db`; or the separate fields below. */
    connectionString: text
      .refine(isPostgresUrl, 'expected a postgres:// URL such as postgres://user:password@host:5432/database')
      .optional(),
    host: text.optional(),
    port: z.number().int().min(1).max(65535).optional(),
    user: text.optional(),
    password: text.optional(),
    database: text.optional(),
    /** Require TLS (`sslmode=require`). */
    ssl: z.boolean().optional(),
    /** The Postgres schema holding the tables. Default: `presence_tracker`. */
    schema: text.optional(),
    /** Keep raw samples: `true` (default), `false`, or `{ days }`. */
    keepSamples: z.union([z.boolean(), z.strictObject({ days: z.number().positive() })]).optional(),
    /** Connections in the pool. Default: 10. */
    maxConnections: z.number().int().min(1).optional(),
    /** How a call is tried again while the server is away; `false` not to. */
    retry: z
      .union([
        z.literal(false),
        // Core's RetryOptions; minDelay, the old name of baseDelay, is still accepted.
        retryOptionsSchema.extend({ minDelay: z.number().min(0).optional() }),
      ])
      .optional(),
  })
  .superRefine((o, ctx) => {
    if (o.connectionString === undefined && o.host === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['connectionString'],
        message: 'expected a connectionString or a host',
      });
    }
  });

export type PostgresPluginOptions = z.output<typeof postgresOptionsSchema>;

/** The separate fields (as the Mattermost tracker's PG_* variables give them) as one connection string. */
export function postgresUrl(options: Omit<PostgresPluginOptions, 'retry'>): string {
  if (options.connectionString !== undefined) return options.connectionString;
  const credentials =
    options.user === undefined
      ? ''
      : `${encodeURIComponent(options.user)}${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}`}@`;
  const database = options.database === undefined ? '' : `/${encodeURIComponent(options.database)}`;
  const ssl = options.ssl ? '?sslmode=require' : '';
  return `postgres://${credentials}${options.host ?? 'localhost'}:${options.port ?? 5432}${database}${ssl}`;
}

/** `{ "type": "postgres", "connectionString": { "env": "DATABASE_URL" } }` in a configuration. */
export const postgres = definePlugin({
  kind: 'store',
  name: 'postgres',
  description: 'PostgreSQL (pg): shared by several trackers and readers',
  options: postgresOptionsSchema,
  create(options, context) {
    const {
      connectionString: _c,
      host: _h,
      port: _p,
      user: _u,
      password: _w,
      database: _d,
      ssl: _s,
      ...rest
    } = options;
    return postgresStore({
      ...rest,
      connectionString: postgresUrl(options),
      logger: context.logger,
      // A reader (report, timeline) neither migrates nor writes: the store's `readOnly`.
      ...(context.readOnly && { readOnly: true }),
    });
  },
  coordination: (store, options, context) =>
    // The store this plugin made; coordination keeps its leases in the same database.
    postgresCoordination({ ...options, store: store as PostgresStore, logger: context.logger }),
  describe(options) {
    const url = new URL(postgresUrl(options));
    return `postgres ${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  },
});

export default postgres;
