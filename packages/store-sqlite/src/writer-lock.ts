import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { StoreError } from '@presence-tracker/core';
import type { Database, Statement } from 'better-sqlite3';

interface Holder {
  owner: string;
  host: string;
  pid: number;
  claimed_at: number;
  heartbeat_at: number;
}

/**
 * The writer role of one database file: a single row naming the store instance that writes, claimed
 * by its first write and kept fresh by every write and by a heartbeat timer.
 *
 * Another instance may take the role over when the holder released it (closed), when the holder's
 * process is gone (same host, checked by pid), or when its heartbeat is older than `timeout`
 * (a process on another host or in another container, which cannot be checked by pid).
 * The claim is a transaction of its own (`BEGIN IMMEDIATE`), so two claimants cannot both win, and
 * every write confirms the role inside its own transaction, so a writer that lost it changes nothing.
 */
export class WriterLock {
  private readonly owner = randomUUID();
  private readonly host = hostname();
  private readonly db: Database;
  private readonly file: string;
  private readonly timeout: number;
  private readonly read: Statement<[], Holder>;
  private readonly claim: Statement<[string, string, number, number, number]>;
  private readonly refresh: Statement<[number, string]>;
  private readonly drop: Statement<[string]>;
  private held = false;
  /** Set once another instance took the role: this instance never writes again. */
  private lostTo: Holder | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(db: Database, file: string, timeout: number) {
    this.db = db;
    this.file = file;
    this.timeout = timeout;
    this.read = db.prepare('SELECT owner, host, pid, claimed_at, heartbeat_at FROM writer WHERE id = 1');
    this.claim = db.prepare(
      `INSERT INTO writer (id, owner, host, pid, claimed_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
         claimed_at = excluded.claimed_at, heartbeat_at = excluded.heartbeat_at`,
    );
    this.refresh = db.prepare('UPDATE writer SET heartbeat_at = ? WHERE id = 1 AND owner = ?');
    this.drop = db.prepare('DELETE FROM writer WHERE id = 1 AND owner = ?');
  }

  /** Whether this instance holds the role (as far as it knows). */
  get holding(): boolean {
    return this.held;
  }

  /** Claims the role unless this instance holds it; in a transaction of its own, before the write. */
  acquire(): void {
    if (this.lostTo) throw this.lockedError(this.lostTo, true);
    if (this.held) return;
    this.db
      .transaction(() => {
        const now = Date.now();
        const holder = this.read.get();
        if (holder && holder.owner !== this.owner && !this.abandoned(holder, now))
          throw this.lockedError(holder, false);
        this.claim.run(this.owner, this.host, process.pid, now, now);
      })
      .immediate();
    this.held = true;
    this.startHeartbeat();
  }

  /** Inside the write transaction: makes sure the role is still this instance's, and refreshes it. */
  confirm(): void {
    if (this.refresh.run(Date.now(), this.owner).changes === 1) return;
    this.loseRole();
    throw this.lockedError(this.lostTo!, true);
  }

  /** Gives the role up so another instance can write at once. */
  release(): void {
    this.stopHeartbeat();
    if (!this.held) return;
    this.held = false;
    try {
      this.drop.run(this.owner);
    } catch {
      // A busy or failing file: the heartbeat stops, so the role expires on its own.
    }
  }

  private abandoned(holder: Holder, now: number): boolean {
    if (now - holder.heartbeat_at > this.timeout) return true;
    return holder.host === this.host && !processAlive(holder.pid);
  }

  private loseRole() {
    this.held = false;
    this.stopHeartbeat();
    this.lostTo = this.read.get() ?? this.vacant(Date.now());
  }

  private vacant(now: number): Holder {
    return { owner: '', host: '?', pid: 0, claimed_at: now, heartbeat_at: now };
  }

  private startHeartbeat() {
    this.stopHeartbeat();
    const every = Math.max(250, Math.floor(this.timeout / 4));
    this.timer = setInterval(() => {
      try {
        if (this.refresh.run(Date.now(), this.owner).changes === 0) this.loseRole();
      } catch {
        // Busy beyond the busy timeout: the next beat or write tries again.
      }
    }, every);
    this.timer.unref();
  }

  private stopHeartbeat() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private lockedError(holder: Holder, lost: boolean): StoreError {
    const who = holder.owner
      ? `process ${holder.pid} on host ${holder.host} (writing since ${iso(holder.claimed_at)}, last heartbeat ${iso(holder.heartbeat_at)})`
      : 'another store instance';
    const message = lost
      ? `${this.file}: this store lost the writer role to ${who}, because its heartbeat was older than lockTimeout (${this.timeout} ms) or it was taken over; open a new store to write again`
      : `${this.file} is being written by ${who}; one writer at a time: stop that tracker, or wait until its heartbeat is older than lockTimeout (${this.timeout} ms)`;
    return new StoreError('sqlite', message, {
      code: 'STORE_LOCKED',
      details: { pid: holder.pid, host: holder.host, heartbeatAt: iso(holder.heartbeat_at) },
    });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it just belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
