import { HeraldError } from "../../domain/errors.js";
import { Limits } from "../../domain/limits.js";
import type { UnsubscribeReason } from "../../domain/room.js";
import { checkJsonObject, checkSeq } from "../../domain/validate.js";
import { type JoinRequest, type JoinResponse, Scope, UsersScope } from "../../../gen/herald/gateway/v1/envelope.js";
import type { Filter } from "../../domain/filter/filter.js";
import { parseFilter } from "../../domain/filter/filter.js";
import type { FrameTransport } from "./frame-transport.js";
import { type SubscriptionOptions, subscriptionIdOf } from "./room-frames.js";
import { type RoomSessionHandle, RoomSubscription } from "./room-subscription.js";
import type { SessionContext } from "./session-context.js";
import { TypingGate } from "./typing-gate.js";

/**
 * The room subscriptions of one session: at most
 * `Limits.maxSubscriptionsPerSession` (joins in progress count), keyed by
 * subscription id (`subscriptionIdOf`: the room and the options that select
 * its pushes), so one connection holds at most one subscription per room
 * and options; a second identical join is `already_exists`. Each is registered in
 * the node's `RoomHub` and, in a room with presence on, counted in the room's
 * presence (+1 at the join, -1 when it ends for any reason: leave, the
 * server's end, the session's close; a failed change is logged, not fatal).
 * Also the connection's sending side of typing (`TypingGate`): the
 * connection's last subscription to a room going away while it was typing
 * there sends the room a stop.
 */
export class RoomSubscriptions {
  readonly #session: RoomSessionHandle;
  readonly #ctx: SessionContext;
  readonly #transport: FrameTransport;
  readonly #subs = new Map<string, RoomSubscription>();
  /** Subscriptions per room. */
  readonly #perRoom = new Map<string, number>();
  readonly #typing = new TypingGate();
  #joining = 0;

  constructor(options: { session: RoomSessionHandle; ctx: SessionContext; transport: FrameTransport }) {
    this.#session = options.session;
    this.#ctx = options.ctx;
    this.#transport = options.transport;
  }

  /** Whether this session follows `roomId` (at least one subscription). */
  has(roomId: string): boolean {
    return this.#perRoom.has(roomId);
  }

  get size(): number {
    return this.#subs.size;
  }

  /**
   * The join operation: checks the user may join, registers the subscription
   * (awaiting the broker), reads the room's starting point, counts presence,
   * replies (`send`), then opens the stream: the events after the starting
   * point from the store, then live ones. Resume (`since_seq` > 0 or
   * `resume`) starts at `min(since_seq, last_seq)`, `recovered` false when
   * events after `since_seq` were purged; otherwise at the room's last seq.
   */
  async join(value: JoinRequest, reply: (r: JoinResponse) => void): Promise<void> {
    const { rooms, roomHub } = this.#ctx;
    const sinceSeq = checkSeq("join.since_seq", value.sinceSeq);
    const volatile = value.volatile === undefined ? null : checkJsonObject("join.volatile", value.volatile, Limits.maxVolatileBytes);
    const options = joinOptions(value);
    const filter = options.filter === null ? null : parseFilter(options.filter, "join.filter");
    if (this.#subs.size + this.#joining >= Limits.maxSubscriptionsPerSession)
      throw new HeraldError("resource_exhausted", `at most ${Limits.maxSubscriptionsPerSession} room subscriptions per connection`);
    this.#joining++;
    let sub: RoomSubscription;
    try {
      const room = await rooms.joinable(value.roomId, this.#session.userId, "join.room_id");
      if (options.users !== "none" && !room.options.presence)
        throw new HeraldError("failed_precondition", "presence is off in this room", {
          field: value.users === UsersScope.USERS_SCOPE_UNSPECIFIED ? "join.presence" : "join.users",
        });
      // The session may have closed meanwhile: closeAll has run and would never see this subscription.
      if (this.#session.isClosed()) throw new HeraldError("aborted", "the connection closed during the join");
      sub = this.#add(value.roomId, options, filter, volatile);
    } finally {
      this.#joining--;
    }
    try {
      await roomHub.add(sub);
      // Checked again now that a removal can reach the subscription: one committed before is seen here.
      const room = await rooms.joinable(value.roomId, this.#session.userId, "join.room_id");
      if (room.options.presence && !sub.ended) sub.presenceCounted = this.#countPresence(sub);
      await sub.presenceCounted;
      if (sub.ended) throw new HeraldError("aborted", "the subscription ended during the join; join again");
      const resume = sinceSeq > 0 || value.resume;
      const from = resume ? Math.min(sinceSeq, room.lastSeq) : room.lastSeq;
      const recovered = !resume || sinceSeq >= room.purgedThroughSeq;
      reply({ subscriptionId: sub.id, roomId: sub.roomId, lastSeq: String(room.lastSeq), recovered });
      sub.open(from, room.purgedThroughSeq);
    } catch (err) {
      this.#end(sub, null);
      throw err;
    }
  }

  /** The leave operation; `not_found` for an id this session does not hold. */
  leave(subscriptionId: string): void {
    const sub = this.#subs.get(subscriptionId);
    if (!sub) throw new HeraldError("not_found", "no such subscription on this connection", { field: "leave.subscription_id" });
    this.#end(sub, null);
  }

  /**
   * The typing operation: needs a subscription to the room on this
   * connection; forwarded to the room as `TypingGate` allows (accepted either way).
   */
  async typing(roomId: string, typing: boolean): Promise<void> {
    if (!this.has(roomId))
      throw new HeraldError("failed_precondition", "join the room on this connection first", { field: "typing.room_id" });
    if (!this.#typing.request(roomId, typing)) return;
    const { userId, sessionId } = this.#session;
    await this.#ctx.rooms.typing(roomId, userId, typing, sessionId);
  }

  /** Ends every subscription, each with an `unsubscribed` push (e.g. the token expired). */
  endAll(reason: UnsubscribeReason): void {
    for (const sub of [...this.#subs.values()]) this.#end(sub, reason);
  }

  /** The session closed: ends every subscription (no pushes). */
  closeAll(): void {
    for (const sub of [...this.#subs.values()]) this.#end(sub, null);
  }

  #add(roomId: string, options: SubscriptionOptions, filter: Filter | null, volatile: Record<string, unknown> | null): RoomSubscription {
    const id = subscriptionIdOf(roomId, options);
    if (this.#subs.has(id))
      throw new HeraldError("already_exists", `this connection already follows the room this way (subscription ${id})`, {
        field: "join.room_id",
      });
    const sub = new RoomSubscription({
      id,
      session: this.#session,
      ctx: this.#ctx,
      transport: this.#transport,
      roomId,
      filter,
      scope: options.scope,
      users: options.users,
      volatile,
      onEnd: (s, reason) => this.#end(s, reason),
    });
    this.#subs.set(sub.id, sub);
    this.#perRoom.set(roomId, (this.#perRoom.get(roomId) ?? 0) + 1);
    return sub;
  }

  /**
   * Ends a subscription once: unregisters it, pushes `unsubscribed` when the
   * server ended it after the join's reply (before it, the join fails
   * `aborted`), sends the typing stop and the presence leave it owes.
   */
  #end(sub: RoomSubscription, reason: UnsubscribeReason | null): void {
    if (!sub.finish()) return;
    const { rooms, roomHub, log, nodeId } = this.#ctx;
    const { userId, sessionId } = this.#session;
    this.#subs.delete(sub.id);
    roomHub.remove(sub);
    if (reason !== null && sub.opened) this.#session.send(sub.unsubscribedPush(reason));
    const left = (this.#perRoom.get(sub.roomId) ?? 1) - 1;
    if (left > 0) this.#perRoom.set(sub.roomId, left);
    else {
      this.#perRoom.delete(sub.roomId);
      if (this.#typing.release(sub.roomId))
        rooms.typing(sub.roomId, userId, false, sessionId).catch((err) => log.warn({ err, roomId: sub.roomId }, "typing stop failed"));
    }
    sub.presenceCounted
      .then((counted) => (counted ? rooms.presenceChange(sub.roomId, userId, nodeId, -1, sub.volatile) : undefined))
      .catch((err) => log.warn({ err, roomId: sub.roomId }, "room presence leave failed"));
  }

  /** Counts a subscription in the room's presence; resolves whether it was counted (a failure is logged). */
  async #countPresence(sub: RoomSubscription): Promise<boolean> {
    try {
      await this.#ctx.rooms.presenceChange(sub.roomId, sub.userId, this.#ctx.nodeId, 1, sub.volatile);
      return true;
    } catch (err) {
      this.#ctx.log.warn({ err, roomId: sub.roomId }, "room presence join failed");
      return false;
    }
  }
}

const SCOPES: Record<Scope, SubscriptionOptions["scope"]> = {
  [Scope.SCOPE_UNSPECIFIED]: "all",
  [Scope.SCOPE_ALL]: "all",
  [Scope.SCOPE_IN]: "in",
  [Scope.SCOPE_OUT]: "out",
  [Scope.SCOPE_NONE]: "none",
};
const USERS: Record<UsersScope, SubscriptionOptions["users"] | null> = {
  [UsersScope.USERS_SCOPE_UNSPECIFIED]: null,
  [UsersScope.USERS_SCOPE_NONE]: "none",
  [UsersScope.USERS_SCOPE_IN]: "in",
  [UsersScope.USERS_SCOPE_OUT]: "out",
  [UsersScope.USERS_SCOPE_ALL]: "all",
};

/** A join's options: an empty filter is none; `users` unset follows `presence` (true: all). */
function joinOptions(value: JoinRequest): SubscriptionOptions {
  const filter = value.filter !== undefined && Object.keys(value.filter).length > 0 ? value.filter : null;
  return {
    filter,
    scope: SCOPES[value.scope],
    users: USERS[value.users] ?? (value.presence ? "all" : "none"),
  };
}
