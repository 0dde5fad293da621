import type { Logger } from "./logger.js";
import type { NotificationStore } from "./ports.js";

/**
 * The node's periodic chores: today, deleting expired notifications every
 * `purgeIntervalMs` (reads already hide them, so a late or failed purge only
 * costs space; a failure is logged and the next round tries again).
 */
export class Housekeeping {
  readonly #store: Pick<NotificationStore, "purgeExpired">;
  readonly #log: Logger;
  readonly #purgeIntervalMs: number;
  #purgeTimer: NodeJS.Timeout | undefined;

  constructor(options: { store: Pick<NotificationStore, "purgeExpired">; log: Logger; purgeIntervalMs: number }) {
    this.#store = options.store;
    this.#log = options.log;
    this.#purgeIntervalMs = options.purgeIntervalMs;
  }

  /** Starts the timers; they do not keep the process alive. */
  start(): void {
    this.#purgeTimer = setInterval(() => {
      this.#store.purgeExpired(new Date()).catch((err) => this.#log.warn({ err }, "purging expired notifications failed"));
    }, this.#purgeIntervalMs);
    this.#purgeTimer.unref();
  }

  stop(): void {
    clearInterval(this.#purgeTimer);
  }
}
