import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type Clock,
  type Logger,
  memoryStore,
  type Notifier,
  type PresenceProvider,
  type PresenceStore,
  type PresenceTrackerConfig,
  type ProviderConfig,
  type StoreConfig,
  simulatedProvider,
  webhookNotifier,
} from '@presence-tracker/core';
import type { PostgresCoordination, PostgresStore } from '@presence-tracker/store-postgres';

/*
 * Turns the configuration's plain data into adapter instances. Adapters are imported when chosen, so
 * a Mattermost user's command never loads the Azure libraries, nor a SQLite user's the Postgres driver.
 */

/** `postgres` takes extra options here; `doctor` uses it to give up on an unreachable server sooner. */
export async function openStore(
  config: StoreConfig,
  logger?: Logger,
  postgres: Record<string, unknown> = {},
): Promise<PresenceStore> {
  switch (config.type) {
    case 'memory':
      return memoryStore();
    case 'sqlite': {
      const { sqliteStore } = await import('@presence-tracker/store-sqlite');
      const path = config.path ?? 'presence-tracker.db';
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      return sqliteStore({
        ...config.options,
        path,
        ...(config.keepSamples !== undefined && { keepSamples: config.keepSamples }),
      });
    }
    case 'postgres': {
      const { postgresStore } = await import('@presence-tracker/store-postgres');
      return postgresStore({
        ...config.options,
        ...postgres,
        connectionString: postgresUrl(config),
        ...(config.schema !== undefined && { schema: config.schema }),
        ...(config.keepSamples !== undefined && { keepSamples: config.keepSamples }),
        ...(logger && { logger }),
      });
    }
  }
}

/** The separate fields (as the Mattermost tracker's PG_* variables give them) as one connection string. */
export function postgresUrl(config: Extract<StoreConfig, { type: 'postgres' }>): string {
  if (config.connectionString !== undefined) return config.connectionString;
  const credentials =
    config.user === undefined
      ? ''
      : `${encodeURIComponent(config.user)}${config.password === undefined ? '' : `:${encodeURIComponent(config.password)}`}@`;
  const database = config.database === undefined ? '' : `/${encodeURIComponent(config.database)}`;
  const ssl = config.ssl ? '?sslmode=require' : '';
  return `postgres://${credentials}${config.host ?? 'localhost'}:${config.port ?? 5432}${database}${ssl}`;
}

export interface ProviderContext {
  logger?: Logger;
  clock?: Clock;
}

export async function makeProvider(
  config: ProviderConfig,
  context: ProviderContext = {},
): Promise<PresenceProvider> {
  const common = {
    ...(context.logger && { logger: context.logger }),
    ...(context.clock && { clock: context.clock }),
  };
  switch (config.type) {
    case 'simulated':
      return simulatedProvider({
        ...config.options,
        ...(config.users !== undefined && { users: config.users }),
        ...(config.seed !== undefined && { seed: config.seed }),
        ...(config.timeZone !== undefined && { timeZone: config.timeZone }),
        ...(context.clock && { clock: context.clock }),
      });
    case 'mattermost': {
      const { mattermostProvider } = await import('@presence-tracker/provider-mattermost');
      const auth =
        config.token !== undefined
          ? { url: config.url, token: config.token }
          : { url: config.url, loginId: config.loginId ?? '', password: config.password ?? '' };
      return mattermostProvider(auth, {
        ...config.options,
        ...(config.teams && { teams: config.teams }),
        ...(config.channels && { channels: config.channels }),
        ...(config.requestsPerSecond !== undefined && { requestsPerSecond: config.requestsPerSecond }),
        ...common,
      });
    }
    case 'graph': {
      const { graphProvider } = await import('@presence-tracker/provider-graph');
      return graphProvider({
        ...config.options,
        auth: graphAuth(config),
        ...(config.baseUrl !== undefined && { baseUrl: config.baseUrl }),
        ...common,
      });
    }
  }
}

type GraphConfig = Extract<ProviderConfig, { type: 'graph' }>;

const MICROSOFT_AUTHORITIES = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/**
 * The sign-in the configuration asks for: a client secret or certificate means app-only access;
 * otherwise a person signs in with a device code. An `authority` such as
 * `https://login.microsoftonline.com/common` (the params.json field) is a host and a tenant.
 */
export function graphAuth(config: GraphConfig) {
  const authority = config.authority === undefined ? undefined : new URL(config.authority);
  const authorityTenant = authority?.pathname.split('/').find(Boolean);
  const tenantId = config.tenantId ?? authorityTenant;
  // Microsoft's list of sign-in hosts knows only its own, so checking any other host cannot succeed.
  const foreign = authority !== undefined && !MICROSOFT_AUTHORITIES.has(authority.hostname);
  const host = {
    ...(authority && { authorityHost: authority.origin }),
    ...((config.disableInstanceDiscovery || foreign) && { disableInstanceDiscovery: true }),
  };
  if (config.clientSecret !== undefined) {
    return {
      mode: 'clientSecret' as const,
      tenantId: tenantId ?? '',
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      ...host,
    };
  }
  if (config.certificatePath !== undefined) {
    return {
      mode: 'clientCertificate' as const,
      tenantId: tenantId ?? '',
      clientId: config.clientId,
      certificatePath: config.certificatePath,
      ...host,
    };
  }
  return {
    mode: 'deviceCode' as const,
    clientId: config.clientId,
    ...(tenantId !== undefined && { tenantId }),
    ...(config.loginHint !== undefined && { loginHint: config.loginHint }),
    ...(config.tokenCacheDir !== undefined && { tokenCacheDir: config.tokenCacheDir }),
    ...host,
  };
}

export function makeNotifiers(config: PresenceTrackerConfig): Notifier[] {
  return config.notifiers.map((n) =>
    webhookNotifier({
      ...n.options,
      name: n.name,
      url: n.url,
      timeZone: config.report.timeZone,
      ...(n.secret !== undefined && { secret: n.secret }),
      ...(n.format !== undefined && { format: n.format }),
      ...(n.events !== undefined && { events: n.events }),
      ...(n.timeout !== undefined && { timeout: n.timeout }),
    }),
  );
}

/** Leases in the Postgres store, so several `track` processes share the users. */
export async function makeCoordination(
  config: NonNullable<PresenceTrackerConfig['coordination']>,
  store: PresenceStore,
  logger?: Logger,
): Promise<PostgresCoordination> {
  const { postgresCoordination } = await import('@presence-tracker/store-postgres');
  return postgresCoordination({
    // The config check allows coordination only with a postgres store, which openStore made.
    store: store as PostgresStore,
    ...(config.shards !== undefined && { shards: config.shards }),
    ...(config.leaseTtl !== undefined && { leaseTtl: config.leaseTtl }),
    ...(logger && { logger }),
  });
}
