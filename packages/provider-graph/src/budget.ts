/**
 * A sliding-window request budget: at most `requests` starts in any `perMs` window, plus a shared
 * pause when Graph asks everyone to wait (429 with Retry-After). Written here rather than taken from a
 * rate-limit library because it needs both in one small place and nothing else.
 */
export class RequestBudget {
  readonly #requests: number;
  readonly #perMs: number;
  readonly #starts: number[] = [];
  #holdUntil = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(requests: number, perMs: number) {
    this.#requests = requests;
    this.#perMs = perMs;
  }

  /** Resolves when one more request may start, and counts it. */
  acquire(): Promise<void> {
    // Chained so that waiters take their turns in order and never count the same slot twice.
    const turn = this.#queue.then(() => this.#take());
    this.#queue = turn.catch(() => {});
    return turn;
  }

  /** Holds every request until `ms` from now. */
  hold(ms: number): void {
    this.#holdUntil = Math.max(this.#holdUntil, Date.now() + ms);
  }

  async #take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.#starts.length > 0 && this.#starts[0]! <= now - this.#perMs) this.#starts.shift();
      let wait = this.#holdUntil - now;
      if (this.#starts.length >= this.#requests) wait = Math.max(wait, this.#starts[0]! + this.#perMs - now);
      if (wait <= 0) {
        this.#starts.push(now);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
