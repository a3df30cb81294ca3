import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { corePlugins } from '../plugin/builtins.ts';
import { type ConfigTranslator, loadConfig, redactConfig } from './index.ts';

/* Core's own configuration: generic plugin blocks, checked with core's built-in plugins. */

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

describe('loadConfig: plugin blocks', () => {
  it('keeps each block as written, names notifiers, and defaults the store to memory', async () => {
    const config = await loadConfig(
      {
        provider: { type: 'simulated', users: 3 },
        users: 'discover',
        notifiers: [
          { type: 'webhook', url: 'https://a.example.com' },
          { type: './hooks/custom.mjs', any: 'option' },
        ],
      },
      { baseDir: '/srv/t', timeZone: 'Europe/Berlin' },
    );
    expect(config.provider).toEqual({ type: 'simulated', users: 3 });
    expect(config.store).toEqual({ type: 'memory' });
    expect(config.notifiers.map((n) => n.name)).toEqual(['webhook-1', 'notifier-2']);
    expect(config.notices).toEqual([]);
    expect(config.report).toEqual({ days: 7, timeZone: 'Europe/Berlin', outDir: '/srv/t/reports' });
  });

  it("with plugins, checks every block's options by its plugin's schema together with core's fields", async () => {
    const error = await refused(
      loadConfig(
        {
          provider: { type: 'simulated', users: 0 },
          store: { type: 'memory', keepSamples: 'yes' },
          users: [],
          notifiers: [{ type: 'webhook', url: 'ftp://x' }],
        },
        { plugins: corePlugins },
      ),
    );
    expect(Object.keys(byPath(error)).sort()).toEqual([
      'notifiers.0.url',
      'provider.users',
      'store.keepSamples',
      'users',
    ]);
    const config = await loadConfig(
      { provider: { type: 'simulated' }, users: 'discover' },
      { plugins: corePlugins, defaultStore: { type: 'memory' } },
    );
    expect(config.plugins.provider.plugin.name).toBe('simulated');
    expect(config.plugins.store.plugin.name).toBe('memory');
  });

  it('says "did you mean" for a misspelt field and tells the range a number must be in', async () => {
    const error = await refused(
      loadConfig({
        provider: { type: 'simulated' },
        users: 'discover',
        pollIntervall: 1000,
        report: { days: 0, outdir: 'x' },
        coordination: { shards: 5000 },
      }),
    );
    expect(byPath(error)).toEqual({
      pollIntervall: 'expected no field of this name (did you mean pollInterval?), received a whole number',
      'report.outdir': 'expected no field of this name (did you mean outDir?), received a string',
      'report.days': 'expected a whole number of at least 1, received a whole number below 1',
      'coordination.shards': 'expected a whole number from 1 to 4096, received a whole number above 4096',
    });
  });
});

describe('loadConfig: maxPollInterval', () => {
  it('passes maxPollInterval to the tracker when given, and refuses one that is not a duration', async () => {
    const base = { provider: { type: 'simulated', users: 1 }, users: 'discover' };
    expect((await loadConfig(base)).maxPollInterval).toBeUndefined();
    expect((await loadConfig({ ...base, maxPollInterval: 600_000 })).maxPollInterval).toBe(600_000);
    const error = await refused(loadConfig({ ...base, maxPollInterval: -1 }));
    expect(byPath(error).maxPollInterval).toMatch(/expected maxPollInterval > 0 milliseconds/);
  });
});

describe('loadConfig: pollBatchSize', () => {
  it('passes pollBatchSize to the tracker when given, and refuses one that is not a number of people', async () => {
    const base = { provider: { type: 'simulated', users: 1 }, users: 'discover' };
    expect((await loadConfig(base)).pollBatchSize).toBeUndefined();
    expect((await loadConfig({ ...base, pollBatchSize: 5000 })).pollBatchSize).toBe(5000);
    expect(byPath(await refused(loadConfig({ ...base, pollBatchSize: 0 }))).pollBatchSize).toMatch(
      /expected pollBatchSize > 0 people/,
    );
    expect(byPath(await refused(loadConfig({ ...base, pollBatchSize: 2.5 }))).pollBatchSize).toMatch(
      /expected pollBatchSize, a whole number of people/,
    );
    expect(byPath(await refused(loadConfig({ ...base, pollBatchSize: 'all' }))).pollBatchSize).toMatch(
      /expected pollBatchSize, a number of people/,
    );
  });
});

describe('loadConfig: runSummaryPeople', () => {
  it('passes runSummaryPeople to the tracker when given, and refuses one that is not a number of people', async () => {
    const base = { provider: { type: 'simulated', users: 1 }, users: 'discover' };
    expect((await loadConfig(base)).runSummaryPeople).toBeUndefined();
    expect((await loadConfig({ ...base, runSummaryPeople: 0 })).runSummaryPeople).toBe(0);
    expect(byPath(await refused(loadConfig({ ...base, runSummaryPeople: -1 }))).runSummaryPeople).toMatch(
      /expected runSummaryPeople >= 0 people/,
    );
    expect(byPath(await refused(loadConfig({ ...base, runSummaryPeople: 'all' }))).runSummaryPeople).toMatch(
      /expected runSummaryPeople, a number of people/,
    );
  });
});

describe('loadConfig: push', () => {
  it('hosts the push endpoint on loopback under /push unless told otherwise, a trailing slash dropped', async () => {
    const config = await loadConfig({
      provider: { type: 'simulated' },
      users: 'discover',
      push: { listen: { port: 8443 } },
    });
    expect(config.push).toEqual({ listen: { host: '127.0.0.1', port: 8443, path: '/push' } });
    const custom = await loadConfig({
      provider: { type: 'simulated' },
      users: 'discover',
      push: { listen: { host: '0.0.0.0', port: 0, path: '/hooks/presence/' } },
    });
    expect(custom.push?.listen).toEqual({ host: '0.0.0.0', port: 0, path: '/hooks/presence' });
  });

  it('names the field of a bad port or path', async () => {
    const error = await refused(
      loadConfig({
        provider: { type: 'simulated' },
        users: 'discover',
        push: { listen: { port: 70000, path: 'push' } },
      }),
    );
    expect(Object.keys(byPath(error)).sort()).toEqual(['push.listen.path', 'push.listen.port']);
    expect(byPath(error)['push.listen.path']).toContain('expected a path starting with /');
  });
});

describe('loadConfig: files', () => {
  it('says where JSON goes wrong and what was expected, without quoting the text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pt-core-config-'));
    const file = join(dir, 'c.json');
    await writeFile(
      file,
      `{\n  "provider": {\n    "type": "simulated",\n    "token": "${SECRET}"\n  "users": "discover"\n}`,
    );
    const error = await refused(loadConfig(file));
    expect(error.issues).toEqual([
      {
        path: '',
        message: "not valid JSON at line 5 column 3: expected a ',' between two fields or list items",
        received: 'text',
      },
    ]);
    expect(error.message).not.toContain(SECRET);
  });

  it('tells a folder given as the configuration apart from a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pt-core-config-'));
    const folder = await refused(loadConfig(dir));
    expect(folder.message).toBe(
      `cannot read the configuration file ${dir}: it is a folder; name a JSON file in it`,
    );
    expect(folder.message).not.toMatch(/EISDIR/);
    const missing = await refused(loadConfig(join(dir, 'nope.json')));
    expect(missing.message).toMatch(/there is no such file/);
  });
});

describe('loadConfig: translators', () => {
  const legacy: ConfigTranslator = {
    format: 'legacy',
    detect: (value) => 'legacy_url' in value,
    translate(value, { issues, notices }) {
      if (typeof value.legacy_url !== 'string')
        issues.push({ path: 'legacy_url', message: 'expected a URL' });
      notices.push('legacy_poll not set: took 60');
      return {
        config: {
          provider: { type: 'simulated', url: value.legacy_url },
          users: 'discover',
        },
        sourceNames: { 'provider.url': 'legacy_url' },
      };
    },
  };

  it('turns another shape into the native one, keeps its notices, and names problems as the source did', async () => {
    const error = await refused(
      loadConfig({ legacy_url: 'https://x.example.com' }, { translators: [legacy], plugins: corePlugins }),
    );
    // The simulated plugin has no `url` option: told under the source's own name.
    expect(Object.keys(byPath(error))).toEqual(['legacy_url']);
    const plain = await loadConfig({ legacy_url: 'x' }, { translators: [legacy] });
    expect(plain.format).toBe('legacy');
    expect(plain.notices).toEqual(['legacy_poll not set: took 60']);
  });
});

describe('loadConfig: secrets', () => {
  it('resolves { env } before the plugins see the options, and redacts secret-named fields and URL credentials', async () => {
    const config = await loadConfig(
      {
        provider: { type: 'simulated', seed: 1 },
        store: { type: './store.mjs', connectionString: { env: 'DB' }, apiKey: SECRET },
        users: 'discover',
        notifiers: [{ type: 'webhook', url: { env: 'HOOK' }, secret: { env: 'HOOK_SECRET' } }],
      },
      { env: { DB: 'db://u:p@host/x', HOOK: 'https://h.example.com/x?token=abc', HOOK_SECRET: SECRET } },
    );
    expect(config.store).toMatchObject({ connectionString: 'db://u:p@host/x', apiKey: SECRET });
    expect(config.notifiers[0]).toMatchObject({ url: 'https://h.example.com/x?token=abc', secret: SECRET });
    const shown = JSON.stringify(redactConfig(config));
    for (const hidden of [SECRET, 'u:p@', 'token=abc']) expect(shown).not.toContain(hidden);
  });

  it('names an unset variable once, at its field', async () => {
    const error = await refused(
      loadConfig(
        { provider: { type: 'simulated', timeZone: { env: 'TZ_NAME' } }, users: 'discover' },
        { env: {}, plugins: corePlugins },
      ),
    );
    expect(error.issues).toEqual([
      {
        path: 'provider.timeZone',
        message: 'expected the environment variable TZ_NAME to be set, received nothing',
        received: 'nothing',
      },
    ]);
  });
});
