import {
  AckRequest,
  AuthenticateRequest,
  type AuthenticateResponse,
  DeleteRequest,
  MarkReadRequest,
  RefreshRequest,
} from "../../../gen/herald/gateway/v1/envelope.js";
import { type InboxPage, InboxQuery, ListDirection, SystemCode } from "../../../gen/herald/v1/notification.js";
import { backoffDelay } from "./backoff.js";
import { closeOutcome, LocalClose } from "./close-codes.js";
import { type CloseInfo, Connection } from "./connection.js";
import { Emitter } from "./emitter.js";
import { asHeraldError, HeraldError } from "./errors.js";
import { Inbox } from "./inbox.js";
import { NetworkWatch } from "./network-watch.js";
import type { OpCase, OpValue, ReplyValue, ServerBody } from "./protocol.js";
import type { JoinOptions, RoomSubscription } from "./room-subscription.js";
import { Rooms } from "./rooms.js";
import { defaultStorage } from "./storage.js";
import { type Settings, settings } from "./settings.js";
import { WakeList } from "./wake-list.js";
import { subjectOf, TokenKeeper } from "./token-keeper.js";
import type { ConnectionState, HeraldEvents, HeraldOptions } from "./types.js";

/**
 * A Herald client: one WebSocket, reconnected with full-jitter backoff while
 * the close codes allow, resumed without loss or duplicates (inbox and rooms),
 * its token refreshed in band. See clients/typescript/README.md.
 */
export class Herald {
  readonly #s: Settings;
  readonly #options: HeraldOptions;
  readonly #events = new Emitter<HeraldEvents>();
  readonly #inbox: Inbox;
  readonly #rooms: Rooms;
  readonly #tokens: TokenKeeper;
  readonly #network = new NetworkWatch({ offline: () => this.#onOffline(), online: () => this.#onOnline() });
  #state: ConnectionState = "disconnected";
  #conn: Connection | undefined;
  #attempt = 0;
  #epoch = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #suspendTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #stateChanged = new WakeList();

  constructor(options: HeraldOptions) {
    this.#options = options;
    this.#s = settings(options);
    this.#inbox = new Inbox(this.#events, options.storage ?? defaultStorage(), this.#s.storageKey);
    this.#tokens = new TokenKeeper({
      token: options.token,
      getToken: options.getToken,
      refreshAheadMs: this.#s.refreshAheadMs,
      refresh: (token) => this.#request("refresh", RefreshRequest.fromPartial({ token })),
      onError: (err) => this.#events.emit("error", err),
    });
    this.#rooms = new Rooms(
      {
        request: (name, value, onReply) => this.#request(name, value, onReply),
        connected: () => this.#state === "connected",
        store: () => this.#inbox.store,
      },
      (err) => this.#events.emit("error", err),
    );
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The authenticated user (null before the first authentication). */
  get userId(): string | null {
    return this.#inbox.userId;
  }

  get unreadCount(): number {
    return this.#inbox.unreadCount;
  }

  on<E extends keyof HeraldEvents>(event: E, listener: HeraldEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  off<E extends keyof HeraldEvents>(event: E, listener: HeraldEvents[E]): void {
    this.#events.off(event, listener);
  }

  /** Starts connecting (and reconnecting); does nothing unless disconnected. */
  connect(): void {
    if (this.#state !== "disconnected") return;
    this.#attempt = 0;
    this.#network.start();
    this.#setState("connecting");
    this.#armSuspend();
    void this.#open();
  }

  /** Closes the connection and stops reconnecting; the state becomes `disconnected`. */
  disconnect(): void {
    this.#stop();
    this.#setState("disconnected");
  }

  /** A page of the inbox: newest first unless `direction` says otherwise. */
  list(query: Partial<InboxQuery> = {}): Promise<InboxPage> {
    return this.#request("list", InboxQuery.fromPartial({ direction: ListDirection.LIST_DIRECTION_BACKWARD, ...query }));
  }

  async markRead(ids: string[]): Promise<{ updatedIds: string[]; unreadCount: number }> {
    const r = await this.#request("markRead", MarkReadRequest.fromPartial({ ids }));
    this.#inbox.setUnread(r.unreadCount);
    if (r.updatedIds.length > 0) this.#events.emit("read", { ids: r.updatedIds });
    return { updatedIds: r.updatedIds, unreadCount: r.unreadCount };
  }

  /** Marks read everything up to the newest notification this client knows of. */
  async markAllRead(): Promise<{ updatedCount: number; unreadCount: number }> {
    if (this.#state !== "connected") await this.#request("ping", {});
    const upToSeq = String(this.#inbox.newestSeq);
    if (upToSeq === "0") return { updatedCount: 0, unreadCount: this.unreadCount };
    const r = await this.#request("markRead", MarkReadRequest.fromPartial({ upToSeq }));
    this.#inbox.setUnread(r.unreadCount);
    if (r.updatedCount > 0) this.#events.emit("read", { ids: [], upToSeq });
    return { updatedCount: r.updatedCount, unreadCount: r.unreadCount };
  }

  async delete(ids: string[]): Promise<{ deletedIds: string[]; unreadCount: number }> {
    const r = await this.#request("delete", DeleteRequest.fromPartial({ ids }));
    this.#inbox.setUnread(r.unreadCount);
    if (r.deletedIds.length > 0) this.#events.emit("deleted", { ids: r.deletedIds });
    return { deletedIds: r.deletedIds, unreadCount: r.unreadCount };
  }

  async ack(ids: string[]): Promise<void> {
    await this.#request("ack", AckRequest.fromPartial({ notificationIds: ids }));
  }

  async getUnreadCount(): Promise<number> {
    const r = await this.#request("unreadCount", {});
    this.#inbox.setUnread(r.unreadCount);
    return r.unreadCount;
  }

  /** Joins a room (resuming from its stored seq if any); attach listeners right after it resolves. */
  join(roomId: string, options: JoinOptions = {}): Promise<RoomSubscription> {
    return this.#rooms.join(roomId, options);
  }

  // ------------------------------------------------------------ connection

  async #open(): Promise<void> {
    const epoch = ++this.#epoch;
    let token: string;
    try {
      token = await this.#tokens.get();
    } catch (err) {
      if (epoch !== this.#epoch) return;
      this.#events.emit("error", asHeraldError(err, "unauthenticated"));
      this.#scheduleRetry();
      return;
    }
    if (epoch !== this.#epoch) return;
    const resume = this.#inbox.resumePoint(subjectOf(token) ?? this.#inbox.userId);
    let conn: Connection;
    try {
      conn = new Connection({
        url: this.#s.url,
        WebSocket: this.#s.WebSocket,
        onPush: (body) => this.#onPush(body),
        onClose: (info) => this.#onClose(conn, info),
        onBadFrame: (err) => this.#events.emit("error", err),
      });
    } catch (err) {
      // The WebSocket constructor refused (e.g. a blocked address): tell the app, retry later.
      this.#events.emit("error", asHeraldError(err, "unavailable"));
      this.#scheduleRetry();
      return;
    }
    this.#conn = conn;
    const request = AuthenticateRequest.fromPartial({
      token,
      ...resume,
      ...(this.#options.inboxFilter ? { inboxFilter: this.#options.inboxFilter } : {}),
    });
    await conn
      .authenticate(request, this.#s.requestTimeoutMs, (reply) => this.#onAuthenticated(conn, reply))
      .catch(() => {
        // a refused token is followed by the server's close, which decides what comes next
      });
  }

  #onAuthenticated(conn: Connection, reply: AuthenticateResponse): void {
    if (conn !== this.#conn) return;
    this.#attempt = 0;
    clearTimeout(this.#suspendTimer);
    this.#inbox.onAuthenticated(reply);
    this.#tokens.schedule(reply.expireTime);
    conn.startLiveness(this.#s.pingIntervalMs, this.#s.requestTimeoutMs);
    this.#setState("connected");
    this.#rooms.onConnected();
  }

  #onPush(body: ServerBody): void {
    switch (body.$case) {
      case "notification":
        this.#inbox.onNotification(body.value);
        return;
      case "systemEvent":
        this.#inbox.onSystemEvent(body.value);
        if (body.value.code === SystemCode.SYSTEM_CODE_TOKEN_EXPIRED) void this.#tokens.refreshNow();
        return;
      case "roomActivity":
        this.#events.emit("activity", body.value);
        return;
      case "error":
        this.#events.emit("error", HeraldError.fromWire(body.value));
        return;
      case "authenticate":
        return; // only sent for a token in the upgrade request, which the SDK does not use
      default:
        this.#rooms.onPush(body);
    }
  }

  #onClose(conn: Connection, info: CloseInfo): void {
    if (conn !== this.#conn) return;
    this.#conn = undefined;
    this.#tokens.stop();
    this.#rooms.onDisconnected();
    if (this.#state === "disconnected") return;
    const outcome = closeOutcome(info.code);
    if (outcome.action === "stop") {
      const why =
        info.error ?? new HeraldError(outcome.errorCode, `closed by the server (${info.code}${info.reason ? ` ${info.reason}` : ""})`);
      this.#stop();
      this.#setState("disconnected", { closeCode: info.code, reason: info.reason });
      this.#events.emit("error", new HeraldError(why.code, why.message, { field: why.field, closeCode: info.code }));
      return;
    }
    if (this.#state === "connected") {
      this.#setState("connecting", { closeCode: info.code, reason: info.reason });
      this.#armSuspend();
    }
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    clearTimeout(this.#retryTimer);
    const delay = backoffDelay(this.#attempt++, this.#s.minReconnectDelayMs, this.#s.maxReconnectDelayMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#open();
    }, delay);
  }

  #armSuspend(): void {
    clearTimeout(this.#suspendTimer);
    this.#suspendTimer = setTimeout(() => {
      if (this.#state === "connecting") this.#setState("suspended");
    }, this.#s.suspendedAfterMs);
  }

  #onOffline(): void {
    this.#conn?.drop(LocalClose.offline, "offline");
  }

  #onOnline(): void {
    if (this.#retryTimer === undefined || this.#state === "disconnected") return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#attempt = 0;
    void this.#open();
  }

  #stop(): void {
    this.#epoch++;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#suspendTimer);
    this.#retryTimer = undefined;
    this.#network.stop();
    this.#tokens.stop();
    const conn = this.#conn;
    this.#conn = undefined;
    conn?.drop(1000, "disconnect");
    this.#rooms.onDisconnected();
  }

  #setState(current: ConnectionState, cause: { closeCode: number; reason: string } | Record<string, never> = {}): void {
    const previous = this.#state;
    if (previous === current) return;
    this.#state = current;
    this.#events.emit("state", { previous, current, ...cause });
    this.#stateChanged.wakeAll();
  }

  /** Sends a request on the current connection, waiting (within the timeout) while connecting. */
  async #request<C extends OpCase>(name: C, value: OpValue<C>, onReply?: (r: ReplyValue<C>) => void): Promise<ReplyValue<C>> {
    const deadline = Date.now() + this.#s.requestTimeoutMs;
    while (this.#state !== "connected" || !this.#conn) {
      if (this.#state === "disconnected") throw new HeraldError("unavailable", "not connected (call connect())");
      const left = deadline - Date.now();
      if (left <= 0) throw new HeraldError("deadline_exceeded", `not connected within ${this.#s.requestTimeoutMs} ms`);
      await this.#stateChanged.wait(left);
    }
    return this.#conn.request(name, value, Math.max(1, deadline - Date.now()), onReply);
  }
}
