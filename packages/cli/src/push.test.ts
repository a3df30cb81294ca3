import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type FakeZoom, makeUsers, startFakeZoom } from '@presence-tracker/provider-zoom/testing';
import { sqliteStore } from '@presence-tracker/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Io, run } from './index.ts';

/* `track` and `doctor` hosting a pushing provider's endpoint at push.listen, against the fake Zoom. */

const SECRET = 'zoom-webhook-secret-token';
let dir: string;
let zoom: FakeZoom;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-push-'));
  zoom = await startFakeZoom({ users: makeUsers(2) });
});
afterAll(async () => {
  await zoom.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs a command in-process; `lines` are the JSON log lines so far, `stop` sends SIGTERM. */
function start(args: string[], cwd: string) {
  let stopped: (s: NodeJS.Signals) => void = () => {};
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let buffer = '';
  const stderr = new PassThrough().on('data', (d: Buffer) => {
    buffer += d;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const text = buffer.slice(0, i);
      // Log lines are JSON; a refusal before logging began is plain words.
      const line = (text.startsWith('{') ? JSON.parse(text) : { text }) as Record<string, unknown>;
      buffer = buffer.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.match(line)) w.resolve(line);
    }
  });
  let stdout = '';
  const io: Io = {
    stdout: new PassThrough().on('data', (d: Buffer) => {
      stdout += d;
    }),
    stderr: Object.assign(stderr, { isTTY: false }),
    env: { ZOOM_WEBHOOK_SECRET: SECRET },
    cwd,
    now: () => new Date(),
    signal: () => new Promise((resolve) => (stopped = resolve)),
  };
  const done = run(args, io);
  const logged = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const found = lines.find((l) => l.msg === msg);
      if (found) resolve(found);
      else waiters.push({ match: (l) => l.msg === msg, resolve });
    });
  return { done, lines, logged, stop: () => stopped('SIGTERM'), stdout: () => stdout };
}

async function configure(name: string, push: Record<string, unknown>, listen?: Record<string, unknown>) {
  const cwd = await mkdtemp(join(dir, `${name}-`));
  await writeFile(
    join(cwd, 'presence-tracker.json'),
    JSON.stringify({
      provider: {
        type: 'zoom',
        accountId: zoom.accountId,
        clientId: zoom.clientId,
        clientSecret: zoom.clientSecret,
        baseUrl: zoom.url,
        oauthUrl: zoom.oauthUrl,
        push: { secretToken: { env: 'ZOOM_WEBHOOK_SECRET' }, ...push },
      },
      users: 'discover',
      store: { type: 'sqlite', path: 'presence.db' },
      ...(listen && { push: { listen } }),
    }),
  );
  return cwd;
}

describe('push', () => {
  it('track hosts the endpoint at push.listen: a signed presence change reaches the store as a pushed sample', async () => {
    const cwd = await configure('track', {}, { port: 0, path: '/hooks/zoom' });
    const tracking = start(['track'], cwd);
    const listening = await tracking.logged('push endpoint listening');
    const url = String(listening.listening);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/zoom$/);
    await tracking.logged('tracking; stop with Ctrl-C or SIGTERM');
    zoom.webhook = { url, secretToken: SECRET };
    expect(await zoom.validateEndpoint()).toBe(true);
    const person = zoom.users[0]!;
    expect(await zoom.setPresence(person.id, 'Do_Not_Disturb')).toBe(204);
    // A forged one is refused by the endpoint, and never reaches the store.
    const forged = {
      event: 'user.presence_status_updated',
      event_ts: Date.now(),
      payload: { object: { id: zoom.users[1]!.id, presence_status: 'Offline' } },
    };
    expect(await zoom.sendEvent(forged, { secretToken: 'guessed' })).toBe(401);
    // Outside the path: nothing there.
    expect((await fetch(url.replace('/hooks/zoom', '/elsewhere'), { method: 'POST' })).status).toBe(404);
    tracking.stop();
    expect(await tracking.done).toBe(0);
    const store = sqliteStore({ path: join(cwd, 'presence.db'), readOnly: true });
    try {
      const range = { from: new Date(0), to: new Date(Date.UTC(2100, 0, 1)) };
      const samples = await store.samples!({ ...range });
      expect(samples.filter((s) => s.source === 'push').map((s) => [s.userId, s.status])).toEqual([
        [person.id, 'dnd'],
      ]);
      expect(samples.some((s) => s.userId === zoom.users[1]!.id && s.status === 'offline')).toBe(false);
    } finally {
      await store.close();
    }
    // The endpoint is gone once the command has ended.
    await expect(fetch(url, { method: 'POST' })).rejects.toThrow();
  });

  it('doctor hosts the endpoint for the check and finds the handshake answered', async () => {
    const cwd = await configure('doctor', {}, { port: 0 });
    const doctor = start(['doctor'], cwd);
    expect(await doctor.done).toBe(0);
    expect(doctor.stdout()).toMatch(
      /✔ push +http:\/\/127\.0\.0\.1:\d+\/push answers Zoom's URL validation \(doctor listened at http:\/\/127\.0\.0\.1:\d+\/push for the check\)/,
    );
  });

  it('track refuses an address for the platform that is not https, and a pushing provider without push.listen', async () => {
    const plain = await configure('plain', { url: 'http://tracker.example.com/push' }, { port: 0 });
    const refused = start(['track'], plain);
    expect(await refused.done).toBe(2);
    expect(JSON.stringify(refused.lines)).toContain('expected an https:// address (http only on loopback)');

    const cwd = await configure('unlistened', {});
    const unlistened = start(['track'], cwd);
    expect(await unlistened.done).toBe(2);
    expect(JSON.stringify(unlistened.lines)).toContain('push.listen');
  });
});
