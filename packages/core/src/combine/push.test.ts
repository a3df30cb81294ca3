import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import type { PresenceSample } from '../model.ts';
import type { PresenceProvider } from '../provider/index.ts';
import { combineProviders } from './combine.ts';

const clock = manualClock('2026-03-02T09:00:00Z');

/** A platform that pushes over HTTP: a request to its path delivers the status in its body. */
function pushing(name: string, url: string): PresenceProvider {
  let deliver: ((s: PresenceSample[]) => void) | undefined;
  return {
    name,
    resolveUsers: async (keys) => ({
      resolved: keys.map((key) => ({ key, id: `${name}-${key}` })),
      unresolved: [],
    }),
    getPresence: async () => [],
    subscribe: async (_ids, onSamples) => {
      deliver = onSamples;
      return { close: async () => {} };
    },
    push: {
      urls: [url],
      async handle(request) {
        const { user, status } = (await request.json()) as { user: string; status: 'busy' };
        deliver?.([{ userId: `${name}-${user}`, status, observedAt: clock.now(), source: 'push' }]);
        return new Response(name, { status: 202 });
      },
      handshake: async (u) => ({ ok: true, detail: `${name} answered at ${u}` }),
    },
  };
}

describe('pushes through combineProviders', () => {
  it('hands each request to the platform whose address has its path, and merges what it pushes', async () => {
    const combined = combineProviders({
      providers: {
        teams: pushing('teams', 'https://hooks.example.com/push/teams'),
        zoom: pushing('zoom', 'https://hooks.example.com/push/zoom/'),
      },
      clock,
    });
    expect(combined.push!.urls).toEqual([
      'https://hooks.example.com/push/teams',
      'https://hooks.example.com/push/zoom/',
    ]);
    await combined.resolveUsers(['ada']);
    const pushed: PresenceSample[] = [];
    await combined.subscribe!(['ada'], (s) => pushed.push(...s));
    const post = (path: string) =>
      combined.push!.handle(
        new Request(`http://127.0.0.1:8080${path}`, {
          method: 'POST',
          body: JSON.stringify({ user: 'ada', status: 'busy' }),
        }),
      );
    expect(await (await post('/push/zoom')).text()).toBe('zoom');
    expect((await post('/push/elsewhere')).status).toBe(404);
    expect(
      pushed.map((s) => [s.userId, s.status, s.source, Object.keys(s.raw!.platforms as object)]),
    ).toEqual([['ada', 'busy', 'push', ['zoom']]]);
    expect(await combined.push!.handshake('https://hooks.example.com/push/teams')).toEqual({
      ok: true,
      detail: 'teams answered at https://hooks.example.com/push/teams',
    });
  });

  it('passes the one pushing platform’s endpoint through as it is', () => {
    const teams = pushing('teams', 'https://hooks.example.com/teams');
    const combined = combineProviders({
      providers: { teams, chat: { ...pushing('chat', 'x'), push: undefined } },
      clock,
    });
    expect(combined.push).toBe(teams.push);
  });
});
