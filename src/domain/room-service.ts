import type { CursorCodec } from "./cursor.js";
import { HeraldError } from "./errors.js";
import { Limits } from "./limits.js";
import type { Logger } from "./logger.js";
import type { ListDirection } from "./notification.js";
import type { InboxService } from "./inbox-service.js";
import type { Broker, PresenceDirectory } from "./ports.js";
import { RoomAnnouncer } from "./room-announcer.js";
import type { Actor, OutgoingRoomMessage, PublishResult, Room, RoomEvent, RoomMessagePage, RoomOptions, RoomPresence } from "./room.js";
import type { NewRoomMessage, PresenceStore, RoomStore, StoredRoomMessage } from "./room-ports.js";
import { Coalescer } from "./send-coalescer.js";
import { checkMessageId, checkPublish, checkRoomId, checkRoomOptions, checkTags, checkUserIds } from "./room-validate.js";
import { roomTopic } from "./topic.js";
import { uuidv7 } from "./uuid7.js";
import { messageEvent } from "./room.js";
import { checkJsonObject, checkSeq, checkUserId } from "./validate.js";

/** A history request as a transport hands it over (cursor still opaque). */
export interface RoomListRequest {
  limit: number;
  cursor: string;
  direction: ListDirection;
  afterSeq: number;
}

/**
 * The room use cases, shared by gRPC (a backend: trusted) and WebSocket
 * sessions (a user: held to the room's options and membership). Persistent
 * events are committed before they are published; a failed publish is logged
 * and repaired by subscribers' catch-up from the store.
 */
export class RoomService {
  readonly #store: RoomStore;
  readonly #presence: PresenceStore;
  readonly #broker: Broker;
  readonly #cursors: CursorCodec;
  readonly #log: Logger;
  readonly #announcer: RoomAnnouncer;
  /** Concurrent publishes become one insert (one transaction per batch, not per call). */
  readonly #writes: Coalescer<NewRoomMessage, StoredRoomMessage>;

  /** `inbox` and `directory` serve rooms with `notifyOffline` (who is connected, and their inbox). */
  constructor(options: {
    store: RoomStore;
    presence: PresenceStore;
    broker: Broker;
    cursors: CursorCodec;
    logger: Logger;
    inbox: Pick<InboxService, "emitSystemMany">;
    directory: Pick<PresenceDirectory, "connectedAmong">;
    /** Publish batches written at once (1 on PGlite, a few on Postgres). */
    maxBatchesInFlight?: number;
  }) {
    this.#store = options.store;
    this.#presence = options.presence;
    this.#broker = options.broker;
    this.#cursors = options.cursors;
    this.#log = options.logger;
    this.#announcer = new RoomAnnouncer({ ...options, members: options.store });
    this.#writes = new Coalescer({
      insert: (rows) => options.store.insertMessages(rows),
      maxRows: Limits.maxRoomMessagesPerPublish,
      maxInFlight: options.maxBatchesInFlight,
    });
  }

  create(roomId: string, options: RoomOptions): Promise<Room> {
    checkRoomId("room_id", roomId);
    return this.#store.create(roomId, checkRoomOptions("options", options), new Date());
  }

  /**
   * Replaces the options; they apply to the next join, publish and edit. A
   * room that becomes members-only ends the open subscriptions of non-members
   * on every node (`not_allowed`); a failed publish of that fails the call
   * (`unavailable`; the options are stored, a retry publishes it again).
   */
  async update(roomId: string, options: RoomOptions): Promise<Room> {
    checkRoomId("room_id", roomId);
    const room = await this.#store.update(roomId, checkRoomOptions("options", options), new Date());
    if (room.options.joinPolicy === "members") await this.#endSubscriptions(roomId, [], "not_allowed", true);
    return room;
  }

  /** Which of `userIds` are members of the room (a node checking its own subscribers). */
  membersAmong(roomId: string, userIds: string[]): Promise<Set<string>> {
    return this.#store.membersAmong(roomId, userIds);
  }

  async delete(roomId: string): Promise<void> {
    checkRoomId("room_id", roomId);
    if (!(await this.#store.delete(roomId))) throw new HeraldError("not_found", `room ${roomId} not found`);
    await this.#endSubscriptions(roomId, [], "room_deleted");
  }

  async get(roomId: string): Promise<Room> {
    checkRoomId("room_id", roomId);
    const room = await this.#store.get(roomId);
    if (!room) throw new HeraldError("not_found", `room ${roomId} not found`);
    return room;
  }

  addMembers(roomId: string, userIds: string[]): Promise<number> {
    checkRoomId("room_id", roomId);
    return this.#store.addMembers(roomId, checkUserIds("user_ids", userIds, Limits.maxIdsPerCall), new Date());
  }

  /** Removes members; their subscriptions end on every node (`removed`). */
  async removeMembers(roomId: string, userIds: string[]): Promise<number> {
    await this.get(roomId);
    const ids = checkUserIds("user_ids", userIds, Limits.maxIdsPerCall);
    const removed = await this.#store.removeMembers(roomId, ids);
    const room = await this.#store.get(roomId);
    // In an open room a removed member may stay subscribed; in a members-only room they may not. Every
    // given user's subscriptions end, members or not: a retry after a failed publish ends them then.
    if (room?.options.joinPolicy !== "open") await this.#endSubscriptions(roomId, ids, "removed");
    return removed.length;
  }

  async listMembers(roomId: string, limit: number, cursor: string): Promise<{ userIds: string[]; nextCursor: string }> {
    await this.get(roomId);
    const n = limit === 0 ? Limits.defaultMembersPage : limit;
    if (!Number.isInteger(n) || n < 1 || n > Limits.maxMembersPage)
      throw HeraldError.invalid("limit", `must be between 1 and ${Limits.maxMembersPage}`);
    const after = cursor === "" ? "" : Buffer.from(cursor, "base64url").toString("utf8");
    if (cursor !== "") checkUserId("cursor", after);
    const ids = await this.#store.listMembers(roomId, after, n + 1);
    const more = ids.length > n;
    const page = more ? ids.slice(0, n) : ids;
    return { userIds: page, nextCursor: more ? Buffer.from(page[page.length - 1]!, "utf8").toString("base64url") : "" };
  }

  /** Ends a user's subscriptions to a room on every node (`unsubscribed`). */
  async unsubscribeUser(roomId: string, userId: string): Promise<void> {
    checkRoomId("room_id", roomId);
    checkUserId("user_id", userId);
    await this.get(roomId);
    await this.#broker.publish(roomTopic(roomId), { kind: "end_subscriptions", roomId, userIds: [userId], reason: "unsubscribed" });
  }

  /**
   * Publishes a batch: persistent messages are stored atomically (each its
   * room's next seq), then every message is published on its room's topic.
   * A user may publish only where the room lets members publish.
   */
  async publish(list: OutgoingRoomMessage[], actor: Actor = { kind: "backend" }): Promise<PublishResult[]> {
    checkPublish(list);
    const rooms = new Map<string, Room>();
    for (const roomId of new Set(list.map((m) => m.roomId)))
      rooms.set(roomId, actor.kind === "user" ? await this.#mayPublish(roomId, actor.userId) : await this.get(roomId));
    const now = new Date();
    const rows: NewRoomMessage[] = list.map((m) => ({ ...m, id: uuidv7(), createdAt: now }));
    const persistent = rows.filter((r) => r.persistent);
    const stored = await this.#writes.store(persistent);
    let next = 0;
    const results: PublishResult[] = [];
    const events: RoomEvent[] = [];
    rows.forEach((r, index) => {
      if (!r.persistent) {
        results.push({ index, messageId: r.id, seq: 0, duplicate: false });
        events.push(messageEvent(r, 0, now));
        return;
      }
      const s = stored[next++]!;
      results.push({ index, messageId: s.id, seq: s.seq, duplicate: s.duplicate });
      if (!s.duplicate) events.push(messageEvent({ ...r, id: s.id }, s.seq, now));
    });
    await this.#publishEvents(events);
    for (const e of events) if (e.persistent) this.#announcer.announce(e.message, rooms.get(e.roomId)!);
    return results;
  }

  /** Replaces a message's content and tags: a `message_update` event. */
  async updateMessage(
    roomId: string,
    messageId: string,
    content: Record<string, unknown>,
    tags: Record<string, string>,
    actor: Actor = { kind: "backend" },
    fields = { content: "content", tags: "tags", messageId: "message_id" },
  ): Promise<number> {
    checkJsonObject(fields.content, content, Limits.maxContentBytes);
    checkTags(fields.tags, tags);
    return this.#change(roomId, checkMessageId(fields.messageId, messageId), "message_update", content, tags, actor);
  }

  /** Makes a message a tombstone: a `message_delete` event. */
  deleteMessage(roomId: string, messageId: string, actor: Actor = { kind: "backend" }, field = "message_id"): Promise<number> {
    return this.#change(roomId, checkMessageId(field, messageId), "message_delete", {}, {}, actor);
  }

  async listMessages(roomId: string, req: RoomListRequest, field = "query"): Promise<RoomMessagePage> {
    checkRoomId("room_id", roomId);
    const limit = req.limit === 0 ? Limits.defaultPageSize : req.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > Limits.maxPageSize)
      throw HeraldError.invalid(`${field}.limit`, `must be between 1 and ${Limits.maxPageSize}`);
    const key = `room:${roomId}`;
    let position = req.cursor === "" ? 0 : this.#cursors.decode(`${field}.cursor`, req.cursor, key, req.direction);
    if (req.cursor === "" && req.direction === "forward") position = checkSeq(`${field}.after_seq`, req.afterSeq);
    await this.get(roomId);
    const rows = await this.#store.listMessages(roomId, req.direction, position, limit + 1);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    if (req.direction === "forward")
      return { messages: page, nextCursor: this.#cursors.encode(key, "forward", last ? last.seq : position) };
    return { messages: page, nextCursor: more && last ? this.#cursors.encode(key, "backward", last.seq) : "" };
  }

  /** A subscription's catch-up: stored events after `afterSeq`, oldest first. */
  readAfter(roomId: string, afterSeq: number, limit: number): Promise<RoomEvent[]> {
    return this.#store.eventsAfter(roomId, afterSeq, limit);
  }

  /**
   * The room a user may join: `not_found` when missing, `permission_denied`
   * for a non-member of a members-only room.
   */
  async joinable(roomId: string, userId: string, field = "room_id"): Promise<Room> {
    checkRoomId(field, roomId);
    const room = await this.#store.get(roomId);
    if (!room) throw new HeraldError("not_found", `room ${roomId} not found`, { field });
    if (room.options.joinPolicy === "members" && !(await this.#store.isMember(roomId, userId)))
      throw new HeraldError("permission_denied", "not a member of this room", { field });
    return room;
  }

  async presence(roomId: string): Promise<RoomPresence> {
    const room = await this.get(roomId);
    if (!room.options.presence) return { roomId, users: [], userCount: 0 };
    const p = await this.#presence.get(roomId, 1000);
    return { roomId, users: p.users, userCount: p.userCount };
  }

  /**
   * One subscription of a presence room started (delta 1) or ended (-1) on
   * `nodeId`; when the user's presence changed (first join, last leave, over
   * every node), the room's subscribers are told, with the distinct user count.
   */
  async presenceChange(
    roomId: string,
    userId: string,
    nodeId: string,
    delta: 1 | -1,
    volatile: Record<string, unknown> | null,
  ): Promise<void> {
    const { changed, userCount } = await this.#presence.change(roomId, userId, nodeId, delta);
    if (!changed) return;
    await this.#broker.publish(roomTopic(roomId), { kind: "presence", roomId, userId, joined: delta === 1, userCount, volatile });
  }

  /** A typing indicator (ephemeral, never stored); the session that sent it is not told. */
  async typing(roomId: string, userId: string, typing: boolean, sessionId: string): Promise<void> {
    await this.#broker.publish(roomTopic(roomId), { kind: "typing", roomId, userId, typing, exceptSessionId: sessionId });
  }

  async #mayPublish(roomId: string, userId: string): Promise<Room> {
    const room = await this.joinable(roomId, userId, "room_id");
    if (!room.options.membersCanPublish) throw new HeraldError("permission_denied", "members may not publish in this room");
    return room;
  }

  async #change(
    roomId: string,
    messageId: string,
    kind: "message_update" | "message_delete",
    content: Record<string, unknown>,
    tags: Record<string, string>,
    actor: Actor,
  ): Promise<number> {
    checkRoomId("room_id", roomId);
    if (actor.kind === "user") {
      const room = await this.joinable(roomId, actor.userId);
      if (!room.options.membersCanEdit) throw new HeraldError("permission_denied", "members may not edit messages in this room");
    }
    const event = await this.#store.changeMessage({ roomId, messageId, kind, content, tags, now: new Date() }, (current) => {
      if (actor.kind === "user" && current.senderId !== actor.userId)
        throw new HeraldError("permission_denied", "only the sender may change this message");
    });
    await this.#publishEvents([event]);
    return event.seq;
  }

  /** Publishes events (in order per room) and tells members who are not subscribed; failures are logged. */
  async #publishEvents(events: RoomEvent[]): Promise<void> {
    let ephemeralLost = false;
    await Promise.all(
      events.map((event) =>
        this.#broker.publish(roomTopic(event.roomId), { kind: "room_event", event }).catch((err) => {
          if (event.persistent) this.#log.warn({ err, roomId: event.roomId, seq: event.seq }, "room publish failed; subscribers catch up");
          else ephemeralLost = true;
        }),
      ),
    );
    if (ephemeralLost) throw new HeraldError("unavailable", "fan-out unavailable: ephemeral messages were not delivered");
  }

  /**
   * Ends subscriptions on every node. A failed publish fails the call
   * (`unavailable`): the change is stored, and its retry publishes again.
   * Nodes that were cut off from the others re-check their subscriptions when
   * the link is back (RoomSubscription.resync).
   */
  async #endSubscriptions(
    roomId: string,
    userIds: string[],
    reason: "removed" | "room_deleted" | "not_allowed",
    nonMembersOnly = false,
  ): Promise<void> {
    try {
      await this.#broker.publish(roomTopic(roomId), { kind: "end_subscriptions", roomId, userIds, reason, nonMembersOnly });
    } catch (err) {
      this.#log.warn({ err, roomId }, "ending subscriptions failed");
      throw new HeraldError("unavailable", "stored, but the room's subscribers could not be told; retry the call");
    }
  }
}
