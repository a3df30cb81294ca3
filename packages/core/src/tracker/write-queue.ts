import { StoreError } from '../errors.ts';
import type { PollWrite, PresenceStore } from '../store/index.ts';
import type { Spool, SpooledWrite } from './spool.ts';

interface Queued {
  write: PollWrite;
  /** Runs once the write is in the store; writes replayed from a spool have none. */
  landed?: () => void;
  spooled?: SpooledWrite;
}

/** Why the store refused a write for good: retrying could never make it land. */
export type Refusal = 'fenced' | 'conflict';

/**
 * The writes of one tracker on their way to the store, in the order the machine decided them. A write
 * that fails is kept and tried first next time, so nothing is lost while the store is away; with a
 * spool it is kept in a local file too, so nothing is lost when the process dies meanwhile. A write the
 * store refuses for good is dropped (from the spool as well), and the tracker is told which.
 */
export class WriteQueue {
  private readonly store: PresenceStore;
  private readonly onRefused: (write: PollWrite, why: Refusal, error: StoreError) => void;
  private readonly queued: Queued[] = [];
  private spool: Spool | null = null;

  constructor(store: PresenceStore, onRefused: (write: PollWrite, why: Refusal, error: StoreError) => void) {
    this.store = store;
    this.onRefused = onRefused;
  }

  /** How many writes wait for the store. */
  get size(): number {
    return this.queued.length;
  }

  /** Keeps writes in `spool` from now on, and queues, first, what a previous tracker left in it. */
  useSpool(spool: Spool): void {
    this.spool = spool;
    this.queued.unshift(...spool.pending.map((spooled) => ({ write: spooled.write, spooled })));
  }

  /** Queues a write (in the spool before anything else is tried) to go after every earlier one. */
  async add(write: PollWrite, landed: () => void): Promise<void> {
    const spooled = this.spool ? await this.spool.add(write) : undefined;
    this.queued.push({ write, landed, ...(spooled && { spooled }) });
  }

  /**
   * Writes what is queued, oldest first, until the store fails; returns that failure, or `null` once
   * everything is written.
   */
  async flush(): Promise<unknown> {
    while (this.queued.length > 0) {
      const next = this.queued[0]!;
      try {
        await this.store.writePoll(next.write);
      } catch (error) {
        const why = refusal(error);
        if (why === null) return error;
        await this.settle(next);
        this.onRefused(next.write, why, error as StoreError);
        continue;
      }
      await this.settle(next);
      next.landed?.();
    }
    return null;
  }

  private async settle(entry: Queued) {
    this.queued.shift();
    if (entry.spooled) await this.spool?.settle(entry.spooled);
  }
}

function refusal(error: unknown): Refusal | null {
  if (!StoreError.isInstance(error)) return null;
  if (error.code === 'STORE_FENCED') return 'fenced';
  if (error.code === 'STORE_CONFLICT') return 'conflict';
  return null;
}
