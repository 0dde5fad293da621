/** Refusals are counted over windows of this length to tell a flood from a burst. */
export const FLOOD_WINDOW_MS = 10_000;

/**
 * Token bucket per connection: `ratePerSec` requests per second with bursts of
 * `burst`. `take()` says whether a request may run. Refused requests are
 * counted in a window that opens at the first refusal and lasts
 * `FLOOD_WINDOW_MS`; `flooding` turns true once more than `burst` were refused
 * within one window, however many were accepted in between (a paced flood
 * gets one request through now and then and must still be caught).
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;
  #windowStart = 0;
  #refusedInWindow = 0;

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
      return true;
    }
    if (this.#refusedInWindow === 0 || now - this.#windowStart > FLOOD_WINDOW_MS) {
      this.#windowStart = now;
      this.#refusedInWindow = 0;
    }
    this.#refusedInWindow++;
    return false;
  }

  /** More than `burst` requests were refused within the current window. */
  get flooding(): boolean {
    return this.#refusedInWindow > this.#burst;
  }
}
