import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Interval, Status } from '../api/types.ts';
import { formatDateTime, formatDuration, formatTime } from '../time/zone.ts';
import { STATUS_LABEL } from './status.tsx';

export interface ChartRow {
  id: string;
  /** The row's heading: a person's name (a link), or a day. */
  label: ComponentChildren;
  /** The name read out for the row's bars. */
  name: string;
  intervals: readonly Interval[];
  from: Date;
  to: Date;
}

export interface Tick {
  /** Where along the row, from 0 to 1. */
  at: number;
  label: string;
}

interface Bar {
  status: Status;
  start: Date;
  end: Date;
  open: boolean;
  left: number;
  width: number;
}

/**
 * One row per person (or day), one bar per interval. What lies under no bar is unobserved and is drawn
 * hatched, so it never looks like offline, which is a grey bar of its own. Zoom widens the rows, which
 * then scroll sideways with the names kept in view.
 */
export function TimelineChart(props: {
  rows: readonly ChartRow[];
  ticks: readonly Tick[];
  zone: string;
  now: Date;
  zoom: number;
  label: string;
}) {
  return (
    <div class="timeline" style={{ '--zoom': String(props.zoom) }}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the keyboard scrolls a zoomed timeline through this region */}
      <section class="timeline-scroll" aria-label={props.label} tabIndex={0}>
        <div class="timeline-axis" aria-hidden="true">
          <span class="row-label" />
          <span class="axis-track">
            {props.ticks.map((tick) => (
              <span key={tick.at} class="tick" style={{ left: `${tick.at * 100}%` }}>
                {tick.label}
              </span>
            ))}
          </span>
        </div>
        <ul class="timeline-rows">
          {props.rows.map((row) => (
            <TimelineRow key={row.id} row={row} zone={props.zone} now={props.now} ticks={props.ticks} />
          ))}
        </ul>
      </section>
      <Legend />
    </div>
  );
}

function TimelineRow({
  row,
  zone,
  now,
  ticks,
}: {
  row: ChartRow;
  zone: string;
  now: Date;
  ticks: readonly Tick[];
}) {
  const [active, setActive] = useState<number | null>(null);
  const bars = barsOf(row, now);
  const shown = active === null ? undefined : bars[active];
  const describe = (bar: Bar) =>
    `${STATUS_LABEL[bar.status]}, ${formatTime(bar.start, zone)} to ${bar.open ? 'now' : formatTime(bar.end, zone)}`;

  const onKeyDown = (event: KeyboardEvent) => {
    if (bars.length === 0) return;
    const last = bars.length - 1;
    const moves: Record<string, number> = {
      ArrowRight: active === null ? 0 : Math.min(last, active + 1),
      ArrowLeft: active === null ? last : Math.max(0, active - 1),
      Home: 0,
      End: last,
    };
    const next = moves[event.key];
    if (next === undefined) {
      if (event.key === 'Escape') setActive(null);
      return;
    }
    event.preventDefault();
    setActive(next);
  };

  return (
    <li class="timeline-row" data-row={row.id}>
      <span class="row-label">{row.label}</span>
      {/* biome-ignore lint/a11y/useSemanticElements: a row of bars, not a set of form fields */}
      <span
        class="track"
        role="group"
        aria-label={`${row.name}: ${bars.length} periods; arrow keys read them`}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: one tab stop for the row, its bars walked with the arrow keys
        tabIndex={0}
        onKeyDown={onKeyDown}
        onBlur={() => setActive(null)}
        onMouseLeave={() => setActive(null)}
      >
        {ticks.map((tick) => (
          <span key={tick.at} class="gridline" style={{ left: `${tick.at * 100}%` }} />
        ))}
        {bars.map((bar, index) => (
          <span
            key={bar.start.getTime()}
            class={`bar s-${bar.status}${index === active ? ' active' : ''}`}
            role="img"
            aria-label={describe(bar)}
            data-status={bar.status}
            data-start={bar.start.toISOString()}
            data-end={bar.end.toISOString()}
            style={{ left: `${bar.left}%`, width: `${bar.width}%` }}
            onMouseEnter={() => setActive(index)}
          />
        ))}
        {shown && (
          <span
            class={`tooltip${shown.left + shown.width / 2 > 70 ? ' flip' : ''}`}
            role="status"
            style={{ left: `${shown.left + shown.width / 2}%` }}
          >
            <strong>{STATUS_LABEL[shown.status]}</strong>
            <span>
              {formatDateTime(shown.start, zone)} to {shown.open ? 'now' : formatTime(shown.end, zone)}
            </span>
            <span>{formatDuration(shown.end.getTime() - shown.start.getTime())}</span>
          </span>
        )}
      </span>
    </li>
  );
}

/** The intervals clipped to the row's range; an open interval runs up to now. */
function barsOf(row: ChartRow, now: Date): Bar[] {
  const from = row.from.getTime();
  const to = row.to.getTime();
  const span = to - from;
  const bars: Bar[] = [];
  for (const interval of row.intervals) {
    const start = Math.max(from, Date.parse(interval.startedAt));
    const end = Math.min(to, interval.endedAt === null ? now.getTime() : Date.parse(interval.endedAt));
    if (end <= start) continue;
    bars.push({
      status: interval.status,
      start: new Date(start),
      end: new Date(end),
      open: interval.endedAt === null,
      left: ((start - from) / span) * 100,
      width: ((end - start) / span) * 100,
    });
  }
  return bars.sort((a, b) => a.start.getTime() - b.start.getTime());
}

function Legend() {
  return (
    <ul class="legend" aria-label="Legend">
      {(Object.keys(STATUS_LABEL) as Status[]).map((status) => (
        <li key={status}>
          <span class={`swatch s-${status}`} aria-hidden="true" />
          {STATUS_LABEL[status]}
        </li>
      ))}
      <li>
        <span class="swatch unobserved" aria-hidden="true" />
        Not observed
      </li>
    </ul>
  );
}
