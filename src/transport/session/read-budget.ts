import { HeraldError } from "../../domain/errors.js";
import { KeyedBuckets } from "./keyed-buckets.js";

/** The longest a paced read sleeps before looking again whether its connection is still open. */
const MAX_PACE_SLEEP_MS = 250;

const NOT_YET = Symbol("not yet");

/**
 * What WebSocket clients may read from the store, per user on this node: a
 * token bucket in bytes (`bytesPerSec`, bursts of `burstBytes`) shared by all
 * of the user's connections, for `list` requests and for catch-up (resume,
 * gap fill, resync). A read runs only while the user's bucket is above zero
 * and is then charged what it actually read, so the bucket may go into debt
 * by at most one read; over time a user gets `bytesPerSec`. One user's reads
 * run one at a time, so a user never holds more than one database connection
 * for them, however many connections it opens.
 */
export class ReadBudget {
  readonly #buckets: KeyedBuckets;
  readonly #bytesPerSec: number;
  /** Per user: settles when the last queued read has run (the queue of one-at-a-time reads). */
  readonly #tails = new Map<string, Promise<void>>();

  constructor(options: { bytesPerSec: number; burstBytes: number; now?: () => number }) {
    this.#bytesPerSec = options.bytesPerSec;
    this.#buckets = new KeyedBuckets({ ratePerSec: options.bytesPerSec, burst: options.burstBytes, now: options.now });
  }

  /**
   * A client's request: runs `read` and charges `cost(result)` bytes, or
   * throws `resource_exhausted` at once while the user's budget is spent.
   */
  async request<T>(userId: string, read: () => Promise<T>, cost: (result: T) => number): Promise<T> {
    return this.#exclusive(userId, async () => {
      const wait = this.#buckets.msUntilPositive(userId);
      if (wait > 0) {
        const sec = Math.max(1, Math.ceil((wait - 1) / 1000));
        throw new HeraldError("resource_exhausted", `read budget of ${this.#bytesPerSec} bytes/s for this user spent; retry in ${sec} s`);
      }
      const result = await read();
      this.#buckets.charge(userId, cost(result));
      return result;
    });
  }

  /**
   * Catch-up: waits until the user's budget is above zero, then runs `read`
   * and charges `cost(result)`. Resolves `undefined`, without reading, once
   * `cancelled()` is true (the connection closed while it waited).
   */
  async paced<T>(userId: string, read: () => Promise<T>, cost: (result: T) => number, cancelled: () => boolean): Promise<T | undefined> {
    for (;;) {
      const wait = this.#buckets.msUntilPositive(userId);
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, MAX_PACE_SLEEP_MS)));
      if (cancelled()) return undefined;
      if (wait > 0) continue;
      const result = await this.#exclusive(userId, async () => {
        // Another read may have spent the budget while this one was queued.
        if (cancelled()) return undefined;
        if (this.#buckets.msUntilPositive(userId) > 0) return NOT_YET;
        const r = await read();
        this.#buckets.charge(userId, cost(r));
        return r;
      });
      if (result !== NOT_YET) return result as T | undefined;
    }
  }

  /** Runs `fn` after the user's earlier reads have finished. */
  async #exclusive<T>(userId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(userId);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = prev ? prev.then(() => mine) : mine;
    this.#tails.set(userId, tail);
    try {
      if (prev) await prev;
      return await fn();
    } finally {
      done();
      if (this.#tails.get(userId) === tail) this.#tails.delete(userId);
    }
  }
}
