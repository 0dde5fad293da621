import type { Socket } from "socket.io";
import type { VerifiedToken } from "../../auth/jwt-verifier.js";
import { HeraldError, toHeraldError } from "../../domain/errors.js";
import { checkSeq } from "../../domain/validate.js";
import { CloseCode } from "../session/close-codes.js";
import { RateLimiter } from "../session/rate-limiter.js";
import { errorFrame } from "../session/server-frames.js";
import { Session } from "../session/session.js";
import type { SessionContext } from "../session/session-context.js";
import * as events from "./client-events.js";
import { handshakeResume, handshakeToken, userResolver } from "./credentials.js";
import type { EngineWriter } from "./engine-writer.js";
import type { FrameTranslator } from "./frame-events.js";
import { type ReplyBody, SocketIoTransport } from "./socketio-transport.js";

const MAX_REQUEST_ID = 2 ** 31 - 1;
/** Notification acknowledgements are sent to the store together, at most this often... */
const ACK_FLUSH_MS = 50;
/** ...or as soon as this many are waiting (the native `ack` takes up to 1,000 ids). */
const ACK_BATCH = 1000;

type Ack = (body: unknown) => void;
type Json = Record<string, unknown>;

/**
 * One Socket.IO socket (of any accepted namespace) bridged to one native
 * `Session`. Contracts:
 * - authentication: a token in the handshake (`credentials.ts`) is verified
 *   at once; otherwise `room.user.join` (a JWT as `token`, or a publishable
 *   key with `channelUserId` when configured) must come within the auth
 *   deadline. A refused token: `error` "Invalid authentication token", then
 *   a disconnect (no automatic reconnect). The verified user opens the
 *   session exactly as a native token at the upgrade does (bans, caps,
 *   connection rates, resume);
 * - every client event becomes one native operation handed to the session as
 *   a frame (`client-events.ts`), so the session's checks and limits apply;
 *   events sent before authentication has finished wait for it; the event's
 *   acknowledgement callback, if any, gets the reply's value or `{error}`,
 *   and without one an error becomes an `error` event;
 * - every event counts against a per-socket rate limit like native frames
 *   (refused: an `error` event; a sustained flood closes with 4508);
 * - a `notification` acknowledged by its callback is acked in the store,
 *   batched (one native `ack` per 50 ms or 1,000 ids).
 */
export class SocketIoConnection {
  readonly #socket: Socket;
  readonly #ctx: SessionContext;
  readonly #transport: SocketIoTransport;
  readonly #session: Session;
  readonly #limiter: RateLimiter;
  readonly #publishableKeys: readonly string[];
  readonly #releaseSlot: () => void;
  /** Room id -> subscription id, for `room.leave`. */
  readonly #channels = new Map<string, string>();
  #auth: "none" | "pending" | "open" = "none";
  /** MinChat's `chat` events were asked for (`room.user.join`, or credentials beside `room.join`). */
  #chat = false;
  #authDone: Promise<void> = Promise.resolve();
  #authTimer: NodeJS.Timeout | undefined;
  #nextId = 0;
  #acked: string[] = [];
  #ackTimer: NodeJS.Timeout | undefined;

  constructor(options: {
    socket: Socket;
    ctx: SessionContext;
    translator: FrameTranslator;
    /** The node's writer of Socket.IO packets (one per endpoint). */
    writer: EngineWriter;
    publishableKeys: readonly string[];
    /** Gives back the node's unauthenticated slot (idempotent). */
    releaseSlot: () => void;
  }) {
    this.#socket = options.socket;
    this.#ctx = options.ctx;
    this.#publishableKeys = options.publishableKeys;
    this.#releaseSlot = options.releaseSlot;
    this.#transport = new SocketIoTransport({
      socket: options.socket,
      translator: options.translator,
      writer: options.writer,
      hooks: {
        acknowledged: (id) => this.#acknowledged(id),
        userId: () => this.#session.userId,
        roomLeft: (roomId) => this.#channels.delete(roomId),
        wantsChat: () => this.#chat,
      },
    });
    this.#session = new Session({ transport: this.#transport, ctx: options.ctx, onAuthenticated: options.releaseSlot });
    this.#limiter = new RateLimiter({ ratePerSec: options.ctx.rateLimitPerSec, burst: options.ctx.rateBurst });
  }

  /** The bridged session (the node's hub holds it once authenticated). */
  get session(): Session {
    return this.#session;
  }

  /** Binds the socket's events and starts authentication (handshake token) or the auth deadline. */
  start(): void {
    const s = this.#socket;
    s.on("disconnect", () => {
      clearTimeout(this.#authTimer);
      this.#flushAcks();
      this.#releaseSlot();
      this.#session.transportClosed();
    });
    s.use((_packet, next) => (this.#allow() ? next() : undefined));
    this.#bind();
    let token: string | null;
    let resume: number | null;
    try {
      token = handshakeToken(s.handshake);
      resume = handshakeResume(s.handshake);
    } catch (err) {
      return this.#fail(toHeraldError(err), CloseCode.badRequest);
    }
    if (token !== null) return this.#authenticate(() => this.#ctx.verifier.verify(token), resume);
    this.#authTimer = setTimeout(() => {
      if (this.#auth !== "none") return;
      const e = new HeraldError("deadline_exceeded", "no authentication within the auth deadline: send auth.token, or room.user.join");
      this.#fail(e, CloseCode.authTimeout);
    }, this.#ctx.authTimeoutMs);
  }

  #bind(): void {
    const on = (name: string, handler: (data: unknown, ack: Ack | undefined) => void) =>
      this.#socket.on(name, (...args: unknown[]) => {
        const ack = typeof args.at(-1) === "function" ? (args.pop() as Ack) : undefined;
        try {
          handler(args[0], ack);
        } catch (err) {
          this.#ctx.log.error({ err, event: name, session: this.#session.sessionId }, "Socket.IO event handler failed");
          this.#answer(ack, { error: detail(toHeraldError(err)) });
        }
      });
    on("ack notification", (d, ack) => this.#op(ack, () => events.ackNotification(d)));
    on("room.user.join", (d, ack) => this.#userJoin(d, ack));
    on("room.join", (d, ack) => this.#roomJoin(d, ack));
    on("room.leave", (d, ack) => this.#roomLeave(d, ack));
    on("message", (d, ack) => this.#op(ack, () => events.message(d)));
    on("message.update", (d, ack) => this.#op(ack, () => events.messageUpdate(d)));
    on("message.delete", (d, ack) => this.#op(ack, () => events.messageDelete(d)));
    on("typing.start", (d, ack) => this.#op(ack, () => events.typing("typing.start", d)));
    on("typing.stop", (d, ack) => this.#op(ack, () => events.typing("typing.stop", d)));
    on("herald", (d, ack) => this.#op(ack, () => events.nativeOperation(d)));
  }

  /** Rate limit of incoming events; refused: an `error` event; a flood closes (4508). */
  #allow(): boolean {
    if (this.#limiter.take()) return true;
    if (this.#limiter.flooding) this.#session.close(CloseCode.flood, "rate limit exceeded persistently");
    else this.#session.send(errorFrame(0, new HeraldError("resource_exhausted", "rate limit exceeded; slow down")));
    return false;
  }

  /** An error event, then a close with `code`. */
  #fail(e: HeraldError, code: number): void {
    this.#session.send(errorFrame(0, e));
    this.#session.close(code, e.message.slice(0, 120));
  }

  /**
   * Verifies the user (`resolve`), then opens the session as a token at the
   * upgrade does; a refusal fails the connection (4501).
   */
  #authenticate(resolve: () => Promise<VerifiedToken>, resume: number | null, ack?: Ack): void {
    this.#auth = "pending";
    clearTimeout(this.#authTimer);
    this.#authDone = (async () => {
      let token: VerifiedToken;
      try {
        token = await resolve();
      } catch (err) {
        return this.#fail(toHeraldError(err), CloseCode.invalidToken);
      }
      if (this.#session.isClosed()) return;
      const from = resume ?? (await this.#ctx.inbox.acknowledgedResumePoint(token.userId));
      if (this.#session.isClosed()) return;
      this.#session.start({ token, resumeFrom: from });
      this.#auth = "open";
      ack?.({ userId: token.userId });
    })().catch((err: unknown) => {
      this.#ctx.log.error({ err, session: this.#session.sessionId }, "Socket.IO authentication failed");
      this.#session.close(CloseCode.resyncFailed, "could not start the session; reconnect");
    });
  }

  /** MinChat's `room.user.join` `{channelUserId, apiKey}` or `{token}`: become the user. */
  #userJoin(data: unknown, ack: Ack | undefined): void {
    let resolve: () => Promise<VerifiedToken>;
    let resume: number | null;
    const d = (data ?? {}) as Json;
    try {
      if (typeof d !== "object" || Array.isArray(d)) throw HeraldError.invalid("room.user.join", "the event's payload must be an object");
      resume = d.lastSeq === undefined ? null : checkSeq("room.user.join.lastSeq", d.lastSeq);
      if (this.#auth !== "none") {
        if (this.#auth === "open" && (d.channelUserId === undefined || d.channelUserId === this.#session.userId)) {
          this.#chat = true;
          return ack?.({ userId: this.#session.userId });
        }
        throw new HeraldError("failed_precondition", "already authenticated");
      }
      resolve = userResolver(d, this.#ctx.verifier, this.#publishableKeys);
    } catch (err) {
      return this.#answer(ack, { error: detail(toHeraldError(err)) });
    }
    this.#chat = true;
    this.#authenticate(resolve, resume, ack);
  }

  /** `room.join`: credentials beside the channel authenticate first (MinChat sends its key with every join). */
  #roomJoin(data: unknown, ack: Ack | undefined): void {
    const d = (data ?? {}) as Json;
    if (this.#auth === "none" && (d.token !== undefined || d.channelUserId !== undefined)) this.#userJoin(d, undefined);
    this.#op(
      ack,
      () => events.roomJoin(data),
      (v) => this.#channels.set(String(v.roomId), String(v.subscriptionId)),
    );
  }

  #roomLeave(data: unknown, ack: Ack | undefined): void {
    this.#op(ack, () => {
      const channel = events.channelOf("room.leave", data);
      const subscriptionId = this.#channels.get(channel);
      if (subscriptionId === undefined)
        throw new HeraldError("not_found", "this connection has not joined the channel", { field: "room.leave.channelId" });
      this.#channels.delete(channel);
      return { leave: { subscriptionId } };
    });
  }

  /**
   * One client event as a native operation: built (a bad payload is answered
   * at once), then, once authenticated, handed to the session; the reply goes
   * to `ack` (and its value to `onValue`).
   */
  #op(ack: Ack | undefined, build: () => events.NativeOp, onValue?: (value: Json) => void): void {
    let op: events.NativeOp;
    try {
      op = build();
    } catch (err) {
      return this.#answer(ack, { error: detail(toHeraldError(err)) });
    }
    this.#whenOpen()
      .then(
        () =>
          this.#request(op, (body) => {
            if (!("error" in body)) onValue?.(replyValue(body));
            this.#answer(ack, body);
          }),
        (err: unknown) => this.#answer(ack, { error: detail(toHeraldError(err)) }),
      )
      .catch((err: unknown) => this.#ctx.log.error({ err, session: this.#session.sessionId }, "Socket.IO event failed"));
  }

  /** Resolves once the session is open (or being opened: the session then holds requests itself). */
  async #whenOpen(): Promise<void> {
    if (this.#auth === "pending") await this.#authDone;
    if (this.#auth !== "open")
      throw new HeraldError("unauthenticated", "authenticate first: auth.token in the handshake, or room.user.join");
  }

  /** Hands `op` to the session as a native frame with the bridge's next request id. */
  #request(op: events.NativeOp, onReply: (body: ReplyBody) => void): void {
    if (this.#session.isClosed()) return;
    this.#nextId = this.#nextId >= MAX_REQUEST_ID ? 1 : this.#nextId + 1;
    this.#transport.expect(this.#nextId, onReply);
    this.#session.receive(Buffer.from(JSON.stringify({ id: this.#nextId, ...op })), false);
  }

  /** A reply to the client's callback (its value, or `{error}`); without a callback an error is an `error` event. */
  #answer(ack: Ack | undefined, body: ReplyBody): void {
    const error = body.error as Json | undefined;
    if (ack) ack(error ? { error } : replyValue(body));
    else if (error) this.#session.send(JSON.stringify({ error }));
  }

  #acknowledged(notificationId: string): void {
    this.#acked.push(notificationId);
    if (this.#acked.length >= ACK_BATCH) this.#flushAcks();
    else this.#ackTimer ??= setTimeout(() => this.#flushAcks(), ACK_FLUSH_MS);
  }

  #flushAcks(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#acked.length === 0 || this.#auth !== "open") return;
    const ids = this.#acked;
    this.#acked = [];
    // Acks of a closing socket still reach the store: straight through the domain.
    if (this.#session.isClosed()) {
      this.#ctx.inbox.ack(this.#session.userId, ids).catch((err) => this.#ctx.log.warn({ err }, "notification ack failed"));
      return;
    }
    this.#request({ ack: { notificationIds: ids } }, (body) => {
      if ("error" in body) this.#ctx.log.debug({ err: body.error, session: this.#session.sessionId }, "notification ack refused");
    });
  }
}

function detail(e: HeraldError): Json {
  return { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) };
}

/** The value of a reply body `{"<op>": value}`. */
function replyValue(body: ReplyBody): Json {
  const key = Object.keys(body)[0];
  return key === undefined ? {} : ((body[key] ?? {}) as Json);
}
