import type { AuthenticateResponse } from "../../../gen/herald/gateway/v1/envelope.js";
import { type Notification, type SystemEvent, SystemCode } from "../../../gen/herald/v1/notification.js";
import type { Emitter } from "./emitter.js";
import { seqNumber } from "./protocol.js";
import { type HeraldStorage, ResumeStore } from "./storage.js";
import type { HeraldEvents } from "./types.js";

/** How many delivered notification ids are remembered for dedupe. */
const SEEN_IDS = 10_000;

/**
 * The inbox stream's state: where to resume from, which notifications were
 * delivered already (by id, and by seq for persistent ones), and the unread
 * count, kept current from the authenticate reply, pushes, replies and sync
 * events.
 */
export class Inbox {
  readonly #events: Emitter<HeraldEvents>;
  readonly #storage: HeraldStorage;
  readonly #keyPrefix: string;
  #userId: string | null = null;
  #store: ResumeStore | null = null;
  /** The newest seq handed to the app (or the live start); null before the first session. */
  #lastSeq: number | null = null;
  /** The user's newest stored seq at the last authentication. */
  #authLastSeq = 0;
  #seen = new Set<string>();
  #unread = 0;

  constructor(events: Emitter<HeraldEvents>, storage: HeraldStorage, keyPrefix: string) {
    this.#events = events;
    this.#storage = storage;
    this.#keyPrefix = keyPrefix;
  }

  get unreadCount(): number {
    return this.#unread;
  }

  get userId(): string | null {
    return this.#userId;
  }

  /** The newest seq known to exist (delivered, or stored at authentication). */
  get newestSeq(): number {
    return Math.max(this.#lastSeq ?? 0, this.#authLastSeq);
  }

  /**
   * The resume point to authenticate with as `userId` (null: not known before
   * the reply): this client's own position, else the storage's, else none
   * (live only; the inbox is loaded with `list`).
   */
  resumePoint(userId: string | null): { lastSeq?: string; resume?: boolean } {
    if (userId !== null && userId !== this.#userId) this.#switchUser(userId);
    if (this.#lastSeq === null && this.#store) this.#lastSeq = this.#store.inboxSeq();
    return this.#lastSeq === null ? {} : { lastSeq: String(this.#lastSeq), resume: true };
  }

  /** The authenticate reply: runs before the resumed notifications that follow it. */
  onAuthenticated(reply: AuthenticateResponse): void {
    if (reply.userId !== this.#userId) this.#switchUser(reply.userId);
    const serverLast = seqNumber(reply.lastSeq);
    if (this.#lastSeq === null) {
      this.#lastSeq = serverLast;
      this.#store?.saveInboxSeq(serverLast);
    } else if (serverLast < this.#lastSeq) {
      // Our seq is not of this inbox (the server's store was reset): start again from its newest.
      this.#lastSeq = serverLast;
      this.#store?.reset("inbox", serverLast);
    }
    this.#authLastSeq = serverLast;
    this.setUnread(reply.unreadCount);
  }

  /** A pushed notification: handed to the app once (by id, and by seq for stored ones). */
  onNotification(n: Notification): void {
    if (this.#seen.has(n.id)) return;
    const seq = seqNumber(n.seq);
    if (seq > 0 && this.#lastSeq !== null && seq <= this.#lastSeq) return;
    this.#seen.add(n.id);
    if (this.#seen.size > SEEN_IDS) this.#seen.delete(this.#seen.values().next().value as string);
    this.#events.emit("notification", n);
    if (seq > 0) {
      this.#lastSeq = seq;
      this.#store?.saveInboxSeq(seq);
      // Stored after the authenticate reply counted the unread ones: a new unread one.
      if (seq > this.#authLastSeq && !n.readTime) this.setUnread(this.#unread + 1);
    }
  }

  /** A pushed system event: read/deleted elsewhere move the unread count and say which. */
  onSystemEvent(e: SystemEvent): void {
    this.#events.emit("system", e);
    if (e.code === SystemCode.SYSTEM_CODE_READ_ELSEWHERE) {
      this.setUnread(e.unreadCount);
      const upTo = seqNumber(e.upToSeq);
      this.#events.emit("read", upTo > 0 ? { ids: e.notificationIds, upToSeq: e.upToSeq } : { ids: e.notificationIds });
    } else if (e.code === SystemCode.SYSTEM_CODE_DELETED_ELSEWHERE) {
      this.setUnread(e.unreadCount);
      this.#events.emit("deleted", { ids: e.notificationIds });
    }
  }

  setUnread(count: number): void {
    const n = Math.max(0, count | 0);
    if (n === this.#unread) return;
    this.#unread = n;
    this.#events.emit("unread", n);
  }

  #switchUser(userId: string): void {
    this.#userId = userId;
    this.#store = new ResumeStore(this.#storage, this.#keyPrefix, userId);
    this.#lastSeq = null;
    this.#authLastSeq = 0;
    this.#seen = new Set();
  }

  /** The storage of the current user's resume points (null before the first session). */
  get store(): ResumeStore | null {
    return this.#store;
  }
}
