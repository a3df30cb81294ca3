import type { PresenceStore } from '@presence-tracker/core';
import type { Context } from 'hono';

/**
 * `/healthz`: one cheap read (the open runs, no people), 200 when the store answers, 503 when it
 * does not; the last poll is the newest open run's heartbeat, whichever process writes it.
 */
export async function health(c: Context, store: PresenceStore) {
  try {
    const open = await store.openState({ userIds: [] });
    const last = open.runs
      .map((r) => r.lastPollAt)
      .filter((at): at is Date => at !== null)
      .reduce<Date | null>((a, b) => (a === null || b > a ? b : a), null);
    return c.json({
      status: 'ok',
      store: { name: store.name, reachable: true },
      lastPollAt: last === null ? null : last.toISOString(),
    });
  } catch (error) {
    return c.json(
      {
        status: 'unavailable',
        store: {
          name: store.name,
          reachable: false,
          error: (error as { code?: string }).code ?? 'the store did not answer',
        },
        lastPollAt: null,
      },
      503,
    );
  }
}
