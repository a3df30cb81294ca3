import type { Block } from './status.ts';

interface Entry {
  /** When the events are next read, on the clock. */
  nextReadAt: number;
  /** The end of the stretch they were read over: beyond it nothing is known. */
  coversUntil: number;
  blocks: Block[];
}

/** A fraction in [0, 1) fixed by the id (FNV-1a), so a person's place in the period never changes. */
function spread(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/**
 * Each person's out-of-office events, read at most once per `every` ms (on the clock seam) and kept
 * meanwhile. A person's second read comes between one and two periods after the first, at a place
 * fixed by their id, so people first read together are then read spread over the period instead of all
 * in one poll. A person whose events cannot be read (no access) is kept with none, so the refusal is not
 * asked again before `every` has passed either.
 */
export class OutOfOfficeCache {
  readonly #entries = new Map<string, Entry>();
  readonly #every: number;

  constructor(every: number) {
    this.#every = every;
  }

  /** The people whose events are due at `now`: never read, due again, or read over too short a stretch. */
  due(ids: readonly string[], now: number, until: number): string[] {
    return ids.filter((id) => {
      const e = this.#entries.get(id);
      return e === undefined || now >= e.nextReadAt || e.coversUntil < Math.min(until, now + this.#every);
    });
  }

  set(id: string, readAt: number, coversUntil: number, blocks: Block[]): void {
    const first = !this.#entries.has(id);
    const nextReadAt = readAt + this.#every + (first ? Math.floor(spread(id) * this.#every) : 0);
    this.#entries.set(id, { nextReadAt, coversUntil, blocks });
  }

  /** The known events and how far they are known; `undefined` for a person never read. */
  get(id: string): { blocks: Block[]; coversUntil: number } | undefined {
    return this.#entries.get(id);
  }

  clear(): void {
    this.#entries.clear();
  }
}
