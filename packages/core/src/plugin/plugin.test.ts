import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { sampleEvents } from '../testing/events.ts';
import { startWebhookReceiver } from '../testing/webhook-receiver.ts';
import { corePlugins, formattedWebhookPlugin, webhookPlugin } from './builtins.ts';
import { loadPlugin } from './load.ts';
import { validatePluginOptions } from './options.ts';
import { definePlugin, isPlugin } from './plugin.ts';
import { resolvePlugins } from './resolve.ts';

const FIXTURES = fileURLToPath(new URL('./__fixtures__/', import.meta.url));

async function refused(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(ConfigError.isInstance(error)).toBe(true);
  return error as ConfigError;
}

const at = { builtins: corePlugins, baseDir: FIXTURES, path: 'provider.type' };

describe('loadPlugin', () => {
  it('takes a built-in by name without importing anything', async () => {
    const plugin = await loadPlugin('provider', 'simulated', at);
    expect(plugin.name).toBe('simulated');
    expect(isPlugin(plugin)).toBe(true);
  });

  it("loads a module path from the configuration's folder and picks the plugin of the kind asked for", async () => {
    const provider = await loadPlugin('provider', './plugins.mjs', at);
    expect(provider.name).toBe('fixture');
    const notifier = await loadPlugin('notifier', './plugins.mjs', { ...at, path: 'notifiers.0.type' });
    expect(notifier.name).toBe('fixture-notifier');
  });

  it('names the field and the built-ins for an unknown name, and says a module path is accepted', async () => {
    const error = await refused(loadPlugin('provider', 'teams', at));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.path).toBe('provider.type');
    expect(error.issues[0]!.message).toMatch(
      /expected a provider: one of "simulated", "combine", or a module path/,
    );
    const kind = await refused(loadPlugin('provider', 'memory', at));
    expect(kind.issues[0]!.message).toMatch(/'memory' is a store, not a provider/);
  });

  it('refuses a module without a plugin, one of another kind, and a missing file, naming the field', async () => {
    const none = await refused(loadPlugin('store', './not-a-plugin.mjs', { ...at, path: 'store.type' }));
    expect(none.issues[0]).toMatchObject({ path: 'store.type' });
    expect(none.issues[0]!.message).toMatch(/default export is a store plugin .* this one has none/);
    const wrong = await refused(loadPlugin('store', './plugins.mjs', { ...at, path: 'store.type' }));
    expect(wrong.issues[0]!.message).toMatch(
      /expected a store plugin, but the module holds the provider plugin 'fixture'/,
    );
    const missing = await refused(loadPlugin('provider', './nowhere.mjs', at));
    expect(missing.issues[0]!.message).toMatch(/no file is found there/);
  });
});

describe('validatePluginOptions', () => {
  const acme = definePlugin({
    kind: 'provider',
    name: 'acme',
    options: z.strictObject({
      region: z.enum(['eu', 'us']),
      retries: z.number().int().min(0).max(5).default(2),
    }),
    create: () => {
      throw new Error('not needed');
    },
  });

  it('fills defaults, and words zod issues like the configuration, by path, without values', async () => {
    expect(await validatePluginOptions(acme, { region: 'eu' }, 'provider')).toEqual({
      region: 'eu',
      retries: 2,
    });
    const error = await refused(
      validatePluginOptions(acme, { region: 'mars-secret', retries: 9, regoin: 'x' }, 'provider'),
    );
    expect(Object.fromEntries(error.issues.map((i) => [i.path, i.message]))).toEqual({
      'provider.region': 'expected "eu" or "us", received a string',
      'provider.retries': 'expected a whole number from 0 to 5, received a whole number above 5',
      'provider.regoin': 'expected no field of this name (check its spelling and place), received a string',
    });
    expect(error.message).not.toContain('mars-secret');
  });

  it("keeps another validator's own messages", async () => {
    const plugin = await loadPlugin('provider', './plugins.mjs', at);
    const error = await refused(validatePluginOptions(plugin, { region: 'mars' }, 'provider'));
    expect(error.issues).toEqual([{ path: 'provider.region', message: 'expected eu or us' }]);
  });
});

describe('resolvePlugins', () => {
  it('checks every block and lists every problem at once', async () => {
    const error = await refused(
      resolvePlugins(
        {
          provider: { type: './plugins.mjs', region: 'mars' },
          store: { type: 'memory', keepSamples: 'yes' },
          notifiers: [
            { type: 'webhook', name: 'w', url: 'ftp://x' },
            { type: 'teams', name: 't' },
          ],
          coordination: {},
        },
        { builtins: corePlugins, baseDir: FIXTURES },
      ),
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual([
      'coordination',
      'notifiers.0.url',
      'notifiers.1.type',
      'provider.region',
      'store.keepSamples',
    ]);
    expect(error.issues.find((i) => i.path === 'coordination')!.message).toBe(
      "expected a store whose plugin shares users between trackers; the 'memory' store plugin does not",
    );
  });

  it('creates what the blocks describe, handing notifiers their names', async () => {
    const plugins = await resolvePlugins(
      {
        provider: { type: './plugins.mjs', region: 'us' },
        store: { type: 'memory' },
        notifiers: [{ type: './plugins.mjs', name: 'mine' }],
      },
      { builtins: corePlugins, baseDir: FIXTURES },
    );
    const context = {
      baseDir: FIXTURES,
      env: {},
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      clock: { now: () => new Date() },
    };
    expect((await plugins.provider.create(context)).name).toBe('fixture-us');
    expect((await plugins.notifiers[0]!.create(context)).name).toBe('mine');
    const store = await plugins.store.create(context);
    expect(await store.users()).toEqual([]);
    expect(plugins.store.describe(context)).toBe('memory');
  });
});

describe('formattedWebhookPlugin', () => {
  const context = () => ({
    baseDir: FIXTURES,
    env: {},
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    clock: { now: () => new Date() },
  });
  const acme = formattedWebhookPlugin({
    name: 'acme-chat',
    format: (event) => ({ says: event.type }),
  });

  it("posts in its own format with the webhook notifier's options, and takes no format", async () => {
    const options = await validatePluginOptions(
      acme,
      { url: 'http://127.0.0.1:1/hook', events: ['run.started'] },
      'notifiers.0',
    );
    expect(options).toEqual({ url: 'http://127.0.0.1:1/hook', events: ['run.started'] });
    const error = await refused(
      validatePluginOptions(acme, { url: 'http://x.example', format: 'gotify' }, 'notifiers.0'),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['notifiers.0.format']);
    expect(acme.describe!(options, { baseDir: '.' })).toBe('acme-chat 127.0.0.1:1');

    const receiver = await startWebhookReceiver();
    try {
      const notifier = await acme.create({ url: `${receiver.url}/in` }, { ...context(), name: 'team-room' });
      expect(notifier.name).toBe('team-room');
      await notifier.deliver(sampleEvents()['run.started'], {
        attempt: 1,
        signal: AbortSignal.timeout(5000),
      });
      expect(receiver.bodies()).toEqual([{ says: 'run.started' }]);
    } finally {
      await receiver.close();
    }
  });

  it("the webhook notifier's format names only core's formats, and says where a chat tool's comes from", async () => {
    const error = await refused(
      validatePluginOptions(webhookPlugin, { url: 'https://x.example', format: 'acme-chat' }, 'notifiers.0'),
    );
    expect(error.issues).toEqual([
      {
        path: 'notifiers.0.format',
        message:
          'expected "standard" or "gotify" (a chat tool\'s messages come from its plugin, as a notifier of its own type), received a string',
        received: 'a string',
      },
    ]);
  });
});
