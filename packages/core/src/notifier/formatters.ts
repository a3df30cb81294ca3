import { eventBody, type TrackerEvent } from './events.ts';
import type { TrackerEventData } from './schemas.ts';

/** How chat messages show instants. */
export interface FormatOptions {
  /** IANA time zone for the times in messages. Default: `UTC`. */
  timeZone?: string;
}

/** Turns an event into the JSON body an endpoint expects. */
export type Formatter = (event: TrackerEvent, options?: FormatOptions) => unknown;

const RUN_LINES = 30;

/** A title and a readable line (and, for a run's end, a line per person) for one event. */
export interface EventText {
  title: string;
  text: string;
  /** Per-person lines of a `run.ended`. */
  details: { name: string; value: string }[];
  /** 0 normal .. 3 loudest: the person's severity, or 2 for tracker errors. */
  severity: number;
}

/** Describes an event in words, for chat formats and for logs. */
export function describeEvent(event: TrackerEvent, options: FormatOptions = {}): EventText {
  const time = (iso: string) => formatTime(iso, options.timeZone ?? 'UTC');
  switch (event.type) {
    case 'run.started': {
      const d = event.data as TrackerEventData['run.started'];
      return plain('Tracking started', `Tracking started at ${time(d.startedAt)} (run ${d.runId}).`, 0);
    }
    case 'run.ended': {
      const d = event.data as TrackerEventData['run.ended'];
      const t = d.totals;
      const people = d.people ?? d.users.length;
      const how = d.reason === 'recovered' ? ' (recovered after the tracker stopped unexpectedly)' : '';
      const text =
        `Tracking ended${how} at ${time(d.endedAt)} after ${formatDuration(d.durationMs)} (run ${d.runId}): ` +
        `${people} ${people === 1 ? 'person' : 'people'}, ${formatDuration(t.availableMs)} available, ` +
        `${formatDuration(t.unavailableMs)} unavailable, ${t.sessions} ${t.sessions === 1 ? 'session' : 'sessions'}.`;
      const details = d.users.map((u) => ({
        name: who(u),
        value:
          `${formatDuration(u.availableMs)} available, ${formatDuration(u.unavailableMs)} unavailable` +
          ` (longest ${formatDuration(u.longestUnavailableMs)}), ${u.sessions} ${u.sessions === 1 ? 'session' : 'sessions'}`,
      }));
      // A run of more people than the event lists says how many it leaves out.
      const unlisted = people - d.users.length;
      if (unlisted > 0) details.push({ name: 'Others', value: `${unlisted} more, counted in the totals` });
      return { title: 'Tracking ended', text, details, severity: 0 };
    }
    case 'session.started': {
      const d = event.data as TrackerEventData['session.started'];
      return plain('Session started', `${who(d)} is present since ${time(d.startedAt)}.`, d.severity);
    }
    case 'session.ended': {
      const d = event.data as TrackerEventData['session.ended'];
      return plain(
        'Session ended',
        `${who(d)} was present for ${formatDuration(d.durationMs)} until ${time(d.endedAt)} (${REASONS[d.reason]}).`,
        d.severity,
      );
    }
    case 'unavailable.long': {
      const d = event.data as TrackerEventData['unavailable.long'];
      return plain(
        'Unavailable for long',
        `${who(d)} has been ${d.status} for ${formatDuration(d.durationMs)}, since ${time(d.since)}.`,
        d.severity,
      );
    }
    case 'tracker.error': {
      const d = event.data as TrackerEventData['tracker.error'];
      const repeated = d.repeated ? ` (${d.repeated} more like it since the last message)` : '';
      return plain('Tracker error', `Tracker error (${d.where}): ${d.message}${repeated}`, 2);
    }
    case 'tracker.recovered': {
      const d = event.data as TrackerEventData['tracker.recovered'];
      return plain(
        'Tracker recovered',
        `The ${d.where} works again at ${time(d.at)}, after ${formatDuration(d.durationMs)} and ${d.failures} ${d.failures === 1 ? 'failure' : 'failures'}.`,
        0,
      );
    }
    default: {
      const unknown: never = event.type;
      return plain(String(unknown), String(unknown), 0);
    }
  }
}

/** The Standard Webhooks body: `{ type, timestamp, data }`. */
export const standardFormat: Formatter = (event) => eventBody(event);

/**
 * A Gotify message: title, message and a priority that rises with the person's severity, so `+++`
 * people's long absences ring louder than anything else.
 */
export const gotifyFormat: Formatter = (event, options) => {
  const e = describeEvent(event, options);
  const details = e.details.map((d) => `${d.name}: ${d.value}`);
  return {
    title: e.title,
    message: [e.text, ...details].join('\n'),
    priority: gotifyPriority(event, e.severity),
  };
};

/**
 * The formats `webhookNotifier({ format })` knows by name. A chat tool's format comes with that tool's
 * plugin, as a notifier of its own type made by `formattedWebhookPlugin`.
 */
export const formatters = {
  standard: standardFormat,
  gotify: gotifyFormat,
} as const satisfies Record<string, Formatter>;

export type FormatName = keyof typeof formatters;

function gotifyPriority(event: TrackerEvent, severity: number): number {
  switch (event.type) {
    case 'unavailable.long':
      return [4, 6, 8, 10][severity] ?? 4;
    case 'tracker.error':
      return 8;
    case 'session.started':
    case 'session.ended':
      return [1, 2, 3, 4][severity] ?? 1;
    case 'run.started':
    case 'run.ended':
    case 'tracker.recovered':
      return 3;
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

const REASONS: Record<TrackerEventData['session.ended']['reason'], string> = {
  offline: 'went offline',
  window: 'tracking window closed',
  stale: 'no longer seen',
  stopped: 'tracker stopped',
  recovered: 'closed after a restart',
};

function plain(title: string, text: string, severity: number): EventText {
  return { title, text, details: [], severity };
}

/**
 * The per-person lines of an event as a chat message shows them: the first 30, then one line saying how
 * many more (`{ name: 'and', value: '5 more' }`).
 */
export function listedDetails(details: EventText['details']): EventText['details'] {
  const shown = details.slice(0, RUN_LINES);
  if (details.length > RUN_LINES) shown.push({ name: 'and', value: `${details.length - RUN_LINES} more` });
  return shown;
}

/**
 * An event as one Markdown message: its readable line, then a `- name: value` line per person (the
 * first 30, then `- and 5 more`). What chat tools taking `{ text }` show.
 */
export function chatText(e: EventText): string {
  const lines = e.details.slice(0, RUN_LINES).map((d) => `- ${d.name}: ${d.value}`);
  if (e.details.length > RUN_LINES) lines.push(`- and ${e.details.length - RUN_LINES} more`);
  return [e.text, ...lines].join('\n');
}

function who(p: { userId: string; displayName?: string | undefined; email?: string | undefined }): string {
  return p.displayName ?? p.email ?? p.userId;
}

/** `2 h 05 min`, `35 min`, `40 s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** `2026-03-02 09:10 UTC` in the given time zone. */
function formatTime(iso: string, timeZone: string): string {
  let f = timeFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    timeFormats.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}
