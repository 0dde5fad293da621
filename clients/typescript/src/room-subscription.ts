import {
  DeleteMessageRequest,
  HistoryRequest,
  type JoinResponse,
  JoinRequest,
  LeaveRequest,
  PresenceAction,
  PresenceRequest,
  type PresencePush,
  PublishRequest,
  type PublishResponse,
  type RoomEventPush,
  type Scope,
  TypingRequest,
  type UnsubscribedPush,
  UpdateMessageRequest,
} from "../../../gen/herald/gateway/v1/envelope.js";
import { ListDirection } from "../../../gen/herald/v1/notification.js";
import {
  type RoomEvent,
  RoomEventKind,
  type RoomMessagePage,
  type RoomMessageQuery,
  UnsubscribeReason,
  unsubscribeReasonToJSON,
} from "../../../gen/herald/v1/room.js";
import { Emitter } from "./emitter.js";
import { HeraldError } from "./errors.js";
import { seqNumber } from "./protocol.js";
import type { RoomHost } from "./rooms.js";

/** Typing starts are sent again this often while the user types (the server drops a start not refreshed within 5 s). */
const TYPING_REFRESH_MS = 2_000;
/** A stop is sent this long after the last `typing()` call. */
const TYPING_STOP_MS = 3_000;

/** Options of `herald.join(roomId, options)`: the protocol's join, minus what the SDK manages (sinceSeq, resume). */
export interface JoinOptions {
  /** Receive presence events (the room must have presence on). */
  presence?: boolean;
  /** Only events whose message matches this filter (Koncorde DSL), each with its scope. */
  filter?: Record<string, unknown>;
  /** Which events by scope (default all). */
  scope?: Scope;
  /** A JSON object carried by the presence events this subscription causes. */
  volatile?: Record<string, unknown>;
}

/** A room subscription's events. */
export interface RoomSubscriptionEvents {
  /** A new message (also a backend's ephemeral one, without seq). */
  message: (e: RoomEvent, scope: Scope) => void;
  /** A message was edited (`e.message` is its new content; `e.seq` the event's own seq). */
  update: (e: RoomEvent, scope: Scope) => void;
  /** A message was deleted (`e.message` is its tombstone). */
  delete: (e: RoomEvent, scope: Scope) => void;
  /** Someone else started or stopped typing. */
  typing: (e: { userId: string; typing: boolean }) => void;
  /** Someone joined or left; `userCount` is the room's distinct present users. */
  presence: (e: { userCount: number; joined?: string[]; left?: string[] }) => void;
  /** The room could not be resumed without a gap (`recovered: false`): reload `history()`. */
  reset: () => void;
  /** The server ended this subscription (`reason`: an `UNSUBSCRIBE_REASON_*` name, or an error code). */
  unsubscribed: (e: { reason: string }) => void;
}

/** A joined room: its events (each stored one once, in seq order, across reconnects) and its operations. */
export interface RoomSubscription {
  readonly roomId: string;
  /** The server's subscription id (the same after a rejoin with the same options). */
  readonly id: string;
  /** The newest seq handed to the app (where a reconnect resumes from). */
  readonly lastSeq: string;
  on<E extends keyof RoomSubscriptionEvents>(event: E, listener: RoomSubscriptionEvents[E]): () => void;
  off<E extends keyof RoomSubscriptionEvents>(event: E, listener: RoomSubscriptionEvents[E]): void;
  publish(
    content: Record<string, unknown>,
    options?: { tags?: Record<string, string>; idempotencyKey?: string },
  ): Promise<{ messageId: string; seq: string; duplicate: boolean }>;
  update(messageId: string, content: Record<string, unknown>, options?: { tags?: Record<string, string> }): Promise<void>;
  remove(messageId: string): Promise<void>;
  /** A page of stored messages: newest first unless `afterSeq` or a forward cursor is given. */
  history(options?: Partial<RoomMessageQuery>): Promise<RoomMessagePage>;
  presence(): Promise<{ userCount: number; users: string[] }>;
  /** Call on each keystroke: sends a start (throttled), and a stop by itself ~3 s after the last call. */
  typing(): void;
  leave(): Promise<void>;
}

/** The SDK's RoomSubscription; the registry (`Rooms`) feeds it its pushes. */
export class Subscription implements RoomSubscription {
  readonly roomId: string;
  id = "";
  /** The storage key: the room, and the filter and scope that select its events. */
  readonly key: string;
  readonly #host: RoomHost;
  readonly #options: JoinOptions;
  readonly #events = new Emitter<RoomSubscriptionEvents>();
  #lastSeq: number | null = null;
  #active = true;
  /** Events read before the app could attach listeners (the first join), delivered on the next task. */
  #held: Array<() => void> | null = [];
  #typingSentAt = 0;
  #typingOn = false;
  #typingStop: ReturnType<typeof setTimeout> | undefined;

  constructor(host: RoomHost, roomId: string, options: JoinOptions) {
    this.#host = host;
    this.roomId = roomId;
    this.#options = options;
    const selector = options.filter || options.scope ? `#${stableJson({ filter: options.filter ?? {}, scope: options.scope ?? 0 })}` : "";
    this.key = `${roomId}${selector}`;
  }

  get lastSeq(): string {
    return String(this.#lastSeq ?? 0);
  }

  get active(): boolean {
    return this.#active;
  }

  on<E extends keyof RoomSubscriptionEvents>(event: E, listener: RoomSubscriptionEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  off<E extends keyof RoomSubscriptionEvents>(event: E, listener: RoomSubscriptionEvents[E]): void {
    this.#events.off(event, listener);
  }

  /** Joins (or rejoins after a reconnect), resuming from this subscription's seq or the stored one. */
  async subscribe(): Promise<void> {
    if (this.#lastSeq === null) this.#lastSeq = this.#host.store()?.roomSeq(this.key) ?? null;
    const since = this.#lastSeq;
    const o = this.#options;
    const request = JoinRequest.fromPartial({
      roomId: this.roomId,
      presence: o.presence ?? false,
      ...(o.filter ? { filter: o.filter } : {}),
      ...(o.scope ? { scope: o.scope } : {}),
      ...(o.volatile ? { volatile: o.volatile } : {}),
      ...(since !== null ? { sinceSeq: String(since), resume: true } : {}),
    });
    await this.#host.request("join", request, (reply) => this.#onJoined(reply, since));
  }

  /** Starts delivering (the app has had its turn to attach listeners). */
  release(): void {
    const held = this.#held;
    this.#held = null;
    for (const deliver of held ?? []) deliver();
  }

  onRoomEvent(push: RoomEventPush): void {
    const e = push.event;
    if (!e) return;
    const seq = seqNumber(e.seq);
    if (seq > 0 && this.#lastSeq !== null && seq <= this.#lastSeq) return; // delivered already
    if (seq > 0) {
      this.#lastSeq = seq;
      this.#host.store()?.saveRoomSeq(this.key, seq);
    }
    const name =
      e.kind === RoomEventKind.ROOM_EVENT_KIND_MESSAGE_UPDATE
        ? "update"
        : e.kind === RoomEventKind.ROOM_EVENT_KIND_MESSAGE_DELETE
          ? "delete"
          : "message";
    this.#emit(name, e, push.scope);
  }

  onTyping(userId: string, typing: boolean): void {
    this.#emit("typing", { userId, typing });
  }

  onPresence(p: PresencePush): void {
    const joined = p.action === PresenceAction.PRESENCE_ACTION_JOIN;
    this.#emit("presence", joined ? { userCount: p.userCount, joined: [p.userId] } : { userCount: p.userCount, left: [p.userId] });
  }

  /** The server ended the subscription: a token expiry or a purge is rejoined, anything else ends it. */
  onUnsubscribed(push: UnsubscribedPush): "rejoin-later" | "rejoin-now" | "ended" {
    if (push.reason === UnsubscribeReason.UNSUBSCRIBE_REASON_TOKEN_EXPIRED) return "rejoin-later";
    if (push.reason === UnsubscribeReason.UNSUBSCRIBE_REASON_HISTORY_PURGED) return "rejoin-now";
    this.end(unsubscribeReasonToJSON(push.reason));
    return "ended";
  }

  /** Ends the subscription for good and tells the app why. */
  end(reason: string): void {
    if (!this.#active) return;
    this.#active = false;
    this.#stopTyping(false);
    this.#host.forget(this);
    this.#emit("unsubscribed", { reason });
  }

  async publish(
    content: Record<string, unknown>,
    options: { tags?: Record<string, string>; idempotencyKey?: string } = {},
  ): Promise<{ messageId: string; seq: string; duplicate: boolean }> {
    const r: PublishResponse = await this.#host.request(
      "publish",
      PublishRequest.fromPartial({ roomId: this.roomId, content, ...options }),
    );
    return { messageId: r.messageId, seq: r.seq, duplicate: r.duplicate };
  }

  async update(messageId: string, content: Record<string, unknown>, options: { tags?: Record<string, string> } = {}): Promise<void> {
    await this.#host.request("updateMessage", UpdateMessageRequest.fromPartial({ roomId: this.roomId, messageId, content, ...options }));
  }

  async remove(messageId: string): Promise<void> {
    await this.#host.request("deleteMessage", DeleteMessageRequest.fromPartial({ roomId: this.roomId, messageId }));
  }

  history(options: Partial<RoomMessageQuery> = {}): Promise<RoomMessagePage> {
    const forward = options.afterSeq !== undefined && options.afterSeq !== "0";
    const direction = options.direction ?? (forward ? ListDirection.LIST_DIRECTION_FORWARD : ListDirection.LIST_DIRECTION_BACKWARD);
    return this.#host.request("history", HistoryRequest.fromPartial({ roomId: this.roomId, query: { ...options, direction } }));
  }

  async presence(): Promise<{ userCount: number; users: string[] }> {
    const r = await this.#host.request("presence", PresenceRequest.fromPartial({ roomId: this.roomId }));
    return { userCount: r.userCount, users: r.users.map((u) => u.userId) };
  }

  typing(): void {
    if (!this.#active) return;
    const now = Date.now();
    if (!this.#typingOn || now - this.#typingSentAt >= TYPING_REFRESH_MS) {
      this.#typingOn = true;
      this.#typingSentAt = now;
      this.#sendTyping(true);
    }
    clearTimeout(this.#typingStop);
    this.#typingStop = setTimeout(() => this.#stopTyping(true), TYPING_STOP_MS);
  }

  async leave(): Promise<void> {
    if (!this.#active) return;
    this.#active = false;
    this.#stopTyping(false); // leaving sends the stop on the server's side
    this.#host.forget(this);
    const id = this.id;
    if (!id || !this.#host.connected()) return;
    try {
      await this.#host.request("leave", LeaveRequest.fromPartial({ subscriptionId: id }));
    } catch (err) {
      if (!(err instanceof HeraldError) || err.code !== "not_found") throw err;
    }
  }

  #onJoined(reply: JoinResponse, since: number | null): void {
    if (this.id && this.id !== reply.subscriptionId) this.#host.unbind(this.id);
    this.id = reply.subscriptionId;
    this.#host.bind(this.id, this);
    const roomLast = seqNumber(reply.lastSeq);
    if (since === null) {
      this.#lastSeq = roomLast; // live from here; history() has the rest
      this.#host.store()?.saveRoomSeq(this.key, roomLast);
    } else if (roomLast < since) {
      this.#lastSeq = roomLast; // our seq is not of this room (its store was reset)
      this.#host.store()?.reset({ room: this.key }, roomLast);
      this.#emit("reset");
    } else if (!reply.recovered) {
      this.#emit("reset");
    }
  }

  #emit<E extends keyof RoomSubscriptionEvents>(event: E, ...args: Parameters<RoomSubscriptionEvents[E]>): void {
    if (this.#held) this.#held.push(() => this.#events.emit(event, ...args));
    else this.#events.emit(event, ...args);
  }

  #stopTyping(send: boolean): void {
    clearTimeout(this.#typingStop);
    this.#typingStop = undefined;
    if (this.#typingOn && send) this.#sendTyping(false);
    this.#typingOn = false;
  }

  #sendTyping(typing: boolean): void {
    if (!this.#host.connected()) return;
    this.#host.request("typing", TypingRequest.fromPartial({ roomId: this.roomId, typing })).catch(() => {
      // typing is at most once: a lost start or stop is not worth an error
    });
  }
}

/** JSON with object keys sorted, so that equal filters give equal storage keys. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}
