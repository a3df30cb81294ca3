import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { ConfigError } from '../errors.ts';
import { silentLogger } from '../logger.ts';
import { corePlugins } from '../plugin/builtins.ts';
import { resolvePlugins } from '../plugin/resolve.ts';
import { combinePlugin } from './plugin.ts';
import { combinedRaw } from './raw.ts';

const FIXTURES = fileURLToPath(new URL('../plugin/__fixtures__/', import.meta.url));
const registry = { builtins: corePlugins, baseDir: FIXTURES };
const blocks = (provider: Record<string, unknown>) => ({
  provider: provider as { type: string },
  store: { type: 'memory' },
  notifiers: [],
});

async function issues(provider: Record<string, unknown>): Promise<Record<string, string>> {
  const error = await resolvePlugins(blocks(provider), registry).then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(ConfigError.isInstance(error)).toBe(true);
  return Object.fromEntries((error as ConfigError).issues.map((i) => [i.path, i.message]));
}

describe('the combine plugin', () => {
  it('checks each inner provider block with its own plugin, every problem by its full path', async () => {
    const found = await issues({
      type: 'combine',
      providers: {
        teams: { type: './plugins.mjs', region: 'mars' },
        chat: { type: 'teams-chat' },
        sim: { type: 'simulated', users: 0, colour: 'red' },
      },
    });
    expect(Object.keys(found).sort()).toEqual([
      'provider.providers.chat.type',
      'provider.providers.sim.colour',
      'provider.providers.sim.users',
      'provider.providers.teams.region',
    ]);
    expect(found['provider.providers.teams.region']).toBe('expected eu or us');
    expect(found['provider.providers.chat.type']).toMatch(
      /expected a provider: one of "simulated", "combine"/,
    );
  });

  it("checks its own options: providers, merge and staleAfter by the providers' names", async () => {
    const found = await issues({
      type: 'combine',
      providers: { sim: { type: 'simulated' } },
      merge: ['dnd', 'sleepy'],
      staleAfter: { chat: 60_000 },
    });
    expect(Object.keys(found).sort()).toEqual(['provider.merge.1']);
    const stale = await issues({
      type: 'combine',
      providers: { sim: { type: 'simulated' } },
      staleAfter: { chat: 60_000 },
    });
    expect(stale).toEqual({
      'provider.staleAfter.chat': 'expected one of the names in providers (sim), received a whole number',
    });
    expect(Object.keys(await issues({ type: 'combine', providers: {} }))).toEqual(['provider.providers']);
  });

  it('makes its providers through the host and merges them on the context’s clock', async () => {
    const plugins = await resolvePlugins(
      blocks({
        type: 'combine',
        providers: {
          sim: { type: 'simulated', users: ['ada@example.com'], seed: 7 },
          other: { type: './plugins.mjs', region: 'eu' },
        },
      }),
      registry,
    );
    expect(plugins.provider.describe({ baseDir: FIXTURES })).toBe(
      'combine sim (simulated), other (./plugins.mjs)',
    );
    const clock = manualClock('2026-03-03T10:00:00Z');
    const provider = await plugins.provider.create({
      baseDir: FIXTURES,
      env: {},
      logger: silentLogger,
      clock,
    });
    expect(provider.name).toBe('combine');
    const { resolved } = await provider.resolveUsers(['ada@example.com']);
    expect(resolved.map((u) => u.id)).toEqual(['ada@example.com']);
    const [sample] = await provider.getPresence(['ada@example.com']);
    expect(sample!.observedAt).toEqual(clock.now());
    expect(Object.keys(combinedRaw(sample!.raw)!.platforms)).toEqual(['sim']);
  });

  it('says what it needs when a host creates it without the means to make inner blocks', async () => {
    const clock = manualClock('2026-03-03T10:00:00Z');
    const context = { baseDir: FIXTURES, env: {}, logger: silentLogger, clock };
    await expect(
      combinePlugin.create({ providers: { sim: { type: 'simulated' } } }, context),
    ).rejects.toThrow(/need a host that creates plugins inside plugins/);
  });
});
