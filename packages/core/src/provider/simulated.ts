import { TZDate } from '@date-fns/tz';
import type { Clock } from '../clock.ts';
import { ConfigError } from '../errors.ts';
import { type PresenceSample, type ResolvedUser, STATUSES, type Status } from '../model.ts';
import type { PresenceProvider } from './provider.ts';

export interface SimulatedProviderOptions {
  /** How many people, or their keys (e-mail addresses or names). Default: 10. */
  users?: number | readonly string[];
  /** The same seed gives the same presence for the same instant, on any machine. Default: 1. */
  seed?: number;
  /** Where `observedAt` comes from. Default: the system clock. */
  clock?: Clock;
  /** The people's local time zone, for their working hours. Default: `UTC`. */
  timeZone?: string;
}

const FIRST = [
  'Ada',
  'Ben',
  'Chloe',
  'Dev',
  'Elif',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kemi',
  'Lena',
];
const LAST = [
  'Novak',
  'Okafor',
  'Petrov',
  'Quinn',
  'Rossi',
  'Sato',
  'Torres',
  'Ueda',
  'Varga',
  'Weber',
  'Yilmaz',
];
const LOWER_FIRST = FIRST.map((name) => name.toLowerCase());
const LOWER_LAST = LAST.map((name) => name.toLowerCase());
const DAY_MINUTES = 24 * 60;
/** The raw words of each status, one frozen object each, shared by every sample. */
const RAW = Object.fromEntries(STATUSES.map((s) => [s, Object.freeze({ simulated: s })])) as Record<
  Status,
  Readonly<{ simulated: Status }>
>;

/**
 * Deterministic, seeded presence for any number of people, shaped like working days: arrivals and
 * departures, meetings, focus time, lunch, short breaks and the odd network drop; weekends mostly
 * offline. The status at an instant depends only on the seed, the person and the instant, so polls
 * at any times replay the same day. It keeps nothing per person: people are made when asked for, and
 * a person's status is found by drawing their day again, so a million simulated people cost the
 * process nothing until a tracker holds them.
 */
export function simulatedProvider(options: SimulatedProviderOptions = {}): PresenceProvider & {
  /** The status this provider reports for `userId` at `at`. */
  statusAt(userId: string, at: Date): Status;
} {
  const seed = options.seed ?? 1;
  const clock = options.clock ?? { now: () => new Date() };
  const timeZone = options.timeZone ?? 'UTC';
  const people = peopleOf(options.users ?? 10);
  let byKey: Map<string, number> | null = null;
  const indexOfKey = (key: string) => {
    const byId = people.indexOfId(key.toLowerCase());
    if (byId !== undefined) return byId;
    if (byKey === null) {
      byKey = new Map();
      for (let index = 0; index < people.count; index++) {
        const p = people.at(index);
        for (const k of [p.key, p.id, p.email]) if (k) byKey.set(k.toLowerCase(), index);
      }
    }
    return byKey.get(key.toLowerCase());
  };

  const localMinute = (at: Date) => {
    const local = new TZDate(at.getTime(), timeZone);
    const day = Date.UTC(local.getFullYear(), local.getMonth(), local.getDate()) / 86_400_000;
    return { day, minute: local.getHours() * 60 + local.getMinutes(), weekday: local.getDay() };
  };

  return {
    name: 'simulated',

    async resolveUsers(keys) {
      const resolved: ResolvedUser[] = [];
      const unresolved: { key: string; reason: string }[] = [];
      for (const key of keys) {
        const index = indexOfKey(key);
        if (index === undefined) unresolved.push({ key, reason: 'no simulated person has this key' });
        else resolved.push({ ...people.at(index), key });
      }
      return { resolved, unresolved };
    },

    async discoverUsers() {
      return Array.from({ length: people.count }, (_, index) => people.at(index));
    },

    async getPresence(userIds) {
      const observedAt = clock.now();
      const { day, minute, weekday } = localMinute(observedAt);
      const samples: PresenceSample[] = [];
      for (let n = 0; n < userIds.length; n++) {
        const userId = userIds[n]!;
        const index = people.indexOfId(userId);
        if (index === undefined) continue;
        const status = statusOf(seed, index, day, weekday, minute);
        samples.push({ userId, status, observedAt, raw: RAW[status], source: 'poll' });
      }
      return samples;
    },

    statusAt(userId, at) {
      const index = people.indexOfId(userId);
      if (index === undefined) throw new ConfigError(`no simulated person has the id ${userId}`);
      const { day, minute, weekday } = localMinute(at);
      return statusOf(seed, index, day, weekday, minute);
    },
  };
}

/** The simulated people, each made when asked for from their place in the list. */
function peopleOf(users: number | readonly string[]) {
  const count = typeof users === 'number' ? users : users.length;
  if (!Number.isInteger(count) || count < 0) {
    throw new ConfigError('simulatedProvider: invalid options', [
      { path: 'users', message: `expected a whole number of people or a list of keys, received ${users}` },
    ]);
  }
  const width = Math.max(4, String(count).length);
  const idOf = (i: number) => `sim-${String(i + 1).padStart(width, '0')}`;
  return {
    count,
    at(i: number): ResolvedUser & { email: string } {
      const first = FIRST[i % FIRST.length]!;
      // The lists' lengths are coprime, so names repeat only after every pairing was used.
      const last = LAST[i % LAST.length]!;
      const n = Math.floor(i / (FIRST.length * LAST.length));
      // Joined, so each is one flat string: concatenated, a string is a chain of pieces until something
      // flattens it, and a million people kept the pieces and the flat copy. The address is the name in
      // lower case with dots, from the lists' lower-case forms, with no intermediate strings.
      const name = n === 0 ? [first, ' ', last].join('') : [first, ' ', last, ' ', n + 1].join('');
      const lowerFirst = LOWER_FIRST[i % FIRST.length]!;
      const lowerLast = LOWER_LAST[i % LAST.length]!;
      const generated =
        n === 0
          ? [lowerFirst, '.', lowerLast, '@example.com'].join('')
          : [lowerFirst, '.', lowerLast, '.', n + 1, '@example.com'].join('');
      const key = typeof users === 'number' ? generated : users[i]!;
      const email = key.includes('@') ? key : generated;
      return { key, id: idOf(i), displayName: name, email };
    },
    indexOfId(id: string): number | undefined {
      if (id.length !== 4 + width || !id.startsWith('sim-')) return undefined;
      // Digits only, read in place: a poll asks this of every person, and no string is made for it.
      let n = 0;
      for (let c = 4; c < id.length; c++) {
        const digit = id.charCodeAt(c) - 48;
        if (digit < 0 || digit > 9) return undefined;
        n = n * 10 + digit;
      }
      return n >= 1 && n <= count ? n - 1 : undefined;
    },
  };
}

const OFFLINE: Status = 'offline';

/**
 * One person's status at a minute of a day: the day is drawn block by block (later blocks painted
 * over earlier ones), and the last block that covers the minute wins; before, after and between
 * blocks the person is offline. A poll draws every person's day, so this makes one small object and
 * no closure.
 */
function statusOf(seed: number, person: number, day: number, weekday: number, minute: number): Status {
  const random = new Mulberry32(hash(seed, person, day));
  let status = OFFLINE;
  const weekend = weekday === 0 || weekday === 6;
  if (weekend) {
    if (random.next() < 0.1) {
      const from = random.between(9 * 60, 16 * 60);
      status = paint(status, minute, from, random.between(10, 60), 'available');
    }
  } else if (random.next() >= 0.04) {
    const arrive = random.between(7 * 60 + 30, 9 * 60 + 30);
    const leave = random.between(16 * 60, 18 * 60 + 30);
    status = paint(status, minute, arrive, leave - arrive, 'available');
    for (let m = random.between(0, 4); m > 0; m--) {
      const from = random.between(arrive, leave - 60);
      status = paint(status, minute, from, random.next() < 0.5 ? 30 : 60, 'busy');
    }
    if (random.next() < 0.3) {
      const from = random.between(arrive, leave - 90);
      status = paint(status, minute, from, random.between(60, 90), 'dnd');
    }
    const lunch = random.between(11 * 60 + 45, 13 * 60);
    status = paint(status, minute, lunch, random.between(30, 60), 'away');
    for (let b = random.between(0, 3); b > 0; b--) {
      const from = random.between(arrive, leave - 15);
      status = paint(status, minute, from, random.between(5, 15), 'away');
    }
    if (random.next() < 0.2) {
      const from = random.between(arrive, leave - 5);
      status = paint(status, minute, from, random.between(2, 4), 'offline');
    }
    if (random.next() < 0.02) {
      const from = random.between(arrive, leave - 5);
      status = paint(status, minute, from, random.between(1, 3), 'unknown');
    }
  }
  return status;
}

/** `block` if it covers `minute` (clipped to the day), else `status`. */
function paint(status: Status, minute: number, from: number, length: number, block: Status): Status {
  return minute >= Math.max(0, from) && minute < Math.min(DAY_MINUTES, from + length) ? block : status;
}

/** FNV-1a over the three numbers' 16-bit halves, low first. */
function hash(seed: number, person: number, day: number): number {
  return mix(mix(mix(0x811c9dc5, seed), person), day) >>> 0;
}

function mix(h: number, part: number): number {
  const low = Math.imul(h ^ (part & 0xffff), 0x01000193);
  return Math.imul(low ^ (part >>> 16), 0x01000193);
}

/** The mulberry32 generator: numbers in [0, 1) from a 32-bit state. */
class Mulberry32 {
  private a: number;

  constructor(state: number) {
    this.a = state;
  }

  next(): number {
    this.a = (this.a + 0x6d2b79f5) | 0;
    const a = this.a;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number from `lo` to `hi`, both included. */
  between(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}
