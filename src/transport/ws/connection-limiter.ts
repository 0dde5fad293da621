import { KeyedBuckets } from "../session/keyed-buckets.js";

/** A rate of new connections: `ratePerSec` (0 = unlimited) with bursts of `burst`. */
export interface ConnectRate {
  ratePerSec: number;
  burst: number;
}

/**
 * Admission of new WebSocket connections on this node: a rate of new
 * connections per client address (checked at the upgrade) and per user
 * (checked at authentication), and a cap on connections that have not
 * authenticated yet (from the upgrade until the session is open or closed).
 */
export class ConnectionLimiter {
  readonly #perIp: KeyedBuckets | null;
  readonly #perUser: KeyedBuckets | null;
  readonly #maxUnauthenticated: number;
  #unauthenticated = 0;

  constructor(options: { perIp: ConnectRate; perUser: ConnectRate; maxUnauthenticated: number }) {
    const buckets = (r: ConnectRate) =>
      r.ratePerSec > 0 ? new KeyedBuckets({ ratePerSec: r.ratePerSec, burst: Math.max(1, r.burst) }) : null;
    this.#perIp = buckets(options.perIp);
    this.#perUser = buckets(options.perUser);
    this.#maxUnauthenticated = options.maxUnauthenticated;
  }

  /** Counts a new connection from `ip`; false when that address is over its rate. */
  admitIp(ip: string): boolean {
    return this.#perIp?.take(ip) ?? true;
  }

  /** Counts a new session of `userId`; false when the user is over its rate. */
  admitUser(userId: string): boolean {
    return this.#perUser?.take(userId) ?? true;
  }

  /**
   * Takes one of the unauthenticated slots. Returns the function that gives it
   * back (call it when the session opens or the socket closes; calls after the
   * first do nothing), or null when every slot is taken.
   */
  takeUnauthenticated(): (() => void) | null {
    if (this.#unauthenticated >= this.#maxUnauthenticated) return null;
    this.#unauthenticated++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#unauthenticated--;
    };
  }

  /** Connections holding an unauthenticated slot now. */
  get unauthenticated(): number {
    return this.#unauthenticated;
  }
}
