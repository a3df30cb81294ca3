import type { Status } from '@presence-tracker/core';

/** Graph's presence resource, as `getPresencesByUserId` returns it. Fields are open: Graph adds values. */
export interface GraphPresence {
  id: string;
  availability?: string | null;
  activity?: string | null;
  statusMessage?: { message?: { content?: string | null } | null } | null;
  outOfOfficeSettings?: { message?: string | null; isOutOfOffice?: boolean | null } | null;
  sequenceNumber?: string | null;
}

// Keys are lower case because Graph's documentation spells the same words in both cases.
const BY_AVAILABILITY: Record<string, Status> = {
  available: 'available',
  availableidle: 'available',
  busy: 'busy',
  busyidle: 'busy',
  donotdisturb: 'dnd',
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

/** Maps Graph's availability and activity onto a core status. */
export function toStatus(
  availability: string | null | undefined,
  activity: string | null | undefined,
): Status {
  const a = availability?.toLowerCase() ?? '';
  const act = activity?.toLowerCase() ?? '';
  if (DND_ACTIVITIES.has(act) && a !== 'offline' && a !== 'presenceunknown') return 'dnd';
  return BY_AVAILABILITY[a] ?? BY_ACTIVITY[act] ?? (DND_ACTIVITIES.has(act) ? 'dnd' : 'unknown');
}

/** The platform's own words kept with each sample. */
export function toRaw(p: GraphPresence): Record<string, unknown> {
  const raw: Record<string, unknown> = {
    availability: p.availability ?? null,
    activity: p.activity ?? null,
  };
  const message = p.statusMessage?.message?.content;
  if (message) raw.statusMessage = message;
  if (p.outOfOfficeSettings?.isOutOfOffice != null) raw.outOfOffice = p.outOfOfficeSettings.isOutOfOffice;
  if (p.sequenceNumber) raw.sequenceNumber = p.sequenceNumber;
  return raw;
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
