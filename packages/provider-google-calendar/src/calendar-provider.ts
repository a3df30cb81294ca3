import type { calendar_v3 } from '@googleapis/calendar';
import {
  type PresenceProvider,
  type PresenceSample,
  ProviderError,
  type ReadOptions,
  type ResolvedUser,
  type ResolveResult,
} from '@presence-tracker/core';
import { CalendarClient, FREEBUSY_BATCH } from './client.ts';
import { PROVIDER } from './errors.ts';
import { type GoogleCalendarProviderOptions, resolveOptions } from './options.ts';
import { OutOfOfficeCache } from './out-of-office.ts';
import { type Block, readCalendar } from './status.ts';

export type GoogleCalendarProvider = PresenceProvider & {
  /** The client's per-minute request budget, shared by every request (for tests and benchmarks). */
  readonly budget: CalendarClient['budget'];
  close(): Promise<void>;
};

type FreeBusyCalendar = calendar_v3.Schema$FreeBusyCalendar;
type FreeBusyGroup = calendar_v3.Schema$FreeBusyGroup;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const toBlocks = (periods: Array<{ start?: string | null; end?: string | null }> | undefined): Block[] =>
  (periods ?? []).map((p) => ({ start: Date.parse(p.start ?? ''), end: Date.parse(p.end ?? '') }));

const eventBlock = (e: calendar_v3.Schema$Event): Block => ({
  start: Date.parse(e.start?.dateTime ?? e.start?.date ?? ''),
  end: Date.parse(e.end?.dateTime ?? e.end?.date ?? ''),
});

/** A person's primary calendar id is their e-mail address, compared without regard to case. */
const calendarId = (key: string) => key.trim().toLowerCase();
const looksLikeEmail = (key: string) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(key.trim());

/** Reasons a calendar answers with, as people read them. */
const REASON_WORDS: Record<string, string> = {
  notFound: 'no calendar with this id is visible to the account (not in the domain, or not shared)',
  groupTooBig: 'this is a group too large for free/busy to expand, not a person',
};

/**
 * Busy, free and out of office from Google Calendar, for people named by their e-mail address (their
 * primary calendar's id). One `freebusy.query` reads up to 50 calendars over `[now, now + lookAhead]`;
 * out-of-office events are read per person with `events.list` at most once per `outOfOfficeEvery`.
 * Each sample says how long it holds (`validUntil`): until the current block ends or the next begins.
 */
export function googleCalendarProvider(options: GoogleCalendarProviderOptions): GoogleCalendarProvider {
  const o = resolveOptions(options);
  const client = new CalendarClient(o);
  const cache = new OutOfOfficeCache(o.outOfOfficeEvery);
  /** People whose out-of-office events were refused, so the refusal is logged once. */
  const refused = new Set<string>();

  /** Free/busy of every id, 50 a request; a failed request fails the whole read. */
  const freeBusy = async (ids: string[], from: Date, to: Date, signal?: AbortSignal) => {
    const calendars = new Map<string, FreeBusyCalendar>();
    const groups = new Map<string, FreeBusyGroup>();
    await Promise.all(
      chunks(ids, FREEBUSY_BATCH).map(async (batch) => {
        const answer = await client.freeBusy(batch, from, to, signal);
        for (const [id, c] of Object.entries(answer.calendars ?? {})) calendars.set(id.toLowerCase(), c);
        for (const [id, g] of Object.entries(answer.groups ?? {})) groups.set(id.toLowerCase(), g);
      }),
    );
    return { calendars, groups };
  };

  /** Reads the out-of-office events of those due; a person whose events cannot be read has none. */
  const refreshOutOfOffice = async (ids: string[], now: number, until: number, signal?: AbortSignal) => {
    const due = cache.due(ids, now, until);
    await Promise.all(
      due.map(async (id) => {
        try {
          const events = await client.outOfOffice(id, new Date(now), new Date(until), signal);
          cache.set(id, now, until, events.filter((e) => e.status !== 'cancelled').map(eventBlock));
          refused.delete(id);
        } catch (error) {
          const status = ProviderError.isInstance(error) ? error.status : undefined;
          const refusedAccess = ProviderError.isInstance(error) && error.code === 'PROVIDER_FAILED';
          if (refusedAccess && (status === 403 || status === 404)) {
            // No access to this person's events: free/busy alone speaks for them until the next read.
            cache.set(id, now, until, []);
            if (!refused.has(id))
              o.logger?.warn(
                { provider: PROVIDER, calendar: id, status },
                'google-calendar: out-of-office events cannot be read for this person; free/busy alone is used',
              );
            refused.add(id);
            return;
          }
          throw error;
        }
      }),
    );
  };

  return {
    name: PROVIDER,
    budget: client.budget,

    async resolveUsers(keys: string[]): Promise<ResolveResult> {
      const resolved: ResolvedUser[] = [];
      const unresolved: ResolveResult['unresolved'] = [];
      const candidates = keys.filter((key) => {
        if (looksLikeEmail(key)) return true;
        unresolved.push({ key, reason: "expected an e-mail address (the person's primary calendar id)" });
        return false;
      });
      if (candidates.length === 0) return { resolved, unresolved };
      const ids = [...new Set(candidates.map(calendarId))];
      const now = o.clock.now();
      const { calendars, groups } = await freeBusy(ids, now, new Date(now.getTime() + 60_000));
      for (const key of candidates) {
        const id = calendarId(key);
        const group = groups.get(id);
        const reasons = (group?.errors ?? calendars.get(id)?.errors ?? []).map((e) => e.reason ?? 'error');
        if (group)
          unresolved.push({ key, reason: REASON_WORDS[reasons[0] ?? ''] ?? 'this is a group, not a person' });
        else if (!calendars.has(id))
          unresolved.push({ key, reason: 'free/busy did not answer for this calendar' });
        else if (reasons.includes('notFound')) unresolved.push({ key, reason: REASON_WORDS.notFound! });
        else resolved.push({ key, id, email: id });
      }
      return { resolved, unresolved };
    },

    async getPresence(userIds: string[], options?: ReadOptions): Promise<PresenceSample[]> {
      const ids = [...new Set(userIds)];
      if (ids.length === 0) return [];
      const observedAt = o.clock.now();
      const now = observedAt.getTime();
      const horizon = now + o.lookAhead;
      const [{ calendars, groups }] = await Promise.all([
        freeBusy(ids, observedAt, new Date(horizon), options?.signal),
        o.outOfOffice ? refreshOutOfOffice(ids, now, horizon, options?.signal) : undefined,
      ]);
      return ids.map((userId): PresenceSample => {
        const c = calendars.get(userId);
        const errors = c?.errors ?? groups.get(userId)?.errors ?? (c ? [] : [{ reason: 'missing' }]);
        if (errors.length > 0)
          return {
            userId,
            status: 'unknown',
            observedAt,
            source: 'poll',
            raw: { errors: errors.map((e) => e.reason ?? 'error') },
          };
        const away = o.outOfOffice ? cache.get(userId) : undefined;
        const reading = readCalendar(
          now,
          toBlocks(c?.busy),
          away?.blocks ?? [],
          Math.min(horizon, away?.coversUntil ?? horizon),
        );
        return {
          userId,
          status: reading.status,
          observedAt,
          source: 'poll',
          validUntil: new Date(reading.validUntil),
          raw: {
            freeBusy: reading.status === 'available' ? 'free' : 'busy',
            ...(reading.reason ? { reason: reading.reason } : {}),
          },
        };
      });
    },

    async close() {
      client.close();
      cache.clear();
      refused.clear();
    },
  };
}
