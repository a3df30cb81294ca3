import type { Run } from '../model.ts';
import { buckets } from '../report/periods.ts';
import { renderTimeline, type TimelineOptions } from './render.ts';

export interface TimelinePage {
  /** `YYYY-MM-DD` for a day page; `run <id>` for a run page. */
  label: string;
  from: Date;
  to: Date;
}

export type PageSplit = { by: 'day' } | { by: 'run'; runs: readonly Run[] };

/**
 * Cuts `[from, to)` into pages: one per local day, or one per run (the part of each run inside the
 * range; a run still going ends at `now`), as the Python tracker's PDF had one page per session.
 */
export function timelinePages(
  range: { from: Date; to: Date; timeZone: string; now?: Date },
  split: PageSplit,
): TimelinePage[] {
  const from = range.from.getTime();
  const to = range.to.getTime();
  if (split.by === 'day') {
    return buckets(from, to, range.timeZone, 'day').map((b) => ({
      label: b.day!,
      from: new Date(b.start),
      to: new Date(b.end),
    }));
  }
  const now = (range.now ?? new Date()).getTime();
  return [...split.runs]
    .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())
    .flatMap((r) => {
      const a = Math.max(r.startedAt.getTime(), from);
      const b = Math.min(r.endedAt?.getTime() ?? Math.max(now, r.startedAt.getTime()), to);
      return a < b ? [{ label: `run ${r.id}`, from: new Date(a), to: new Date(b) }] : [];
    });
}

/** One SVG per page; each page's title says which day or run it shows. */
export function renderTimelinePages(
  options: TimelineOptions,
  split: PageSplit,
): (TimelinePage & { svg: string })[] {
  return timelinePages(options, split).map((page) => ({
    ...page,
    svg: renderTimeline({
      ...options,
      from: page.from,
      to: page.to,
      title: options.title ? `${options.title}, ${page.label}` : page.label,
    }),
  }));
}
