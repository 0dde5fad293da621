import { setImmediate as nextMacrotask } from "node:timers/promises";
import { uuidv7 } from "./uuid7.js";
import type { CursorCodec } from "./cursor.js";
import { HeraldError } from "./errors.js";
import { Limits } from "./limits.js";
import type { Logger } from "./logger.js";
import type {
  InboxPage,
  ListDirection,
  MarkReadTarget,
  Notification,
  OutgoingNotification,
  SendResult,
  SystemCode,
  SystemFilter,
} from "./notification.js";
import { SystemCode as Codes } from "./notification.js";
import type { Broker, NewNotification, NotificationStore } from "./ports.js";
import { userTopic } from "./topic.js";
import { SendCoalescer } from "./send-coalescer.js";
import { checkNotificationIds, checkSend, checkUserId } from "./validate.js";

/** Recipients above which a send yields to the event loop between its stages. */
const LARGE_SEND = 1000;

/** A listing request as a transport hands it over (cursor still opaque). */
export interface ListRequest {
  limit: number;
  cursor: string;
  direction: ListDirection;
  unreadOnly: boolean;
  systemFilter: SystemFilter;
}

/** Who asked for a change, so that the state-sync event skips the asking connection. */
export interface Origin {
  sessionId?: string;
}

/**
 * The inbox use cases, shared by gRPC and WebSocket: send, list, mark read,
 * delete, acknowledge, count, the reads a session's stream needs, and the
 * system notifications other services leave in an inbox (`emitSystem`).
 * Operator actions are ModerationService's; the purge timer is Housekeeping's.
 * Persistent sends are committed before they are published; a publish failure
 * never loses a stored notification (connections catch up from the store).
 */
export class InboxService {
  readonly #store: NotificationStore;
  readonly #bus: Broker;
  readonly #cursors: CursorCodec;
  readonly #coalescer: SendCoalescer;
  readonly #log: Logger;

  constructor(options: {
    store: NotificationStore;
    bus: Broker;
    cursors: CursorCodec;
    logger: Logger;
    maxBatchRows?: number;
    maxBatchesInFlight?: number;
  }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#cursors = options.cursors;
    this.#log = options.logger;
    this.#coalescer = new SendCoalescer({
      store: options.store,
      maxRows: options.maxBatchRows,
      maxInFlight: options.maxBatchesInFlight,
    });
  }

  /**
   * Validates, stores the persistent ones (see SendCoalescer: atomically up to
   * its batch size, in parts above), then publishes all. A large send yields
   * to the event loop between its stages, so that its per-recipient work
   * never holds other users' sends and pushes for long.
   */
  async send(list: OutgoingNotification[]): Promise<SendResult[]> {
    const now = new Date();
    checkSend(list, now);
    const large = list.reduce((n, o) => n + o.userIds.length, 0) > LARGE_SEND;
    if (large) await nextMacrotask();
    const results: SendResult[] = [];
    const rows: NewNotification[] = [];
    const rowAt: number[] = [];
    const pushed: Notification[] = [];
    list.forEach((n, index) => {
      for (const userId of n.userIds) {
        const id = uuidv7();
        results.push({ index, userId, notificationId: id, seq: 0, duplicate: false });
        if (n.persistent) {
          rowAt.push(results.length - 1);
          rows.push({
            id,
            userId,
            code: n.code,
            subject: n.subject,
            content: n.content,
            senderId: n.senderId,
            createdAt: now,
            expireAt: n.expireAt,
            idempotencyKey: n.idempotencyKey,
          });
        } else {
          pushed.push(this.#build(id, userId, n, now, 0, false));
        }
      }
    });
    if (large) await nextMacrotask();
    const stored = await this.#coalescer.store(rows);
    if (large) await nextMacrotask();
    stored.forEach((o, i) => {
      const r = results[rowAt[i]!]!;
      r.notificationId = o.id;
      r.seq = o.seq;
      r.duplicate = o.duplicate;
      if (!o.duplicate) pushed.push(this.#build(o.id, r.userId, list[r.index]!, now, o.seq, true));
    });
    await this.#publishAll(pushed);
    if (large) await nextMacrotask();
    return results;
  }

  async list(userId: string, req: ListRequest, field = "query"): Promise<InboxPage> {
    checkUserId("user_id", userId);
    const limit = req.limit === 0 ? Limits.defaultPageSize : req.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > Limits.maxPageSize)
      throw HeraldError.invalid(`${field}.limit`, `must be between 1 and ${Limits.maxPageSize}`);
    const position = req.cursor === "" ? 0 : this.#cursors.decode(`${field}.cursor`, req.cursor, userId, req.direction);
    const rows = await this.#store.list(userId, {
      limit: limit + 1,
      direction: req.direction,
      position,
      unreadOnly: req.unreadOnly,
      systemFilter: req.systemFilter,
    });
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    if (req.direction === "forward") {
      return {
        notifications: page,
        nextCursor: this.#cursors.encode(userId, "forward", last ? last.seq : position),
        syncCursor: "",
        hasMore,
      };
    }
    return {
      notifications: page,
      nextCursor: hasMore && last ? this.#cursors.encode(userId, "backward", last.seq) : "",
      syncCursor: req.cursor === "" ? this.#cursors.encode(userId, "forward", page[0]?.seq ?? (await this.#store.lastSeq(userId))) : "",
      hasMore,
    };
  }

  async delete(userId: string, ids: string[], origin: Origin = {}, field = "ids") {
    checkUserId("user_id", userId);
    const checked = checkNotificationIds(field, ids);
    const deleted = await this.#store.deleteByIds(userId, checked);
    const unreadCount = await this.#store.unreadCount(userId);
    if (deleted.length > 0) this.#sync(userId, Codes.DELETED_ELSEWHERE, { notificationIds: deleted, unreadCount }, origin);
    return { deletedIds: deleted, unreadCount };
  }

  async markRead(userId: string, target: MarkReadTarget, origin: Origin = {}, field = "ids") {
    checkUserId("user_id", userId);
    const checked: MarkReadTarget = "ids" in target ? { ids: checkNotificationIds(field, target.ids) } : target;
    const changed = await this.#store.markRead(userId, checked);
    const unreadCount = await this.#store.unreadCount(userId);
    if (changed.count > 0)
      this.#sync(
        userId,
        Codes.READ_ELSEWHERE,
        { notificationIds: changed.ids, upToSeq: "upToSeq" in checked ? checked.upToSeq : 0, unreadCount },
        origin,
      );
    return { updatedCount: changed.count, updatedIds: changed.ids, unreadCount };
  }

  async ack(userId: string, ids: string[], field = "notification_ids"): Promise<number> {
    checkUserId("user_id", userId);
    return this.#store.ack(userId, checkNotificationIds(field, ids));
  }

  async unreadCount(userId: string): Promise<number> {
    checkUserId("user_id", userId);
    return this.#store.unreadCount(userId);
  }

  /**
   * A stream's catch-up read: the user's persistent notifications with a seq
   * above `afterSeq`, in seq order, at most `limit` (expired and deleted ones
   * are skipped, leaving gaps). `userId` is a verified session's user.
   */
  readAfter(userId: string, afterSeq: number, limit: number): Promise<Notification[]> {
    return this.#store.listAfter(userId, afterSeq, limit);
  }

  /** What a new session starts from: the user's newest seq and unread count, read together. */
  async sessionState(userId: string): Promise<{ lastSeq: number; unreadCount: number }> {
    return this.#store.sessionState(userId);
  }

  /**
   * Where a connection that names no resume point resumes when its protocol
   * acknowledges deliveries (Socket.IO): after the newest acknowledged
   * notification, or null (live only) when the user never acknowledged one.
   */
  async acknowledgedResumePoint(userId: string): Promise<number | null> {
    const seq = await this.#store.lastAcknowledgedSeq(userId);
    return seq > 0 ? seq : null;
  }

  /** Stores and publishes a server-emitted system notification (code <= 0). */
  async emitSystem(userId: string, code: SystemCode, reason: string): Promise<string> {
    const now = new Date();
    const id = uuidv7();
    const content = reason === "" ? {} : { reason };
    const [o] = await this.#coalescer.store([
      { id, userId, code, subject: "", content, senderId: "", createdAt: now, expireAt: null, idempotencyKey: "" },
    ]);
    const n = this.#build(id, userId, { code, subject: "", content, senderId: "", expireAt: null }, now, o!.seq, true);
    await this.#publishAll([n]);
    return id;
  }

  /**
   * Stores one system notification (code <= 0) per user, sharing one content
   * object (stored once per batch), and publishes them. Returns how many.
   */
  async emitSystemMany(userIds: string[], code: SystemCode, content: Record<string, unknown>): Promise<number> {
    if (userIds.length === 0) return 0;
    const now = new Date();
    const rows = userIds.map((userId) => ({
      id: uuidv7(),
      userId,
      code,
      subject: "",
      content,
      senderId: "",
      createdAt: now,
      expireAt: null,
      idempotencyKey: "",
    }));
    const outcomes = await this.#coalescer.store(rows);
    const list = rows.map((r, i) => this.#build(r.id, r.userId, r, now, outcomes[i]!.seq, true));
    await this.#publishAll(list);
    return list.length;
  }

  #build(
    id: string,
    userId: string,
    n: Pick<OutgoingNotification, "code" | "subject" | "content" | "senderId" | "expireAt">,
    now: Date,
    seq: number,
    persistent: boolean,
  ): Notification {
    return {
      id,
      userId,
      seq,
      code: n.code,
      subject: n.subject,
      content: n.content,
      senderId: n.senderId,
      persistent,
      createdAt: now,
      readAt: null,
      expireAt: n.expireAt,
      ackAt: null,
    };
  }

  /**
   * Persistent notifications are already committed: a failed publish is logged
   * and repaired by the catch-up from the store. Ephemeral ones exist nowhere
   * else, so their failed publish fails the call (`unavailable`).
   */
  async #publishAll(list: Notification[]): Promise<void> {
    if (list.length === 0) return;
    const failed = await this.#bus.publishNotifications(list);
    let ephemeralLost = false;
    for (const n of failed) {
      if (n.persistent) this.#log.warn({ userId: n.userId, seq: n.seq }, "publish failed; connections will catch up from the store");
      else ephemeralLost = true;
    }
    if (ephemeralLost) throw new HeraldError("unavailable", "fan-out unavailable: ephemeral notifications were not delivered");
  }

  #sync(
    userId: string,
    code: SystemCode,
    data: { notificationIds: string[]; upToSeq?: number; unreadCount: number },
    origin: Origin,
  ): void {
    this.#bus
      .publish(userTopic(userId), {
        kind: "system_event",
        exceptSessionId: origin.sessionId ?? "",
        event: {
          code,
          reason: "",
          notificationIds: data.notificationIds,
          upToSeq: data.upToSeq ?? 0,
          unreadCount: data.unreadCount,
          time: new Date(),
        },
      })
      .catch((err) => this.#log.warn({ err, userId }, "state-sync publish failed"));
  }
}
