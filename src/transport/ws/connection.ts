import { randomUUID } from "node:crypto";
import type { WebSocket } from "ws";
import type { JwtVerifier, VerifiedToken } from "../../auth/jwt-verifier.js";
import { HeraldError, toHeraldError } from "../../domain/errors.js";
import type { InboxService } from "../../domain/inbox-service.js";
import { type Notification, SystemCode } from "../../domain/notification.js";
import type { UserEvent } from "../../domain/ports.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";
import type { ClientFrame } from "../../../gen/herald/gateway/v1/envelope.js";
import { seqFromProto } from "../../codec/proto-convert.js";
import { handleInboxRequest } from "./inbox-requests.js";
import { FrameError, parseClientFrame } from "./client-frame.js";
import { CLOSE_FOR_KIND, CloseCode } from "./close-codes.js";
import { RateLimiter } from "./rate-limiter.js";
import type { ReadBudget } from "./read-budget.js";
import { encodeFrame, errorFrame as encodeError, notificationPush, systemEventPush } from "./server-frames.js";

/** What a connection needs from its node. */
export interface ConnectionContext {
  inbox: InboxService;
  verifier: JwtVerifier;
  log: Logger;
  authTimeoutMs: number;
  maxBufferedBytes: number;
  rateLimitPerSec: number;
  rateBurst: number;
  metrics?: Metrics;
  /** The per-user budget of bytes read from the store, shared by `list` and catch-up. */
  reads: ReadBudget;
  /** Counts a new session of `userId`; false when the user opens connections faster than allowed. */
  admitUser(userId: string): boolean;
  /** Registers an authenticated connection; throws `resource_exhausted` over the user's cap. */
  attach(conn: Connection): Promise<void>;
  detach(conn: Connection): void;
}

/** Rows per catch-up read: also the most a catch-up can take the read budget into debt. */
const CATCH_UP_PAGE = 100;
/**
 * Largest frame accepted before a token is verified (a token is at most 8,192
 * characters); a larger one closes with 1009 without being parsed.
 */
export const PRE_AUTH_MAX_FRAME_BYTES = 10 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Queued {
  event: UserEvent & { kind: "notification" };
  gen: number;
}

/**
 * One client WebSocket. Contract for persistent notifications: pushed in seq
 * order, each exactly once, with no gap that the store could fill. A seq that
 * skips ahead, a resume and a fan-out reconnect all go through `#catchUp`,
 * which reads the store after the last seq sent; live events arriving
 * meanwhile are queued and merged in order.
 */
export class Connection {
  readonly sessionId = randomUUID();
  readonly openedAtMs = Date.now();
  userId = "";
  state: "awaiting_auth" | "authenticating" | "open" | "closed" = "awaiting_auth";
  /** Heartbeat: set on pong, cleared on ping. */
  alive = true;
  readonly #ws: WebSocket;
  readonly #ctx: ConnectionContext;
  readonly #limiter: RateLimiter;
  #lastSeq = 0;
  #syncing = false;
  #queue: Queued[] = [];
  #gen = 0;
  #authTimer: NodeJS.Timeout | undefined;
  #expiryTimer: NodeJS.Timeout | undefined;
  #attached = false;
  /** A token has been verified (with the upgrade, or from the authenticate frame). */
  #verified = false;
  readonly #onAuthenticated: () => void;
  /** Settles when a running authentication has finished (either way). */
  #authDone: Promise<void> = Promise.resolve();

  /** `onAuthenticated` is called once, when the session opens (the gateway frees an unauthenticated slot). */
  constructor(options: { ws: WebSocket; ctx: ConnectionContext; onAuthenticated?: () => void }) {
    this.#ws = options.ws;
    this.#ctx = options.ctx;
    this.#onAuthenticated = options.onAuthenticated ?? (() => {});
    this.#limiter = new RateLimiter({ ratePerSec: options.ctx.rateLimitPerSec, burst: options.ctx.rateBurst });
    this.#ws.on("message", (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    this.#ws.on("pong", () => (this.alive = true));
    this.#ws.on("close", () => this.#onClosed());
    this.#ws.on("error", (err) => this.#ctx.log.debug({ err, session: this.sessionId }, "socket error"));
  }

  /** Starts the session: authenticated already (token with the upgrade) or waiting for an authenticate frame. */
  start(pre: { token: VerifiedToken; resumeFrom: number | null } | null): void {
    if (pre) {
      this.#verified = true;
      this.#authDone = this.#authenticate(pre.token, pre.resumeFrom, 0);
      return;
    }
    this.#authTimer = setTimeout(() => {
      if (this.state !== "awaiting_auth") return;
      this.#error(0, new HeraldError("deadline_exceeded", "no authenticate frame within the auth deadline"));
      this.close(CloseCode.authTimeout, "authentication timeout");
    }, this.#ctx.authTimeoutMs);
  }

  isClosed(): boolean {
    return this.state === "closed";
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  #error(id: number, err: HeraldError): void {
    this.#ctx.metrics?.wsErrors.inc({ code: err.code });
    this.send(encodeError(id, err));
  }

  /** Sends a text frame unless closed; closes a consumer whose unsent output passed the bound. */
  send(text: string): void {
    if (this.state === "closed") return;
    if (this.#ws.bufferedAmount > this.#ctx.maxBufferedBytes) {
      this.close(CloseCode.slowConsumer, "slow consumer: too much unsent data");
      return;
    }
    this.#ws.send(text);
  }

  /** Closes with a code; a peer that does not complete the close handshake is cut after 5 s. */
  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.#ctx.metrics?.wsCloses.inc({ code: String(code) });
    this.#onClosed();
    this.#ws.close(code, reason);
    setTimeout(() => this.#ws.terminate(), 5000).unref();
  }

  ping(): void {
    if (this.state !== "closed") this.#ws.ping();
  }

  terminate(): void {
    this.#onClosed();
    this.#ws.terminate();
  }

  /** A user event from the fan-out bus. */
  deliver(event: UserEvent): void {
    if (this.state === "closed") return;
    switch (event.kind) {
      case "notification":
        this.#onNotification(event);
        return;
      case "system_event":
        if (event.exceptSessionId !== this.sessionId) this.send(systemEventPush(event.event));
        return;
      case "close": {
        const c = event.close;
        if (c.exceptSessionIds.includes(this.sessionId)) return;
        if (c.sessionIds.length > 0 && !c.sessionIds.includes(this.sessionId)) return;
        if (c.kind === "session_replaced")
          this.send(systemEventPush({ code: SystemCode.SESSION_REPLACED, reason: "a newer connection took over", notificationIds: [], upToSeq: 0, unreadCount: 0, time: new Date() }));
        const { code, reason } = CLOSE_FOR_KIND[c.kind];
        this.close(code, reason);
        return;
      }
      case "opened":
        return; // the hub acts on these
    }
  }

  /** Re-reads the store after the last seq sent (after a fan-out outage). */
  resync(): void {
    if (this.state === "open" && !this.#syncing) void this.#catchUp();
  }

  #onNotification(event: UserEvent & { kind: "notification" }): void {
    const n = event.notification;
    this.#gen++;
    if (this.#syncing || this.state !== "open") {
      this.#queue.push({ event, gen: this.#gen });
      return;
    }
    if (!n.persistent) return this.#push(n);
    if (n.seq <= this.#lastSeq) return;
    if (n.seq === this.#lastSeq + 1) return this.#push(n);
    this.#queue.push({ event, gen: this.#gen });
    void this.#catchUp();
  }

  #push(n: Notification): void {
    if (n.persistent && n.seq > this.#lastSeq) this.#lastSeq = n.seq;
    this.#ctx.metrics?.pushed.inc();
    this.send(notificationPush(n));
  }

  async #catchUp(): Promise<void> {
    this.#syncing = true;
    try {
      for (;;) {
        const fetchGen = this.#gen;
        for (;;) {
          const after = this.#lastSeq;
          const read = () => this.#ctx.inbox.store.listAfter(this.userId, after, CATCH_UP_PAGE);
          const rows = await this.#ctx.reads.paced(this.userId, read, encodedBytes, () => this.isClosed());
          if (rows === undefined || this.state === "closed") return;
          for (const r of rows) {
            if (this.#ws.bufferedAmount > this.#ctx.maxBufferedBytes / 2) await this.#drained();
            if (this.isClosed()) return;
            this.#push(r);
          }
          if (rows.length < CATCH_UP_PAGE) break;
        }
        // Merge what arrived meanwhile. A gap left by an event received before
        // this fetch began is real (deleted or expired); a later one needs another fetch.
        let i = 0;
        for (; i < this.#queue.length; i++) {
          const { event, gen } = this.#queue[i]!;
          const n = event.notification;
          if (!n.persistent) this.#push(n);
          else if (n.seq <= this.#lastSeq) continue;
          else if (n.seq === this.#lastSeq + 1 || gen <= fetchGen) this.#push(n);
          else break;
        }
        this.#queue = this.#queue.slice(i);
        if (this.#queue.length === 0) break;
      }
      this.#syncing = false;
    } catch (err) {
      this.#ctx.log.warn({ err, session: this.sessionId }, "catch-up from the store failed; closing for the client to resume");
      this.close(CloseCode.resyncFailed, "could not read missed notifications; reconnect and resume");
    }
  }

  /**
   * Backpressure for catch-up: a large backlog is read page by page, each page
   * once the client has taken most of the previous one (and the user's read
   * budget allows it), so a resume never trips the slow-consumer bound that
   * protects live delivery.
   */
  async #drained(): Promise<void> {
    const low = this.#ctx.maxBufferedBytes / 4;
    while (this.state !== "closed" && this.#ws.bufferedAmount > low) await new Promise((r) => setTimeout(r, 5));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (this.state === "closed") return;
    // Before a token is verified a frame may cost no more than a small parse:
    // its size is capped, and the rate limit is taken before parsing.
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
    this.#dispatch(parsed.id, parsed.frame).then(
      (reply) => reply !== null && this.send(reply),
      (err: unknown) => {
        const e = toHeraldError(err);
        if (e.code === "internal") this.#ctx.log.error({ err, session: this.sessionId }, "request failed");
        this.#error(parsed.id, e);
      },
    );
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

  async #dispatch(id: number, frame: ClientFrame): Promise<string | null> {
    const op = frame.op!;
    if (op.$case === "ping") return encodeFrame(id, { $case: "ping", value: { serverTime: new Date().toISOString() } });
    if (op.$case === "authenticate") {
      if (this.state !== "awaiting_auth") throw new HeraldError("failed_precondition", "already authenticated");
      this.state = "authenticating";
      clearTimeout(this.#authTimer);
      const { token: raw, lastSeq, resume } = op.value;
      this.#authDone = (async () => {
        let token: VerifiedToken;
        let resumeFrom: number | null;
        try {
          token = await this.#ctx.verifier.verify(raw);
          this.#verified = true;
          resumeFrom = resume || lastSeq !== "0" ? seqFromProto("authenticate.last_seq", lastSeq) : null;
        } catch (err) {
          this.#error(id, toHeraldError(err));
          this.close(CloseCode.invalidToken, "invalid authentication token");
          return;
        }
        await this.#authenticate(token, resumeFrom, id);
      })();
      await this.#authDone;
      return null;
    }
    // Requests sent right after the upgrade (or the authenticate frame) wait for the session to be set up.
    if (this.state === "authenticating") await this.#authDone;
    if (this.state !== "open") throw new HeraldError("unauthenticated", "authenticate first");
    return handleInboxRequest(this.#ctx, { userId: this.userId, sessionId: this.sessionId }, id, op);
  }

  async #authenticate(token: VerifiedToken, resumeFrom: number | null, replyId: number): Promise<void> {
    this.state = "authenticating";
    this.userId = token.userId;
    const inbox = this.#ctx.inbox;
    if (!this.#ctx.admitUser(token.userId)) {
      this.#error(replyId, new HeraldError("resource_exhausted", "too many new connections for this user; reconnect later, with backoff"));
      this.close(CloseCode.connectRate, "connection rate exceeded; reconnect with backoff");
      return;
    }
    try {
      if (await inbox.isBanned(token.userId)) {
        this.#error(replyId, new HeraldError("permission_denied", "this user is banned"));
        this.close(CloseCode.banned, "banned");
        return;
      }
      // Queue live events from here on; they are merged after the initial state is read.
      this.#syncing = true;
      await this.#ctx.attach(this);
      this.#attached = true;
      if (this.isClosed()) return this.#ctx.detach(this);
      const [lastSeq, unread] = await Promise.all([inbox.store.lastSeq(token.userId), inbox.store.unreadCount(token.userId)]);
      if (this.isClosed()) return;
      // A resume point beyond the newest stored seq (a reset database, another
      // user's state) cannot be trusted: start at the newest. The client sees
      // `last_seq` in the reply below its own and can reset.
      this.#lastSeq = resumeFrom === null ? lastSeq : Math.min(resumeFrom, lastSeq);
      this.state = "open";
      this.#onAuthenticated();
      this.#armExpiry(token.expiresAt);
      this.send(
        encodeFrame(replyId, {
          $case: "authenticate",
          value: { userId: token.userId, sessionId: this.sessionId, expireTime: token.expiresAt.toISOString(), unreadCount: unread, lastSeq: String(lastSeq) },
        }),
      );
      void this.#catchUp();
    } catch (err) {
      const e = toHeraldError(err);
      if (e.code === "internal") this.#ctx.log.error({ err, session: this.sessionId }, "session setup failed");
      this.#error(replyId, e);
      if (e.code === "resource_exhausted") this.close(CloseCode.connectionLimit, "too many connections for this user");
      else this.close(CloseCode.resyncFailed, "could not start the session; reconnect");
    }
  }

  #armExpiry(at: Date): void {
    const ms = at.getTime() - Date.now();
    this.#expiryTimer = setTimeout(() => {
      if (this.state === "closed") return;
      if (at.getTime() > Date.now()) return this.#armExpiry(at);
      this.send(systemEventPush({ code: SystemCode.TOKEN_EXPIRED, reason: "token expired", notificationIds: [], upToSeq: 0, unreadCount: 0, time: new Date() }));
      this.close(CloseCode.tokenExpired, "token expired");
    }, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    this.#expiryTimer.unref();
  }

  #onClosed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.#authTimer);
    clearTimeout(this.#expiryTimer);
    this.#queue = [];
    if (this.#attached) this.#ctx.detach(this);
  }
}

/** What a catch-up read costs: the bytes of its rows as pushed (the encodings are cached for the pushes). */
function encodedBytes(rows: Notification[]): number {
  let n = 0;
  for (const r of rows) n += notificationPush(r).length;
  return n;
}
