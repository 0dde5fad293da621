import type { Logger } from "./logger.js";
import type { NotificationStore } from "./ports.js";
import type { RoomStore } from "./room-ports.js";

/** Room messages purged per statement: a long purge runs in slices, never one long lock. */
const ROOM_PURGE_SLICE = 1000;

/**
 * The node's periodic chores, every `purgeIntervalMs`: deleting expired
 * notifications (reads already hide them, so a late or failed purge only
 * costs space) and the room messages past their room's retention, in slices
 * of 1,000 until none is left. A failure is logged and the next round tries again.
 */
export class Housekeeping {
  readonly #store: Pick<NotificationStore, "purgeExpired">;
  readonly #rooms: Pick<RoomStore, "purgeExpired">;
  readonly #log: Logger;
  readonly #purgeIntervalMs: number;
  #purgeTimer: NodeJS.Timeout | undefined;
  /** A room purge is running: the next tick does not start another. */
  #purgingRooms = false;

  constructor(options: {
    store: Pick<NotificationStore, "purgeExpired">;
    rooms: Pick<RoomStore, "purgeExpired">;
    log: Logger;
    purgeIntervalMs: number;
  }) {
    this.#store = options.store;
    this.#rooms = options.rooms;
    this.#log = options.log;
    this.#purgeIntervalMs = options.purgeIntervalMs;
  }

  /** Starts the timers; they do not keep the process alive. */
  start(): void {
    this.#purgeTimer = setInterval(() => {
      this.#store.purgeExpired(new Date()).catch((err) => this.#log.warn({ err }, "purging expired notifications failed"));
      this.#purgeRooms().catch((err) => this.#log.warn({ err }, "purging room history failed"));
    }, this.#purgeIntervalMs);
    this.#purgeTimer.unref();
  }

  stop(): void {
    clearInterval(this.#purgeTimer);
  }

  async #purgeRooms(): Promise<void> {
    if (this.#purgingRooms) return;
    this.#purgingRooms = true;
    try {
      const now = new Date();
      while ((await this.#rooms.purgeExpired(now, ROOM_PURGE_SLICE)) === ROOM_PURGE_SLICE) {}
    } finally {
      this.#purgingRooms = false;
    }
  }
}
