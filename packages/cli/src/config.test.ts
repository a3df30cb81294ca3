import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  loadConfig as coreLoadConfig,
  type LoadConfigOptions,
  type PluginConfig,
} from '@presence-tracker/core';
import { redactConfig } from '@presence-tracker/core/config';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PLUGINS, DEFAULT_STORE } from './plugins.ts';
import { configFromEnvironment } from './translators/environment.ts';
import { paramsJson } from './translators/params-json.ts';

/*
 * The configuration as the command reads it: core's loadConfig with the command's built-in plugins,
 * its default store and the params.json translator.
 */
const loadConfig = (source: string | object, options: LoadConfigOptions = {}): Promise<PluginConfig> =>
  coreLoadConfig(source, {
    translators: [paramsJson],
    defaultStore: DEFAULT_STORE,
    ...options,
    plugins: BUILTIN_PLUGINS,
  });

/** Where the configured SQLite store keeps its file, as its plugin resolves it. */
const storeFile = (config: PluginConfig) =>
  config.plugins.store.describe({ baseDir: config.baseDir }).replace(/^sqlite /, '');

const SECRET = 'sup3r-s3cret-valu3';

async function refused(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the configuration to be refused');
    },
    (e: unknown) => e,
  );
  expect(ConfigError.isInstance(error)).toBe(true);
  return error as ConfigError;
}

const byPath = (error: ConfigError) => Object.fromEntries(error.issues.map((i) => [i.path, i.message]));

describe('loadConfig: the native shape', () => {
  it('fills defaults and resolves paths against the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pt-config-'));
    const file = join(dir, 'presence-tracker.json');
    await writeFile(
      file,
      JSON.stringify({
        provider: { type: 'mattermost', url: 'https://chat.example.com', token: 'abc' },
        users: ['ada', '++ben', { key: 'chloe', displayName: 'Chloé' }],
        schedule: {
          timeZone: 'Europe/Berlin',
          windows: [{ days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' }],
        },
        notifiers: [{ type: 'webhook', url: 'https://hooks.example.com/x' }],
      }),
    );
    const config = await loadConfig(file);
    expect(config.format).toBe('native');
    expect(config.file).toBe(file);
    expect(config.store).toEqual({ type: 'sqlite' });
    expect(storeFile(config)).toBe(join(dir, 'presence-tracker.db'));
    expect(config.users).toEqual([
      { key: 'ada', severity: 0 },
      { key: 'ben', severity: 2 },
      { key: 'chloe', severity: 0, displayName: 'Chloé' },
    ]);
    expect(config.pollInterval).toBe(60_000);
    expect(config.notifiers).toEqual([
      { type: 'webhook', name: 'webhook-1', url: 'https://hooks.example.com/x' },
    ]);
    expect(config.report).toEqual({ days: 7, timeZone: 'Europe/Berlin', outDir: join(dir, 'reports') });
  });

  it('accepts an object, with relative paths from baseDir', async () => {
    const config = await loadConfig(
      {
        provider: { type: 'simulated', users: 5 },
        store: { type: 'sqlite', path: 'data/x.db' },
        users: 'discover',
        pollInterval: 1000,
      },
      { baseDir: '/srv/tracker', timeZone: 'America/New_York' },
    );
    expect(config.store).toEqual({ type: 'sqlite', path: 'data/x.db' });
    expect(storeFile(config)).toBe('/srv/tracker/data/x.db');
    expect(config.users).toBe('discover');
    expect(config.report.timeZone).toBe('America/New_York');
  });

  it('lists every problem, each with its field, what was expected and the type received', async () => {
    const error = await refused(
      loadConfig({
        provider: { type: 'teams' },
        store: { type: 'postgres', port: 'five' },
        users: [],
        pollInterval: -5,
        schedule: { windows: [{ days: [8], start: '9am', end: '17:00' }] },
        notifiers: [{ type: 'webhook', url: 'not a url', format: 'fax' }],
        extra: true,
      }),
    );
    const issues = byPath(error);
    expect(issues['provider.type']).toMatch(
      /^expected a provider: one of "simulated", "combine", "graph", "mattermost", "slack", "zoom", "google-calendar", or a module path such as \.\/plugins\/acme\.mjs or an installed package \('teams' is a notifier, not a provider\)$/,
    );
    expect(issues['store.port']).toMatch(/expected a number, received a string/);
    expect(issues.users).toMatch(/at least one user.*received an empty list/);
    expect(issues.pollInterval).toMatch(/pollInterval > 0.*received a whole number/);
    expect(issues['schedule.windows.0.days.0']).toMatch(/from 1 to 7, received a whole number above 7/);
    expect(issues['schedule.windows.0.start']).toMatch(/HH:mm.*received a string/);
    expect(issues['notifiers.0.url']).toMatch(/expected a URL/);
    expect(issues['notifiers.0.format']).toMatch(
      /"standard" or "gotify" \(a chat tool's messages come from its plugin/,
    );
    expect(issues.extra).toMatch(/no field of this name.*received a boolean/);
    expect(error.message).toContain('provider.type');
    expect(error.issues.every((i) => typeof i.received === 'string')).toBe(true);
  });

  it("takes a chat tool's notifier by its own type, with the webhook notifier's options", async () => {
    const config = await loadConfig({
      provider: { type: 'simulated' },
      users: ['ada'],
      notifiers: [
        { type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/x', events: ['unavailable.long'] },
        { type: 'mattermost', url: 'https://chat.example.com/hooks/abc' },
        { type: 'teams', name: 'teams-channel', url: 'https://example.webhook.office.com/webhookb2/x' },
      ],
    });
    const context = {
      baseDir: config.baseDir,
      env: {},
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      clock: { now: () => new Date() },
    };
    const notifiers = await Promise.all(config.plugins.notifiers.map((n) => n.create(context)));
    expect(notifiers.map((n) => [n.name, n.events, n.durable])).toEqual([
      ['slack-1', ['unavailable.long'], true],
      ['mattermost-2', undefined, true],
      ['teams-channel', undefined, true],
    ]);
    expect(config.plugins.notifiers.map((n) => n.describe({ baseDir: config.baseDir }))).toEqual([
      'slack hooks.slack.com',
      'mattermost chat.example.com',
      'teams example.webhook.office.com',
    ]);

    const error = await refused(
      loadConfig({
        provider: { type: 'simulated' },
        users: ['ada'],
        notifiers: [{ type: 'slack', url: 'https://hooks.slack.com/x', format: 'gotify' }],
      }),
    );
    expect(byPath(error)['notifiers.0.format']).toMatch(/no field of this name/);
  });

  it('checks fields that go together', async () => {
    const error = await refused(
      loadConfig({
        provider: { type: 'graph', clientId: 'c', clientSecret: SECRET },
        store: { type: 'postgres' },
        users: ['a@example.com'],
        notifiers: [
          { type: 'webhook', name: 'x', url: 'https://a.example.com' },
          { type: 'webhook', name: 'x', url: 'https://b.example.com' },
        ],
      }),
    );
    expect(Object.keys(byPath(error)).sort()).toEqual([
      'notifiers.1.name',
      'provider.tenantId',
      'store.connectionString',
    ]);
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses a file that is not JSON, telling where without quoting it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pt-config-'));
    const file = join(dir, 'c.json');
    await writeFile(
      file,
      `{\n  "provider": { "type": "graph", "clientSecret": "${SECRET}" \n  "users": []\n}`,
    );
    const error = await refused(loadConfig(file));
    expect(error.message).toMatch(/line 3/);
    expect(error.message).not.toContain(SECRET);
    const missing = await refused(loadConfig(join(dir, 'nope.json')));
    expect(missing.message).toMatch(/no such file/);
  });
});

describe('loadConfig: secrets from the environment', () => {
  it('replaces { env } references with the variables', async () => {
    const config = await loadConfig(
      {
        provider: {
          type: 'graph',
          tenantId: 't',
          clientId: 'c',
          clientSecret: { env: 'GRAPH_CLIENT_SECRET' },
        },
        store: { type: 'postgres', connectionString: { env: 'DATABASE_URL' } },
        users: ['a@example.com'],
      },
      { env: { GRAPH_CLIENT_SECRET: SECRET, DATABASE_URL: 'postgres://u:p@db/x' } },
    );
    expect(config.provider).toMatchObject({ type: 'graph', clientSecret: SECRET });
    expect(config.store).toMatchObject({ connectionString: 'postgres://u:p@db/x' });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain('u:p@');
  });

  it('names an unset variable once, at its field', async () => {
    const error = await refused(
      loadConfig(
        {
          provider: { type: 'mattermost', url: 'https://m.example.com', token: { env: 'MM_TOKEN' } },
          users: 'discover',
        },
        { env: {} },
      ),
    );
    expect(error.issues).toEqual([
      {
        path: 'provider.token',
        message: 'expected the environment variable MM_TOKEN to be set, received nothing',
        received: 'nothing',
      },
    ]);
  });

  it('never echoes a secret placed where it does not belong', async () => {
    const error = await refused(
      loadConfig(
        {
          provider: { type: 'mattermost', url: SECRET, token: 42, password: [SECRET] },
          store: { type: 'postgres', connectionString: 7, password: { env: 'PGPASS' } },
          users: [`${SECRET.repeat(2)} x`],
          notifiers: [{ type: 'webhook', url: 'https://x.example.com', secret: 12 }],
          [SECRET]: SECRET,
        },
        { env: { PGPASS: 'pw' } },
      ),
    );
    expect(error.issues.length).toBeGreaterThanOrEqual(6);
    // A misplaced key is named: it is the field's name, not its value.
    expect(error.message.split(SECRET).length - 1).toBe(1);
    expect(error.issues.map((i) => i.message).join('\n')).not.toContain(SECRET);
  });
});

describe("loadConfig: the Python tracker's params.json", () => {
  const params = {
    notify_url: 'https://notify.example.com/hook',
    azure_client_id: '11111111-2222-3333-4444-555555555555',
    authority: 'https://login.microsoftonline.com/common',
    login_username: 'boss@example.com',
    start_hour: 8,
    end_hour: 17,
    ping_seconds: 30,
    tracked_user_emails: ['ada@example.com', '+ben@example.com', '++chloe@example.com', '+++dev@example.com'],
    report_days: 14,
    gotify_url: 'https://gotify.example.com/',
    gotify_app_tokens: ['tok1', 'tok2'],
  };

  it('maps every field onto the native shape', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pt-params-'));
    const file = join(dir, 'params.json');
    await writeFile(file, JSON.stringify(params));
    const config = await loadConfig(file, { timeZone: 'Europe/Vienna' });
    expect(config.format).toBe('params.json');
    expect(config.provider).toEqual({
      type: 'graph',
      clientId: params.azure_client_id,
      authority: params.authority,
      loginHint: 'boss@example.com',
    });
    expect(config.store).toEqual({ type: 'sqlite', path: 'presence_tracker.db' });
    expect(storeFile(config)).toBe(join(dir, 'presence_tracker.db'));
    expect(config.users).toEqual([
      { key: 'ada@example.com', severity: 0 },
      { key: 'ben@example.com', severity: 1 },
      { key: 'chloe@example.com', severity: 2 },
      { key: 'dev@example.com', severity: 3 },
    ]);
    expect(config.schedule).toEqual({
      timeZone: 'Europe/Vienna',
      windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '17:00' }],
    });
    expect(config.pollInterval).toBe(30_000);
    expect(config.notifiers).toEqual([
      { type: 'webhook', name: 'notify_url', url: 'https://notify.example.com/hook' },
      {
        type: 'webhook',
        name: 'gotify-1',
        url: 'https://gotify.example.com/message?token=tok1',
        format: 'gotify',
      },
      {
        type: 'webhook',
        name: 'gotify-2',
        url: 'https://gotify.example.com/message?token=tok2',
        format: 'gotify',
      },
    ]);
    expect(config.report).toEqual({ days: 14, timeZone: 'Europe/Vienna', outDir: join(dir, 'reports') });
  });

  it('takes time_zone from the file, 24 as midnight, and no hours as always', async () => {
    const late = await loadConfig({ ...params, start_hour: 20, end_hour: 24, time_zone: 'Asia/Tokyo' });
    expect(late.schedule).toEqual({
      timeZone: 'Asia/Tokyo',
      windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: '20:00', end: '24:00' }],
    });
    const { start_hour: _s, end_hour: _e, ping_seconds: _p, ...always } = params;
    const config = await loadConfig(always);
    expect(config.schedule).toBeUndefined();
    expect(config.pollInterval).toBe(60_000);
  });

  it('lists every problem under its params.json name', async () => {
    const error = await refused(
      loadConfig({
        azure_client_id: 12,
        start_hour: 25,
        end_hour: '17',
        ping_seconds: 0,
        tracked_user_emails: ['ok@example.com', '++++too@example.com', 5],
        report_days: 1.5,
        gotify_url: 'https://gotify.example.com',
      }),
    );
    const issues = byPath(error);
    expect(Object.keys(issues).sort()).toEqual([
      'azure_client_id',
      'end_hour',
      'gotify_app_tokens',
      'ping_seconds',
      'report_days',
      'start_hour',
      'tracked_user_emails.1',
      'tracked_user_emails.2',
    ]);
    expect(issues.azure_client_id).toMatch(/client id.*received a whole number/);
    expect(issues.start_hour).toMatch(/hour, a whole number 0 to 23, received a whole number/);
    expect(issues.end_hour).toMatch(/received a string/);
    expect(issues['tracked_user_emails.1']).toMatch(/'\+' to '\+\+\+', received a string/);
    expect(issues.report_days).toMatch(/received a fractional number/);
    expect(error.message).not.toContain('too@example.com');
  });
});

describe('configFromEnvironment: the Mattermost tracker', () => {
  it('maps MM_* and PG_* onto Mattermost and Postgres', async () => {
    const config = await configFromEnvironment({
      MM_URL: 'https://mm.example.com',
      MM_USER: 'watcher',
      MM_PASSWORD: SECRET,
      PG_HOST: 'db',
      PG_PORT: '5433',
      PG_USER: 'tracker',
      PG_PASSWORD: 'pw',
      PG_DB: 'presence',
      API_DELAY: '0.5',
    });
    expect(config.format).toBe('environment');
    expect(config.provider).toEqual({
      type: 'mattermost',
      url: 'https://mm.example.com',
      loginId: 'watcher',
      password: SECRET,
      requestsPerSecond: 2,
    });
    expect(config.store).toEqual({
      type: 'postgres',
      host: 'db',
      port: 5433,
      user: 'tracker',
      password: 'pw',
      database: 'presence',
    });
    expect(config.users).toBe('discover');
  });

  it('uses a SQLite file without PG_*, and names what is missing or wrong', async () => {
    const config = await configFromEnvironment(
      { MM_URL: 'https://mm.example.com', MM_TOKEN: 't' },
      { baseDir: '/data' },
    );
    expect(config.store).toEqual({ type: 'sqlite', path: '/data/presence-tracker.db' });
    const error = await refused(
      configFromEnvironment({ MM_PASSWORD: SECRET, PG_PORT: 'abc', API_DELAY: 'x' }),
    );
    const issues = byPath(error);
    expect(Object.keys(issues).sort()).toEqual(['API_DELAY', 'MM_URL', 'MM_USER', 'PG_PORT']);
    expect(error.message).not.toContain(SECRET);
  });
});

describe('the edges a new user hits', () => {
  it("accepts the Python tracker's own sample params.json, saying which defaults it took", async () => {
    // As the Python tracker's sample has it: no start_hour, no ping_seconds, no report_days.
    const config = await loadConfig(
      {
        azure_client_id: '11111111-2222-3333-4444-555555555555',
        login_username: 'boss@example.com',
        end_hour: 17,
        tracked_user_emails: ['ada@example.com', '+ben@example.com'],
        notify_url: 'https://notify.example.com/hook',
      },
      { timeZone: 'Europe/Vienna' },
    );
    expect(config.schedule).toEqual({
      timeZone: 'Europe/Vienna',
      windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '17:00' }],
    });
    expect(config.pollInterval).toBe(60_000);
    expect(config.report.days).toBe(7);
    expect(config.notices).toEqual([
      'start_hour not set: took 0 (from midnight)',
      'ping_seconds not set: took 60 (a poll a minute)',
      'report_days not set: took 7 (reports cover a week)',
    ]);
  });

  it('says "did you mean" for a misspelt field, in params.json and in the native shape', async () => {
    const params = await refused(
      loadConfig({ azure_client_id: 'app', tracked_user_email: ['ada@example.com'], ping_secs: 5 }),
    );
    expect(byPath(params)).toMatchObject({
      tracked_user_email:
        'expected no field of this name (did you mean tracked_user_emails?), received a list',
      ping_secs: 'expected no field of this name (did you mean ping_seconds?), received a whole number',
    });
    const native = await refused(
      loadConfig({ provider: { type: 'simulated' }, users: 'discover', pollIntervall: 1000 }),
    );
    expect(byPath(native)).toEqual({
      pollIntervall: 'expected no field of this name (did you mean pollInterval?), received a whole number',
    });
  });

  it('refuses a server URL that is not http(s) and a connection string that is not a URL, at the check', async () => {
    const env = await refused(
      configFromEnvironment({ MM_URL: 'ftp://x', MM_TOKEN: 't' }, { plugins: BUILTIN_PLUGINS }),
    );
    expect(byPath(env)).toEqual({
      MM_URL: 'expected an http or https address such as https://chat.example.com, received a string',
    });
    const file = await refused(
      loadConfig({
        provider: { type: 'simulated' },
        store: { type: 'postgres', connectionString: 'not-a-url' },
        users: 'discover',
      }),
    );
    expect(byPath(file)['store.connectionString']).toMatch(/^expected a postgres:\/\/ URL/);
  });

  it('lists every problem of the environment at once, the adapters’ own checks included', async () => {
    const error = await refused(
      configFromEnvironment(
        { MM_URL: 'not a url', MM_TOKEN: 't', PG_HOST: 'db', PG_PORT: 'abc' },
        { plugins: BUILTIN_PLUGINS },
      ),
    );
    expect(Object.keys(byPath(error)).sort()).toEqual(['MM_URL', 'PG_PORT']);
  });
});
