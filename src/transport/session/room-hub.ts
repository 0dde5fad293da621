import type { Logger } from "../../domain/logger.js";
import type { Broker, RoomTopicEvent, Subscription, TopicEvent } from "../../domain/ports.js";
import type { RoomEvent, UnsubscribeReason } from "../../domain/room.js";
import { roomTopic } from "../../domain/topic.js";
import { afterDocument, beforeDocument } from "../../domain/filter-documents.js";
import type { Filter } from "../../domain/filter/filter.js";
import { FilterIndex } from "../../domain/filter/filter-index.js";
import { presenceBody, SharedPush, typingBody, type UsersOption } from "./room-frames.js";
import { SeqReorder } from "./seq-reorder.js";
import { TypingTracker } from "./typing-tracker.js";

/** What the hub needs of one room subscription of a session on this node. */
export interface RoomListener {
  readonly roomId: string;
  readonly userId: string;
  readonly sessionId: string;
  /** Which `presence_event` pushes it asked for at the join. */
  readonly users: UsersOption;
  /** Its filter (null: none); the hub indexes it to find the candidates of each event. */
  readonly filter: Filter | null;
  /**
   * A room event (persistent or ephemeral), to its ordered stream. A filtered
   * listener is offered only the events its filter may match; `runFrom` (see
   * `SeqReorder`) lets its stream tell the seqs ruled out from missed ones.
   */
  offer(event: RoomEvent, runFrom: number): void;
  /** A push of this room (typing, presence), encoded once per subscription id for every listener. */
  typing(push: SharedPush): void;
  presence(push: SharedPush): void;
  /** The server ends the subscription (push `unsubscribed`); it removes itself from the hub. */
  end(reason: UnsubscribeReason): void;
  /** Re-read the store after the last seq pushed (events may have been missed). */
  resync(): void;
}

interface RoomEntry {
  listeners: Set<RoomListener>;
  /** The listeners without a filter (offered every event). */
  unfiltered: Set<RoomListener>;
  /** The filters of the filtered listeners. */
  filters: FilterIndex<RoomListener>;
  /** The room's live events back in seq order. */
  order: SeqReorder<RoomEvent>;
  sub: Subscription;
  typists: TypingTracker;
}

/**
 * This node's room subscriptions by room, for every session of the node
 * (whatever its transport). Subscribes to a room's topic on the broker while
 * it holds at least one local subscription of the room and unsubscribes after
 * the last (so a node listens only to the rooms it holds subscribers for).
 * Dispatches the room's topic events: `room_event` to each subscription's
 * ordered stream; `typing` (start and stop transitions, and the stop of a
 * start not refreshed within `TYPING_TIMEOUT_MS`, see `TypingTracker`) to
 * every subscription but the typist's own connection's; `presence` to those
 * that asked for it; `end_subscriptions` ends the matching subscriptions.
 */
export class RoomHub {
  readonly #bus: Broker;
  readonly #log: Logger;
  readonly #typingTimeoutMs: number | undefined;
  readonly #rooms = new Map<string, RoomEntry>();
  readonly #offReconnect: () => void;
  readonly #membersAmong: (roomId: string, userIds: string[]) => Promise<Set<string>>;

  /** `membersAmong` answers which local subscribers are members, when a room becomes members-only. */
  constructor(options: {
    bus: Broker;
    log: Logger;
    typingTimeoutMs?: number;
    membersAmong: (roomId: string, userIds: string[]) => Promise<Set<string>>;
  }) {
    this.#membersAmong = options.membersAmong;
    this.#bus = options.bus;
    this.#log = options.log;
    this.#typingTimeoutMs = options.typingTimeoutMs;
    // After a fan-out outage every room stream re-reads what it may have missed.
    this.#offReconnect = this.#bus.onReconnect(() => {
      for (const e of this.#rooms.values()) {
        e.order.breakRun();
        for (const l of e.listeners) l.resync();
      }
    });
  }

  /**
   * Registers a subscription; resolves once the room's topic subscription is
   * live (events published anywhere after that reach it), so a starting point
   * read afterwards misses nothing. Rejects (and unregisters it) when the
   * broker could not subscribe.
   */
  async add(l: RoomListener): Promise<void> {
    let entry = this.#rooms.get(l.roomId);
    if (!entry) entry = this.#open(l.roomId);
    entry.listeners.add(l);
    if (l.filter !== null) entry.filters.add(l, l.filter);
    else entry.unfiltered.add(l);
    try {
      await entry.sub.ready;
    } catch (err) {
      this.remove(l);
      throw err;
    }
  }

  /** Unregisters a subscription (idempotent); the room's last one leaves its topic. */
  remove(l: RoomListener): void {
    const entry = this.#rooms.get(l.roomId);
    if (!entry?.listeners.delete(l)) return;
    if (l.filter !== null) entry.filters.remove(l);
    else entry.unfiltered.delete(l);
    if (entry.listeners.size > 0) return;
    this.#drop(l.roomId, entry);
  }

  /** Rooms with at least one local subscription. */
  get roomCount(): number {
    return this.#rooms.size;
  }

  /** Leaves every room's topic (at shutdown; sessions end their subscriptions as they close). */
  close(): void {
    this.#offReconnect();
    for (const [roomId, e] of this.#rooms) this.#drop(roomId, e);
  }

  #open(roomId: string): RoomEntry {
    const listeners = new Set<RoomListener>();
    const typists = new TypingTracker({
      timeoutMs: this.#typingTimeoutMs,
      emit: (userId, typing, exceptSessionId) => {
        const push = new SharedPush("typingEvent", typingBody(roomId, userId, typing));
        for (const l of listeners) if (l.sessionId !== exceptSessionId) l.typing(push);
      },
    });
    const entry: RoomEntry = {
      listeners,
      unfiltered: new Set(),
      filters: new FilterIndex(),
      order: new SeqReorder<RoomEvent>({ emit: (e, runFrom) => this.#offer(entry, e, runFrom) }),
      typists,
      sub: this.#bus.subscribe(roomTopic(roomId), (event) => this.#onEvent(entry, event)),
    };
    this.#rooms.set(roomId, entry);
    return entry;
  }

  #drop(roomId: string, entry: RoomEntry): void {
    entry.sub.unsubscribe();
    entry.typists.clear();
    entry.order.dispose();
    if (this.#rooms.get(roomId) === entry) this.#rooms.delete(roomId);
  }

  #onEvent(entry: RoomEntry, event: TopicEvent): void {
    switch (event.kind) {
      case "room_event":
        return entry.order.offer(event.event);
      case "typing":
        entry.typists.typing(event.userId, event.typing, event.exceptSessionId);
        return;
      case "presence": {
        let push: SharedPush | undefined;
        const wanted = event.joined ? "in" : "out";
        for (const l of entry.listeners)
          if (l.users === "all" || l.users === wanted) l.presence((push ??= new SharedPush("presenceEvent", presenceBody(event))));
        return;
      }
      case "end_subscriptions":
        this.#end(entry, event);
        return;
      default:
        this.#log.debug({ kind: event.kind }, "a user event on a room topic; ignored");
    }
  }

  /**
   * An event to the listeners that may want it: every unfiltered one, and
   * the filtered ones the room's filter index finds matching the message
   * after or before the event. So an event costs in proportion to those, not
   * to the room's filtered subscriptions; the others never see it, and their
   * streams learn from `runFrom` that the seqs they skip were ruled out.
   */
  #offer(entry: RoomEntry, e: RoomEvent, runFrom: number): void {
    for (const l of entry.unfiltered) l.offer(e, runFrom);
    if (entry.filters.size === 0) return;
    const after = afterDocument(e);
    const before = beforeDocument(e);
    const matched = after === null ? [] : entry.filters.match(after);
    if (before === null) {
      for (const l of matched) l.offer(e, runFrom);
      return;
    }
    const candidates = new Set(matched);
    for (const l of entry.filters.match(before)) candidates.add(l);
    for (const l of candidates) l.offer(e, runFrom);
  }

  #end(entry: RoomEntry, event: RoomTopicEvent & { kind: "end_subscriptions" }): void {
    if (event.nonMembersOnly) return void this.#endNonMembers(entry, event.roomId, event.reason);
    const users = event.userIds.length > 0 ? new Set(event.userIds) : null;
    const ending = [...entry.listeners].filter((l) => users === null || users.has(l.userId));
    for (const l of ending) l.end(event.reason);
  }

  /** Ends the subscriptions of this node's subscribers who are not members (one query for all of them). */
  async #endNonMembers(entry: RoomEntry, roomId: string, reason: UnsubscribeReason): Promise<void> {
    const users = [...new Set([...entry.listeners].map((l) => l.userId))];
    try {
      const members = await this.#membersAmong(roomId, users);
      for (const l of [...entry.listeners]) if (!members.has(l.userId)) l.end(reason);
    } catch (err) {
      this.#log.warn({ err, roomId }, "checking the room's subscribers against its members failed");
    }
  }
}
