import { type FileHandle, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PresenceTrackerError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PollWrite } from '../store/index.ts';

/** A write waiting for the store, with its place in the spool. */
export interface SpooledWrite {
  seq: number;
  write: PollWrite;
}

/** One line of the spool: a write to make, or word that writes up to `landed` are in the store. */
type Line = { seq: number; write: PollWrite } | { landed: number };

/** Spool paths held by trackers of this process, so two trackers never share one. */
const heldHere = new Set<string>();
/** How many trackers on one machine may share a spool path's family. */
const MAX_SPOOLS = 64;

/**
 * Writes on their way to the store, kept in a local file so that a process killed while the store is
 * away loses none of them. Each write is appended (and fsynced) before it is tried; a line saying it
 * landed follows when it did, and the file is emptied whenever nothing is waiting. The next tracker
 * to open the file replays what did not land, in order.
 *
 * One spool belongs to one tracker at a time: a `<path>.lock` file names the process holding it, and
 * a spool whose process is gone is taken over. While a live tracker holds `<path>`, the next one takes
 * the first free of `<path>.2`, `<path>.3`, ..., so several trackers started from one configuration on
 * one machine each have their own.
 */
export class Spool {
  private readonly path: string;
  private readonly handle: FileHandle;
  private nextSeq: number;
  private readonly waiting: SpooledWrite[];

  private constructor(path: string, handle: FileHandle, waiting: SpooledWrite[], nextSeq: number) {
    this.path = path;
    this.handle = handle;
    this.waiting = waiting;
    this.nextSeq = nextSeq;
  }

  /** Locks the first free spool of `path`'s family and reads what a previous tracker left in it. */
  static async open(family: string, logger: Logger): Promise<Spool> {
    await mkdir(dirname(family), { recursive: true });
    let path: string | null = null;
    for (let n = 1; n <= MAX_SPOOLS && path === null; n++) {
      const candidate = n === 1 ? family : `${family}.${n}`;
      if (await lock(candidate)) path = candidate;
    }
    if (path === null) throw allTaken(family);
    try {
      const handle = await open(path, 'a+');
      const text = await handle.readFile('utf8');
      const { waiting, nextSeq, keep } = parseSpool(text, path, logger);
      // A line cut short by a kill would swallow the next append: cut the file back to whole lines.
      if (keep < Buffer.byteLength(text)) await handle.truncate(keep);
      if (waiting.length > 0) logger.warn({ spool: path, writes: waiting.length }, 'replaying held writes');
      return new Spool(path, handle, waiting, nextSeq);
    } catch (error) {
      await unlock(path);
      throw error;
    }
  }

  /** The file this tracker holds. */
  get file(): string {
    return this.path;
  }

  /** Writes not yet in the store, oldest first: what a previous tracker left, then this one's. */
  get pending(): readonly SpooledWrite[] {
    return this.waiting;
  }

  /** Forgets pending writes that could never land, rewriting the file without them. */
  async dropWhere(doomed: (write: PollWrite) => boolean): Promise<void> {
    const keep = this.waiting.filter((w) => !doomed(w.write));
    if (keep.length === this.waiting.length) return;
    this.waiting.splice(0, this.waiting.length, ...keep);
    await this.handle.truncate(0);
    await this.handle.appendFile(keep.map((w) => `${serialize({ seq: w.seq, write: w.write })}\n`).join(''));
    await this.handle.datasync();
  }

  /** Appends a write before it is tried, and returns it with its place. */
  async add(write: PollWrite): Promise<SpooledWrite> {
    const entry = { seq: this.nextSeq++, write };
    await this.append({ seq: entry.seq, write });
    this.waiting.push(entry);
    return entry;
  }

  /** The oldest pending write is done with (it landed, or the store refused it for good). */
  async settle(entry: SpooledWrite): Promise<void> {
    if (this.waiting[0] !== entry) throw new Error('spool: writes settle in order');
    this.waiting.shift();
    if (this.waiting.length === 0) {
      await this.handle.truncate(0);
      await this.handle.datasync();
    } else await this.append({ landed: entry.seq });
  }

  /** Lets the spool go; an empty one is removed, so a clean stop leaves no file behind. */
  async close(): Promise<void> {
    await this.handle.close();
    if (this.waiting.length === 0) await unlink(this.path).catch(() => {});
    await unlock(this.path);
  }

  private async append(line: Line) {
    await this.handle.appendFile(`${serialize(line)}\n`);
    await this.handle.datasync();
  }
}

/** JSON with instants kept as instants: a `Date` is written as `{ "$date": "<ISO 8601>" }`. */
export function serialize(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const original = this[key];
    return original instanceof Date ? { $date: v } : v;
  });
}

export function deserialize(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (typeof v === 'object' && v !== null && Object.keys(v).length === 1 && typeof v.$date === 'string') {
      const d = new Date(v.$date);
      if (Number.isNaN(d.getTime())) throw new Error(`not an instant: ${v.$date}`);
      return d;
    }
    return v;
  });
}

/** The writes still waiting in a spool's text, and how many bytes of it are whole lines. */
function parseSpool(text: string, path: string, logger: Logger) {
  const lines = text.split('\n');
  const cut = lines.pop() ?? '';
  if (cut !== '')
    logger.warn({ spool: path, bytes: Buffer.byteLength(cut) }, 'spool: ignoring a line cut short');
  const writes: SpooledWrite[] = [];
  let landed = -1;
  let nextSeq = 0;
  for (const [n, text] of lines.entries()) {
    if (text === '') continue;
    let line: Line;
    try {
      line = deserialize(text) as Line;
      if (typeof line !== 'object' || line === null) throw new Error('not an object');
    } catch (error) {
      logger.error(
        { spool: path, line: n + 1, error: (error as Error).message },
        'spool: ignoring a bad line',
      );
      continue;
    }
    if ('landed' in line) landed = Math.max(landed, line.landed);
    else if (typeof line.seq === 'number' && typeof line.write === 'object' && line.write !== null) {
      writes.push({ seq: line.seq, write: line.write });
      nextSeq = Math.max(nextSeq, line.seq + 1);
    }
  }
  return {
    waiting: writes.filter((w) => w.seq > landed),
    nextSeq,
    keep: Buffer.byteLength(text) - Buffer.byteLength(cut),
  };
}

/** Takes `<path>.lock` and returns true, unless a live process (this one included) holds it. */
async function lock(path: string): Promise<boolean> {
  const file = `${path}.lock`;
  if (heldHere.has(path)) return false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      heldHere.add(path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    // The same pid is a former life of this process (a restarted container), since this one holds none.
    if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) return false;
    await unlink(file).catch(() => {});
  }
  return false;
}

async function unlock(path: string) {
  heldHere.delete(path);
  await unlink(`${path}.lock`).catch(() => {});
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function allTaken(family: string) {
  return new PresenceTrackerError(
    'TRACKER_STATE',
    `every spool of ${family} (${family}, ${family}.2 .. ${family}.${MAX_SPOOLS}) is held by a live tracker`,
    { details: { spool: family } },
  );
}
