import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { ConfigError, type PresenceStore, platformIntervals } from '@presence-tracker/core';
import { localDay } from '@presence-tracker/core/report';
import { renderTimeline, renderTimelinePng, type TimelineOptions } from '@presence-tracker/core/timeline';
import { resolveConfig } from '../config.ts';
import { EXIT } from '../explain.ts';
import { type Io, writeLine } from '../io.ts';
import { createLogger } from '../logger.ts';
import { type RangeOptions, resolveRange } from '../range.ts';
import { pluginContext } from './track.ts';

export interface TimelineCommandOptions extends RangeOptions {
  config?: string;
  out?: string;
  timeZone?: string;
  width?: number;
  /** Beneath each person tracked through several platforms (`combine`), a row per platform. */
  platforms?: boolean;
}

export async function timeline(options: TimelineCommandOptions, io: Io): Promise<number> {
  const config = await resolveConfig(io, options.config);
  const timeZone = options.timeZone ?? config.report.timeZone;
  const range = resolveRange(options, timeZone, io.now(), config.report.days);
  const out = resolve(io.cwd, options.out ?? defaultName(range, timeZone, config.report.outDir));
  // Reading only: a store opens without write access where it can, and waits for no writer.
  const store = await config.plugins.store.create(
    pluginContext(config, io, createLogger(io, undefined, 'warn'), { readOnly: true }),
  );
  try {
    await writeTimeline(store, {
      ...range,
      timeZone,
      out,
      now: io.now(),
      ...(options.width && { width: options.width }),
      ...(options.platforms && { platforms: { staleAfter: readingsCount(config) } }),
    });
  } finally {
    await store.close();
  }
  writeLine(io.stdout, out);
  return EXIT.ok;
}

/** Draws everyone's intervals over the range into `out`: SVG, or PNG when the name ends in `.png`. */
export async function writeTimeline(
  store: PresenceStore,
  query: {
    from: Date;
    to: Date;
    timeZone: string;
    out: string;
    now?: Date;
    width?: number;
    /** Draw each platform's rows from the stored combined readings, which counted for `staleAfter`. */
    platforms?: { staleAfter: number | Record<string, number> };
  },
): Promise<void> {
  const format = extname(query.out).toLowerCase();
  if (format !== '.svg' && format !== '.png') {
    throw new ConfigError('invalid options:', [
      { path: '--out', message: 'expected a file name ending in .svg or .png' },
    ]);
  }
  await mkdir(dirname(query.out), { recursive: true });
  const [intervals, users] = await Promise.all([
    store.intervals({ from: query.from, to: query.to }),
    store.users(),
  ]);
  const options: TimelineOptions = {
    intervals,
    from: query.from,
    to: query.to,
    timeZone: query.timeZone,
    users: users.map((u) => ({ id: u.id, ...(u.displayName && { displayName: u.displayName }) })),
    ...(query.now && { now: query.now }),
    ...(query.width && { width: query.width }),
    ...(query.platforms && {
      parts: platformIntervals(await store.samples({ from: query.from, to: query.to }), {
        staleAfter: query.platforms.staleAfter,
        now: query.now ?? new Date(),
      }),
    }),
  };
  await writeFile(query.out, format === '.png' ? await renderTimelinePng(options) : renderTimeline(options));
}

/** How long a platform's reading counted: the combine block's `staleAfter`, else the tracker's. */
function readingsCount(config: {
  provider: Record<string, unknown>;
  policy?: { staleAfter?: number };
  pollInterval: number;
}) {
  const own = config.provider.staleAfter;
  if (typeof own === 'number' || (typeof own === 'object' && own !== null))
    return own as number | Record<string, number>;
  return config.policy?.staleAfter ?? 3 * config.pollInterval;
}

function defaultName(range: { from: Date; to: Date }, timeZone: string, outDir: string): string {
  const first = localDay(range.from, timeZone);
  const last = localDay(range.to.getTime() - 1, timeZone);
  const name = first === last ? `${first}_timeline.svg` : `${first}_${last}_timeline.svg`;
  return resolve(outDir, name);
}
