import type { Block } from './status.ts';

interface Entry {
  /** When the events were read, on the clock. */
  readAt: number;
  /** The end of the stretch they were read over: beyond it nothing is known. */
  coversUntil: number;
  blocks: Block[];
}

/**
 * Each person's out-of-office events, read at most once per `every` ms (on the clock seam) and kept
 * meanwhile. A person whose events cannot be read (no access) is remembered with none, so the refusal
 * is not asked again before `every` has passed either.
 */
export class OutOfOfficeCache {
  readonly #entries = new Map<string, Entry>();
  readonly #every: number;

  constructor(every: number) {
    this.#every = every;
  }

  /** The people whose events are not known at `now`: never read, read `every` ago, or read too short a stretch. */
  due(ids: readonly string[], now: number, until: number): string[] {
    return ids.filter((id) => {
      const e = this.#entries.get(id);
      return (
        e === undefined || now - e.readAt >= this.#every || e.coversUntil < Math.min(until, now + this.#every)
      );
    });
  }

  set(id: string, readAt: number, coversUntil: number, blocks: Block[]): void {
    this.#entries.set(id, { readAt, coversUntil, blocks });
  }

  /** The known events and how far they are known; `undefined` for a person never read. */
  get(id: string): { blocks: Block[]; coversUntil: number } | undefined {
    return this.#entries.get(id);
  }

  clear(): void {
    this.#entries.clear();
  }
}
