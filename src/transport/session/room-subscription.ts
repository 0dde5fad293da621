import type { RoomEvent, UnsubscribeReason } from "../../domain/room.js";
import { backpressure } from "./backpressure.js";
import { CloseCode } from "./close-codes.js";
import type { FrameTransport } from "./frame-transport.js";
import { OrderedStream } from "./ordered-stream.js";
import type { RoomListener } from "./room-hub.js";
import { eventScope } from "../../domain/filter-documents.js";
import type { Filter } from "../../domain/filter/filter.js";
import {
  roomEventBody,
  roomEventPush,
  type ScopeOption,
  type SharedPush,
  subscriptionIdMember,
  subscriptionPush,
  type UsersOption,
  unsubscribedBody,
} from "./room-frames.js";
import type { SessionContext } from "./session-context.js";

/** What a room subscription needs of its session. */
export interface RoomSessionHandle {
  readonly userId: string;
  readonly sessionId: string;
  send(frame: string | Buffer): void;
  isClosed(): boolean;
  close(code: number, reason: string): void;
}

/**
 * Typing and presence pushes held between the subscription's registration
 * and the join's reply (a few store round trips), at most; later ones in that
 * window are dropped (they are ephemeral, as under load).
 */
const MAX_EARLY_PUSHES = 64;

/**
 * One room subscription of a session: the room's events as an
 * `OrderedStream` (every persistent event in seq order, exactly once, gaps
 * filled from the store through `RoomService.readAfter`, paced by the user's
 * read budget and the client's drain), plus its typing and presence pushes.
 * Every push carries the subscription's id; an event's frame is encoded once
 * and the same bytes go to every subscription with that id (`SharedPush`). Pushes that arrive before the join's reply are held until
 * `open`, so the client knows the id before it sees it. A catch-up that fails
 * closes the session with 3005 (the client reconnects and resumes).
 */
export class RoomSubscription implements RoomListener {
  /** The id the client knows it by (`subscriptionIdOf`: the same wherever the room is followed the same way). */
  readonly id: string;
  readonly roomId: string;
  readonly userId: string;
  readonly sessionId: string;
  /** Validated from `options.filter`; null: every event. */
  readonly filter: Filter | null;
  /** Which room events by scope, and which presence events. */
  readonly scope: ScopeOption;
  readonly users: UsersOption;
  /** Carried by the presence events this subscription causes. */
  readonly volatile: Record<string, unknown> | null;
  /** Resolves true once the subscription is counted in the room's presence (false: it is not). */
  presenceCounted: Promise<boolean> = Promise.resolve(false);
  readonly #session: RoomSessionHandle;
  readonly #rooms: SessionContext["rooms"];
  readonly #idMember: string;
  readonly #stream: OrderedStream<RoomEvent>;
  readonly #onEnd: (sub: RoomSubscription, reason: UnsubscribeReason) => void;
  #ended = false;
  #opened = false;
  #purgedAtJoin = 0;
  #early: Buffer[] | null = [];

  /** `onEnd` is called when the server ends it (the owner unregisters it and calls `finish`). */
  constructor(options: {
    session: RoomSessionHandle;
    ctx: SessionContext;
    transport: FrameTransport;
    id: string;
    roomId: string;
    filter: Filter | null;
    scope: ScopeOption;
    users: UsersOption;
    volatile: Record<string, unknown> | null;
    onEnd: (sub: RoomSubscription, reason: UnsubscribeReason) => void;
  }) {
    const { session, ctx, roomId } = options;
    this.#rooms = ctx.rooms;
    this.id = options.id;
    this.roomId = roomId;
    this.userId = session.userId;
    this.sessionId = session.sessionId;
    this.filter = options.filter;
    this.scope = options.scope;
    this.users = options.users;
    this.volatile = options.volatile;
    this.#session = session;
    this.#onEnd = options.onEnd;
    this.#idMember = subscriptionIdMember(this.id);
    const cancelled = () => this.#ended || session.isClosed();
    this.#stream = new OrderedStream<RoomEvent>({
      read: async (after, limit) => {
        const rows = await ctx.reads.paced(this.userId, () => ctx.rooms.readAfter(roomId, after, limit), this.#cost, cancelled);
        // Seqs are gapless, so a read that skips seqs found them purged. Up to the
        // join's purge point the client was told (recovered false); beyond it, never silently.
        const first = rows?.[0];
        if (first && first.seq > after + 1 && first.seq - 1 > this.#purgedAtJoin) {
          this.end("history_purged");
          return undefined;
        }
        return rows;
      },
      push: (e) => {
        const scope = eventScope(this.filter, e);
        if (scope === null || (this.scope !== "all" && this.scope !== scope)) return;
        ctx.metrics?.pushed.inc();
        session.send(roomEventPush(e, scope).frameFor(this.#idMember));
      },
      isClosed: cancelled,
      ...backpressure(options.transport, ctx.maxBufferedBytes, cancelled),
      failed: (err) => {
        ctx.log.warn({ err, session: this.sessionId, roomId }, "room catch-up from the store failed; closing for the client to resume");
        session.close(CloseCode.resyncFailed, "could not read missed room events; reconnect and resume");
      },
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The join has replied (the client knows the id). */
  get opened(): boolean {
    return this.#opened;
  }

  /** Starts delivery after `fromSeq`; events up to `purgedThroughSeq` were purged before the join (the client was told). */
  open(fromSeq: number, purgedThroughSeq: number): void {
    if (this.#ended) return;
    this.#purgedAtJoin = purgedThroughSeq;
    this.#opened = true;
    const early = this.#early ?? [];
    this.#early = null;
    for (const frame of early) this.#session.send(frame);
    this.#stream.open(fromSeq);
  }

  offer(event: RoomEvent, runFrom: number): void {
    if (!this.#ended) this.#stream.offer(event, this.scope !== "none", runFrom);
  }

  typing(push: SharedPush): void {
    this.#push(push);
  }

  presence(push: SharedPush): void {
    this.#push(push);
  }

  end(reason: UnsubscribeReason): void {
    if (!this.#ended) this.#onEnd(this, reason);
  }

  /**
   * After a fan-out outage: a removal or a room delete published meanwhile
   * may have been lost, so the subscription checks it may still follow the
   * room (ending itself if not), then re-reads the events it may have missed.
   */
  resync(): void {
    if (this.#ended) return;
    this.#rooms.joinable(this.roomId, this.userId).then(
      () => this.#stream.resync(),
      (err: unknown) => {
        const code = (err as { code?: string }).code;
        if (code === "permission_denied") this.end("not_allowed");
        else if (code === "not_found") this.end("room_deleted");
        else this.#stream.resync();
      },
    );
  }

  /** Stops every push; false when it had ended already. */
  finish(): boolean {
    if (this.#ended) return false;
    this.#ended = true;
    this.#early = null;
    this.#stream.dispose();
    return true;
  }

  /** The `unsubscribed` push telling the client why the server ended this subscription. */
  unsubscribedPush(reason: UnsubscribeReason): string {
    return subscriptionPush("unsubscribed", this.#idMember, unsubscribedBody(this.roomId, reason));
  }

  #push(push: SharedPush): void {
    if (this.#ended) return;
    const frame = push.frameFor(this.#idMember);
    if (this.#early === null) this.#session.send(frame);
    else if (this.#early.length < MAX_EARLY_PUSHES) this.#early.push(frame);
  }

  /** What a catch-up read costs: the bytes of its events as pushed (their encodings are cached for the pushes). */
  readonly #cost = (rows: RoomEvent[]): number => {
    let n = 0;
    for (const r of rows) n += roomEventBody(r).length + this.#idMember.length + 16;
    return n;
  };
}
