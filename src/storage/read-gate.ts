import { HeraldError } from "../domain/errors.js";

/**
 * Bounds how many store reads (list, resume, counts) run at once, so that
 * reads can never hold every database connection: with a pool of N and at
 * most N - 2 reads, a write (a send, mark read, ban) always finds a connection
 * instead of queueing behind a flood of reads. On PGlite (one connection) the
 * bound keeps at most `max` reads queued on the connection ahead of a write.
 * A read that waits longer than `timeoutMs` for its turn fails `unavailable`
 * (as a read that cannot get a connection does).
 */
export class ReadGate {
  readonly #max: number;
  readonly #timeoutMs: number;
  readonly #waiting: Waiter[] = [];
  #running = 0;

  constructor(options: { max: number; timeoutMs: number }) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError("ReadGate max must be a positive integer");
    this.#max = options.max;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Runs `fn` once fewer than `max` reads are running. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#max) await this.#turn();
    else this.#running++;
    try {
      return await fn();
    } finally {
      this.#release();
    }
  }

  /** Resolves once a slot was handed over (the slot is already counted). */
  #turn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = performance.now() + this.#timeoutMs;
      const waiter: Waiter = {
        deadline,
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
        refuse: () => {
          clearTimeout(timer);
          reject(new HeraldError("unavailable", "database busy: too many reads waiting"));
        },
      };
      const timer = setTimeout(() => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
        waiter.refuse();
      }, this.#timeoutMs);
      this.#waiting.push(waiter);
    });
  }

  #release(): void {
    // The slot passes straight to the next read that has not waited too long.
    // Checked here too: PGlite answers without yielding, so the timer may not have run.
    const now = performance.now();
    for (let next = this.#waiting.shift(); next; next = this.#waiting.shift()) {
      if (now <= next.deadline) return next.grant();
      next.refuse();
    }
    this.#running--;
  }
}

interface Waiter {
  deadline: number;
  grant(): void;
  refuse(): void;
}
