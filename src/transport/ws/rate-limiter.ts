/**
 * Token bucket per connection: `ratePerSec` requests per second with bursts of
 * `burst`. `take()` says whether a request may run; `floodStrikes` counts
 * refused requests since the bucket last had room, so a sustained flood can be
 * told apart from a burst.
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;
  floodStrikes = 0;

  constructor(options: { ratePerSec: number; burst: number; now?: number }) {
    this.#rate = options.ratePerSec;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#last = options.now ?? performance.now();
  }

  take(now = performance.now()): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.floodStrikes = 0;
      return true;
    }
    this.floodStrikes++;
    return false;
  }
}
