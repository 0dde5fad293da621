interface Bucket {
  level: number;
  at: number;
}

/**
 * Token buckets by key (a user id, a client address): each refills at
 * `ratePerSec` up to `burst`. A key without an entry has a full bucket, so an
 * entry whose bucket has refilled is dropped (checked at most every
 * `sweepEveryMs`, on use): memory is bounded by the keys active within the
 * last `burst / ratePerSec` seconds plus one sweep period. `charge` may take a
 * bucket below zero (a debt, for costs known only afterwards); it refills
 * from there at the same rate.
 */
export class KeyedBuckets {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #sweepEveryMs: number;
  readonly #buckets = new Map<string, Bucket>();
  #lastSweep: number;

  constructor(options: { ratePerSec: number; burst: number; now?: () => number; sweepEveryMs?: number }) {
    if (!(options.ratePerSec > 0) || !(options.burst > 0)) throw new RangeError("ratePerSec and burst must be positive");
    this.#rate = options.ratePerSec;
    this.#burst = options.burst;
    this.#now = options.now ?? (() => performance.now());
    this.#sweepEveryMs = options.sweepEveryMs ?? 10_000;
    this.#lastSweep = this.#now();
  }

  /** The key's current level (`burst` for an unknown key; negative while in debt). */
  level(key: string): number {
    const now = this.#now();
    this.#maybeSweep(now);
    const b = this.#buckets.get(key);
    return b ? this.#refilled(b, now) : this.#burst;
  }

  /** Takes `n` if the bucket holds at least that much; says whether it did. */
  take(key: string, n = 1): boolean {
    if (this.level(key) < n) return false;
    this.charge(key, n);
    return true;
  }

  /** Takes `n` whatever the level (it may go below zero). */
  charge(key: string, n: number): void {
    const now = this.#now();
    this.#maybeSweep(now);
    const b = this.#buckets.get(key);
    const level = (b ? this.#refilled(b, now) : this.#burst) - n;
    if (b) {
      b.level = level;
      b.at = now;
    } else {
      this.#buckets.set(key, { level, at: now });
    }
  }

  /** Milliseconds until the key's level is above zero (0 if it is already). */
  msUntilPositive(key: string): number {
    const level = this.level(key);
    return level > 0 ? 0 : Math.ceil((-level / this.#rate) * 1000) + 1;
  }

  /** Keys with an entry (those not yet refilled to `burst`). */
  get size(): number {
    return this.#buckets.size;
  }

  #refilled(b: Bucket, now: number): number {
    return Math.min(this.#burst, b.level + ((now - b.at) / 1000) * this.#rate);
  }

  #maybeSweep(now: number): void {
    if (now - this.#lastSweep < this.#sweepEveryMs) return;
    this.#lastSweep = now;
    for (const [key, b] of this.#buckets) if (this.#refilled(b, now) >= this.#burst) this.#buckets.delete(key);
  }
}
