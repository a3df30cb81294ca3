import type { Status } from '@presence-tracker/core';

/** A stretch of calendar time, `[start, end)` in ms. */
export interface Block {
  start: number;
  end: number;
}

export interface CalendarReading {
  status: Extract<Status, 'available' | 'busy' | 'offline'>;
  /** When this reading stops holding: the end of the block now is in, or the start of the next. */
  validUntil: number;
  /** Set inside an out-of-office event. */
  reason?: 'outOfOffice';
}

/** Blocks sorted, with overlapping and touching ones joined. */
export function mergeBlocks(blocks: readonly Block[]): Block[] {
  const merged: Block[] = [];
  for (const b of [...blocks].filter((x) => x.end > x.start).sort((x, y) => x.start - y.start)) {
    const last = merged.at(-1);
    if (last && b.start <= last.end) last.end = Math.max(last.end, b.end);
    else merged.push({ ...b });
  }
  return merged;
}

/**
 * What a calendar says of its person at `now`: inside an out-of-office event, `offline`; inside a busy
 * block, `busy`; otherwise `available`. `validUntil` is the next instant at which that can change (the
 * end of the block now is in, or the start of the next busy or out-of-office block), at most `horizon`,
 * the end of what was read.
 */
export function readCalendar(
  now: number,
  busy: readonly Block[],
  outOfOffice: readonly Block[],
  horizon: number,
): CalendarReading {
  const away = mergeBlocks(outOfOffice);
  const blocked = mergeBlocks(busy);
  const nextStart = (blocks: Block[]) => blocks.find((b) => b.start > now)?.start ?? horizon;
  const inside = (blocks: Block[]) => blocks.find((b) => b.start <= now && now < b.end);
  const ooo = inside(away);
  if (ooo) return { status: 'offline', reason: 'outOfOffice', validUntil: Math.min(ooo.end, horizon) };
  const meeting = inside(blocked);
  const untilAway = nextStart(away);
  if (meeting) return { status: 'busy', validUntil: Math.min(meeting.end, untilAway, horizon) };
  return { status: 'available', validUntil: Math.min(nextStart(blocked), untilAway, horizon) };
}
