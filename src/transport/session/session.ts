import { randomUUID } from "node:crypto";
import { type Filter, parseFilter } from "../../domain/filter/filter.js";
import type { VerifiedToken } from "../../auth/jwt-verifier.js";
import { HeraldError, toHeraldError } from "../../domain/errors.js";
import type { InboxService } from "../../domain/inbox-service.js";
import { type Notification, SystemCode } from "../../domain/notification.js";
import type { UserEvent } from "../../domain/ports.js";
import type { RoomService } from "../../domain/room-service.js";
import { checkSeq } from "../../domain/validate.js";
import { FrameError, parseClientFrame } from "./client-frame.js";
import { CLOSE_FOR_KIND, CloseCode } from "./close-codes.js";
import { atDeadline } from "./deadline-timer.js";
import type { FrameTransport } from "./frame-transport.js";
import type { ClientOp, OpValue, RequestScope } from "./operation.js";
import { OPERATIONS, runOperation } from "./operations.js";
import { inboxStream } from "./inbox-stream.js";
import type { OrderedStream } from "./ordered-stream.js";
import { RateLimiter } from "./rate-limiter.js";
import type { ReadBudget } from "./read-budget.js";
import { roomActivityPush } from "./room-frames.js";
import { RoomSubscriptions } from "./room-subscriptions.js";
import { encodeFrame, errorFrame, notificationPush, systemEventPush, systemNoticePush } from "./server-frames.js";
import { PRE_AUTH_MAX_FRAME_BYTES, type PreAuthenticated, type SessionContext } from "./session-context.js";

/**
 * One client session over a `FrameTransport`, whatever the transport: the
 * auth state machine (`awaiting_auth` -> `authenticating` -> `open` ->
 * `closed`), the limits (pre-auth frame bound, request rate and flood close,
 * slow-consumer bound), the dispatch of requests to the operation table, the
 * token's expiry, and the user's inbox as an `OrderedStream` (every
 * persistent notification in seq order, exactly once, gaps filled from the
 * store), and its room subscriptions (`RoomSubscriptions`). User-topic events
 * come through `deliver`, room events through the node's `RoomHub`.
 */
export class Session implements RequestScope {
  readonly sessionId = randomUUID();
  readonly openedAtMs = Date.now();
  userId = "";
  state: "awaiting_auth" | "authenticating" | "open" | "closed" = "awaiting_auth";
  readonly #transport: FrameTransport;
  readonly #ctx: SessionContext;
  readonly #limiter: RateLimiter;
  readonly #stream: OrderedStream<Notification>;
  readonly roomSubs: RoomSubscriptions;
  /** The authenticate frame's `inbox_filter`: only matching notifications are pushed (null: all). */
  inboxFilter: Filter | null = null;
  #authTimer: NodeJS.Timeout | undefined;
  #cancelExpiry = () => {};
  #attached = false;
  /** A token has been verified (with the connection, or from the authenticate frame). */
  #verified = false;
  readonly #onAuthenticated: () => void;
  /** Settles when a running authentication has finished (either way). */
  #authDone: Promise<void> = Promise.resolve();

  /** `onAuthenticated` is called once, when the session opens (the gateway frees an unauthenticated slot). */
  constructor(options: { transport: FrameTransport; ctx: SessionContext; onAuthenticated?: () => void }) {
    this.#transport = options.transport;
    this.#ctx = options.ctx;
    this.#onAuthenticated = options.onAuthenticated ?? (() => {});
    this.#limiter = new RateLimiter({ ratePerSec: options.ctx.rateLimitPerSec, burst: options.ctx.rateBurst });
    this.#stream = inboxStream({ session: this, ctx: options.ctx, transport: options.transport });
    this.roomSubs = new RoomSubscriptions({ session: this, ctx: options.ctx, transport: options.transport });
  }

  /** Starts the session: authenticated already (token with the connection) or waiting for an authenticate frame. */
  start(pre: PreAuthenticated | null): void {
    if (pre) {
      this.#verified = true;
      this.#authDone = this.#open(pre.token, pre.resumeFrom, 0);
      return;
    }
    this.#authTimer = setTimeout(() => {
      if (this.state !== "awaiting_auth") return;
      this.#error(0, new HeraldError("deadline_exceeded", "no authenticate frame within the auth deadline"));
      this.close(CloseCode.authTimeout, "authentication timeout");
    }, this.#ctx.authTimeoutMs);
  }

  get inbox(): InboxService {
    return this.#ctx.inbox;
  }

  get rooms(): RoomService {
    return this.#ctx.rooms;
  }

  get reads(): ReadBudget {
    return this.#ctx.reads;
  }

  /** Heartbeat state, kept by the transport. */
  get alive(): boolean {
    return this.#transport.alive;
  }

  set alive(value: boolean) {
    this.#transport.alive = value;
  }

  isClosed(): boolean {
    return this.state === "closed";
  }

  /** Sends a text frame unless closed; closes a consumer whose unsent output passed the bound. */
  send(frame: string | Buffer): void {
    if (this.#mayWrite()) this.#transport.send(frame);
  }

  /** A notification push: its native frame, or the transport's own encoding (`FrameTransport.sendNotification`). */
  pushNotification(n: Notification): void {
    if (!this.#mayWrite()) return;
    const transport = this.#transport;
    if (transport.sendNotification !== undefined) transport.sendNotification(n);
    else transport.send(notificationPush(n));
  }

  /** False once closed; a peer over the unsent-bytes bound is closed as a slow consumer first. */
  #mayWrite(): boolean {
    if (this.state === "closed") return false;
    if (this.#transport.bufferedAmount > this.#ctx.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, "slow consumer: too much unsent data");
      return false;
    }
    return true;
  }

  /** Closes with a code; a peer that does not complete the close handshake is cut after 5 s. */
  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.#ctx.metrics?.wsCloses.inc({ code: String(code) });
    this.transportClosed();
    this.#transport.close(code, reason);
  }

  ping(): void {
    if (this.state !== "closed") this.#transport.ping();
  }

  terminate(): void {
    this.transportClosed();
    this.#transport.terminate();
  }

  /** A user event from the fan-out bus. */
  deliver(event: UserEvent): void {
    if (this.state === "closed") return;
    switch (event.kind) {
      case "notification":
        this.#stream.offer(event.notification);
        return;
      case "system_event":
        if (event.exceptSessionId !== this.sessionId) this.send(systemEventPush(event.event));
        return;
      case "close": {
        const c = event.close;
        if (c.exceptSessionIds.includes(this.sessionId)) return;
        if (c.sessionIds.length > 0 && !c.sessionIds.includes(this.sessionId)) return;
        if (c.kind === "session_replaced") this.send(systemNoticePush(SystemCode.SESSION_REPLACED, "a newer connection took over"));
        const { code, reason } = CLOSE_FOR_KIND[c.kind];
        this.close(code, reason);
        return;
      }
      case "room_activity":
        if (!this.roomSubs.has(event.roomId)) this.send(roomActivityPush(event));
        return;
      case "opened":
        return; // the hub acts on these
    }
  }

  /** Re-reads the store after the last seq sent (after a fan-out outage). */
  resync(): void {
    if (this.state === "open") this.#stream.resync();
  }

  /**
   * One frame from the peer. Before a token is verified a frame may cost no
   * more than a small parse: its size is capped, and the rate limit is taken
   * before parsing. Requests run concurrently; replies may come out of order.
   */
  receive(data: Buffer, isBinary: boolean): void {
    if (this.state === "closed") return;
    const early = !this.#verified;
    if (early) {
      if (data.length > PRE_AUTH_MAX_FRAME_BYTES) return this.close(CloseCode.messageTooBig, "frame too large before authentication");
      if (!this.#allow(0)) return;
    }
    let parsed: ReturnType<typeof parseClientFrame>;
    try {
      if (isBinary) throw new FrameError(0, HeraldError.invalid("frame", "binary frames are not supported; send JSON text"));
      parsed = parseClientFrame(data.toString("utf8"));
    } catch (err) {
      if (!early && !this.#allow(0)) return;
      const fe = err instanceof FrameError ? err : new FrameError(0, toHeraldError(err));
      this.#error(fe.requestId, fe);
      return;
    }
    if (!early && !this.#allow(parsed.id)) return;
    this.#dispatch(parsed.id, parsed.frame.op!).then(
      (reply) => reply !== null && this.send(reply),
      (err: unknown) => {
        const e = toHeraldError(err);
        if (e.code === "internal") this.#ctx.log.error({ err, session: this.sessionId }, "request failed");
        this.#error(parsed.id, e);
      },
    );
  }

  /** The connection is gone (or being closed): stop timers and delivery, leave the hub. */
  transportClosed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.#authTimer);
    this.#cancelExpiry();
    this.#stream.dispose();
    this.roomSubs.closeAll();
    if (this.#attached) this.#ctx.detach(this);
  }

  /** The authenticate operation: verifies the token, then opens the session (replying itself). */
  async authenticate(id: number, value: OpValue<"authenticate">): Promise<void> {
    if (this.state !== "awaiting_auth") throw new HeraldError("failed_precondition", "already authenticated");
    this.state = "authenticating";
    clearTimeout(this.#authTimer);
    const { token: raw, lastSeq, resume, inboxFilter } = value;
    this.#authDone = (async () => {
      let token: VerifiedToken;
      let resumeFrom: number | null;
      try {
        this.inboxFilter = parseInboxFilter(inboxFilter);
      } catch (err) {
        this.#error(id, toHeraldError(err));
        this.close(CloseCode.badRequest, "invalid inbox filter");
        return;
      }
      try {
        token = await this.#ctx.verifier.verify(raw);
        this.#verified = true;
        resumeFrom = resume || lastSeq !== "0" ? checkSeq("authenticate.last_seq", lastSeq) : null;
      } catch (err) {
        this.#error(id, toHeraldError(err));
        this.close(CloseCode.invalidToken, "invalid authentication token");
        return;
      }
      await this.#open(token, resumeFrom, id);
    })();
    await this.#authDone;
  }

  /**
   * The refresh operation: a token that verifies and names this session's user
   * replaces the current one; the expiry timer moves to its `exp` (earlier or
   * later). A refused token (`unauthenticated`, or `permission_denied` for
   * another user) changes nothing: the session stays open until its expiry.
   */
  async refresh(raw: string): Promise<{ userId: string; expireTime: string }> {
    const token = await this.#ctx.verifier.verify(raw);
    if (token.userId !== this.userId)
      throw new HeraldError("permission_denied", "the token is for another user", { field: "refresh.token" });
    if (this.state !== "open") throw new HeraldError("unavailable", "the session is closing");
    this.#cancelExpiry();
    this.#cancelExpiry = atDeadline(token.expiresAt, () => this.#expired());
    return { userId: token.userId, expireTime: token.expiresAt.toISOString() };
  }

  async #dispatch(id: number, op: ClientOp): Promise<string | null> {
    if (!OPERATIONS[op.$case].beforeAuth) {
      // Requests sent right after the upgrade (or the authenticate frame) wait for the session to be set up.
      if (this.state === "authenticating") await this.#authDone;
      if (this.state !== "open") throw new HeraldError("unauthenticated", "authenticate first");
    }
    return runOperation(this, id, op);
  }

  /** Rate limit: refused requests get `resource_exhausted`; a sustained flood closes the connection. */
  #allow(id: number): boolean {
    if (this.#limiter.take()) return true;
    if (this.#limiter.flooding) {
      this.close(CloseCode.flood, "rate limit exceeded persistently");
      return false;
    }
    this.#error(id, new HeraldError("resource_exhausted", "rate limit exceeded; slow down"));
    return false;
  }

  #error(id: number, err: HeraldError): void {
    this.#ctx.metrics?.wsErrors.inc({ code: err.code });
    this.send(errorFrame(id, err));
  }

  /**
   * Admits the verified user, subscribes (the stream queues live events from
   * here on), reads the starting point, replies, then catches up from it.
   */
  async #open(token: VerifiedToken, resumeFrom: number | null, replyId: number): Promise<void> {
    this.state = "authenticating";
    this.userId = token.userId;
    if (!this.#ctx.admitUser(token.userId)) {
      this.#error(replyId, new HeraldError("resource_exhausted", "too many new connections for this user; reconnect later, with backoff"));
      this.close(CloseCode.connectRate, "connection rate exceeded; reconnect with backoff");
      return;
    }
    try {
      if (await this.#ctx.moderation.isBanned(token.userId)) {
        this.#error(replyId, new HeraldError("permission_denied", "this user is banned"));
        this.close(CloseCode.banned, "banned");
        return;
      }
      await this.#ctx.attach(this);
      this.#attached = true;
      if (this.isClosed()) return this.#ctx.detach(this);
      const { lastSeq, unreadCount } = await this.#ctx.inbox.sessionState(token.userId);
      if (this.isClosed()) return;
      // A resume point beyond the newest stored seq (a reset database, another
      // user's state) cannot be trusted: start at the newest. The client sees
      // `last_seq` in the reply below its own and can reset.
      const from = resumeFrom === null ? lastSeq : Math.min(resumeFrom, lastSeq);
      this.state = "open";
      this.#onAuthenticated();
      this.#cancelExpiry = atDeadline(token.expiresAt, () => this.#expired());
      const value = {
        userId: token.userId,
        sessionId: this.sessionId,
        expireTime: token.expiresAt.toISOString(),
        unreadCount,
        lastSeq: String(lastSeq),
      };
      this.send(encodeFrame(replyId, { $case: "authenticate", value }));
      this.#stream.open(from, lastSeq);
    } catch (err) {
      const e = toHeraldError(err);
      if (e.code === "internal") this.#ctx.log.error({ err, session: this.sessionId }, "session setup failed");
      this.#error(replyId, e);
      if (e.code === "resource_exhausted") this.close(CloseCode.connectionLimit, "too many connections for this user");
      else this.close(CloseCode.resyncFailed, "could not start the session; reconnect");
    }
  }

  /** The token expired: every room subscription ends (`unsubscribed`), then the notice and the close. */
  #expired(): void {
    if (this.state === "closed") return;
    this.roomSubs.endAll("token_expired");
    this.send(systemNoticePush(SystemCode.TOKEN_EXPIRED, "token expired"));
    this.close(CloseCode.tokenExpired, "token expired");
  }
}

/** An authenticate frame's inbox filter, validated (an absent or empty one is none). */
function parseInboxFilter(raw: Record<string, unknown> | undefined): Filter | null {
  return raw === undefined || Object.keys(raw).length === 0 ? null : parseFilter(raw, "authenticate.inbox_filter");
}
