/**
 * The memory store's record of what it opened and closed, for `changes()`: each record at its latest
 * change only, in the order of those changes, each change numbered by how many were made before it
 * (a cursor is such a number). A record is opened once and closed at most once, so when it closes its
 * opening's entry is dropped: the log holds one entry per record the store holds, not one per change,
 * and an answer is the same as from a log of every change, since a reader only ever wanted each
 * record once, as it is now. The records themselves are the store's own objects, read when answering.
 *
 * The entries are three arrays side by side rather than an object each, and dropped entries are
 * compacted away once they are a quarter of them (each entry moved at a compaction paid for by the
 * drops before it), so the log holds at most 4/3 of an entry per record.
 */
export class ChangeLog<K extends string, R extends object> {
  /** How many changes were made: the cursor after the latest. */
  private made = 0;
  private readonly records: (R | null)[] = [];
  private readonly kinds: K[] = [];
  /** Each entry's change number, increasing along the arrays. */
  private readonly numbers: number[] = [];
  /** The entries of records that may change again (opened, not closed), by record. */
  private readonly open = new Map<R, number>();
  private dropped = 0;

  /** The cursor after every change made so far. */
  get cursor(): number {
    return this.made;
  }

  /** How many entries are held, dropped ones not yet compacted included (for tests). */
  get size(): number {
    return this.records.length;
  }

  /** Notes that `record` was opened (`final: false`) or closed or written closed (`final: true`). */
  add(kind: K, record: R, final: boolean): void {
    const before = this.open.get(record);
    if (before !== undefined) {
      this.records[before] = null;
      this.dropped++;
      this.open.delete(record);
    }
    this.made++;
    if (!final) this.open.set(record, this.records.length);
    this.records.push(record);
    this.kinds.push(kind);
    this.numbers.push(this.made);
    this.compactIfQuarterDropped();
  }

  /** Each record changed after `cursor`, once, at its latest change, in the order of those changes. */
  after(cursor: number, each: (kind: K, record: R) => void): void {
    // The first entry numbered after the cursor: the numbers increase along the array.
    let lo = 0;
    let hi = this.numbers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.numbers[mid]! <= cursor) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.records.length; i++) {
      const record = this.records[i];
      if (record) each(this.kinds[i]!, record);
    }
  }

  /** Drops the entries of the records `which` picks (a purged person's). */
  forget(which: (kind: K, record: R) => boolean): void {
    for (let i = 0; i < this.records.length; i++) {
      const record = this.records[i];
      if (!record || !which(this.kinds[i]!, record)) continue;
      this.records[i] = null;
      this.dropped++;
      this.open.delete(record);
    }
    this.compactIfQuarterDropped();
  }

  private compactIfQuarterDropped(): void {
    if (this.dropped === 0 || this.dropped * 4 < this.records.length) return;
    let kept = 0;
    for (let i = 0; i < this.records.length; i++) {
      const record = this.records[i];
      if (!record) continue;
      if (this.open.has(record)) this.open.set(record, kept);
      this.records[kept] = record;
      this.kinds[kept] = this.kinds[i]!;
      this.numbers[kept] = this.numbers[i]!;
      kept++;
    }
    this.records.length = kept;
    this.kinds.length = kept;
    this.numbers.length = kept;
    this.dropped = 0;
  }
}
