import { TZDate } from '@date-fns/tz';
import type { Status } from '@presence-tracker/core';
import { convert } from 'html-to-text';
import { findIana } from 'windows-iana';

/** Graph's presence resource, as `getPresencesByUserId` returns it. Fields are open: Graph adds values. */
export interface GraphPresence {
  id: string;
  availability?: string | null;
  activity?: string | null;
  statusMessage?: {
    message?: { content?: string | null; contentType?: string | null } | null;
    /** Graph's `dateTimeTimeZone`: a local time without offset, and the zone it is in. */
    expiryDateTime?: { dateTime?: string | null; timeZone?: string | null } | null;
  } | null;
  outOfOfficeSettings?: { message?: string | null; isOutOfOffice?: boolean | null } | null;
  sequenceNumber?: string | null;
}

// Keys are lower case because Graph's documentation spells the same words in both cases. The
// presence page lists presenting, focusing, inACall and inAMeeting as availability values too; Teams
// shows the first two under "Do not disturb" and the last two under "Busy" (focus time "displays as
// Do not disturb in other products").
const BY_AVAILABILITY: Record<string, Status> = {
  available: 'available',
  availableidle: 'available',
  busy: 'busy',
  busyidle: 'busy',
  inacall: 'busy',
  inameeting: 'busy',
  donotdisturb: 'dnd',
  presenting: 'dnd',
  focusing: 'dnd',
  berightback: 'away',
  away: 'away',
  offline: 'offline',
  presenceunknown: 'unknown',
};

// Teams shows these activities as "do not disturb" whatever the availability says.
const DND_ACTIVITIES = new Set(['donotdisturb', 'presenting', 'focusing', 'urgentinterruptionsonly']);

// Used only when the availability is missing or a word Graph added after this table was written.
const BY_ACTIVITY: Record<string, Status> = {
  available: 'available',
  busy: 'busy',
  inacall: 'busy',
  inaconferencecall: 'busy',
  inameeting: 'busy',
  away: 'away',
  berightback: 'away',
  offline: 'offline',
  offwork: 'offline',
  outofoffice: 'offline',
  presenceunknown: 'unknown',
};

/**
 * Maps Graph's availability and activity onto a core status. Out of office does not enter into it:
 * Teams shows it beside the presence ("Available, Out of Office" while the person uses Teams), so it
 * is kept in `raw.outOfOffice` instead.
 */
export function toStatus(
  availability: string | null | undefined,
  activity: string | null | undefined,
): Status {
  const a = availability?.toLowerCase() ?? '';
  const act = activity?.toLowerCase() ?? '';
  if (DND_ACTIVITIES.has(act) && a !== 'offline' && a !== 'presenceunknown') return 'dnd';
  return BY_AVAILABILITY[a] ?? BY_ACTIVITY[act] ?? (DND_ACTIVITIES.has(act) ? 'dnd' : 'unknown');
}

/** The platform's own words kept with each sample; a status message that expired by `at` is left out. */
export function toRaw(p: GraphPresence, at: Date): Record<string, unknown> {
  const raw: Record<string, unknown> = {
    availability: p.availability ?? null,
    activity: p.activity ?? null,
  };
  const message = statusMessageText(p.statusMessage, at);
  if (message) raw.statusMessage = message;
  if (p.outOfOfficeSettings?.isOutOfOffice != null) raw.outOfOffice = p.outOfOfficeSettings.isOutOfOffice;
  if (p.sequenceNumber) raw.sequenceNumber = p.sequenceNumber;
  return raw;
}

/**
 * A status message as plain text: `html` content (an `itemBody` may be either) is turned into text,
 * and a message whose `expiryDateTime` has passed at `at` counts as none.
 */
export function statusMessageText(
  statusMessage: GraphPresence['statusMessage'],
  at: Date,
): string | undefined {
  const body = statusMessage?.message;
  if (!body?.content) return undefined;
  const expiry = expiryInstant(statusMessage?.expiryDateTime);
  if (expiry !== undefined && expiry <= at.getTime()) return undefined;
  const text =
    body.contentType?.toLowerCase() === 'html'
      ? convert(body.content, {
          wordwrap: false,
          selectors: [{ selector: 'a', options: { ignoreHref: true } }],
        })
      : body.content;
  return text.trim() || undefined;
}

/**
 * A `dateTimeTimeZone` as an instant: the local time read in its zone, an IANA name or a Windows one
 * (Graph uses both). `undefined` when it cannot be read, so that a message is never dropped on a guess.
 */
export function expiryInstant(
  value: { dateTime?: string | null; timeZone?: string | null } | null | undefined,
): number | undefined {
  const match = value?.dateTime?.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/);
  if (!match) return undefined;
  const zone = ianaZone(value?.timeZone ?? 'UTC');
  if (!zone) return undefined;
  const [y, mo, d, h, mi, sec = '0', frac = '0'] = match.slice(1) as string[];
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const instant = new TZDate(+y!, +mo! - 1, +d!, +h!, +mi!, +sec, ms, zone).getTime();
  return Number.isNaN(instant) ? undefined : instant;
}

function ianaZone(name: string): string | undefined {
  const candidates = [name, ...findIana(name)];
  return candidates.find((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Remembers each user's latest `sequenceNumber` (Graph documents it as lexicographically sortable)
 * so a reading that arrives after a newer one, e.g. from a slower parallel request, is dropped.
 */
export class SequenceFilter {
  readonly #last = new Map<string, string>();

  /** True when this reading is not older than the last one accepted for the user. */
  accept(userId: string, sequenceNumber: string | null | undefined): boolean {
    if (!sequenceNumber) return true;
    const last = this.#last.get(userId);
    if (last !== undefined && sequenceNumber < last) return false;
    this.#last.set(userId, sequenceNumber);
    return true;
  }
}
