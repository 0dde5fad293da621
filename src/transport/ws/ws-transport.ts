import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { FrameTransport } from "../session/frame-transport.js";
import { Session } from "../session/session.js";
import type { SessionContext } from "../session/session-context.js";
import type { WriteBatcher } from "./write-batcher.js";

/** How long a peer has to complete a close handshake before it is cut. */
const CLOSE_GRACE_MS = 5000;

/** Send options of a frame given as bytes: a text frame (`ws` would send a Buffer as binary). */
const TEXT = { binary: false } as const;

/** A `ws` socket as a session's transport: the only part of a session that knows `ws`. */
export class WsTransport implements FrameTransport {
  alive = true;
  readonly #ws: WebSocket;
  readonly #socket: Duplex;
  readonly #batcher: WriteBatcher;

  constructor(options: { ws: WebSocket; socket: Duplex; batcher: WriteBatcher }) {
    this.#ws = options.ws;
    this.#socket = options.socket;
    this.#batcher = options.batcher;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /**
   * A frame given as bytes is a push shared by many sockets (a room's
   * fan-out): it is held with the rest of this loop turn's (`WriteBatcher`).
   * A string (a reply, an inbox push) is written at once unless the turn is
   * a busy one (a fan-out to many users), or the socket is held already, where
   * it joins the held frames in order.
   */
  send(frame: string | Buffer): void {
    if (typeof frame === "string") {
      if (!this.#batcher.mayWriteNow()) this.#batcher.hold(this.#socket);
      this.#ws.send(frame);
    } else {
      this.#batcher.hold(this.#socket);
      this.#ws.send(frame, TEXT);
    }
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
    setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  terminate(): void {
    this.#ws.terminate();
  }

  ping(): void {
    this.#ws.ping();
  }

  /** Hands the socket's frames, pongs and close to `session`. */
  bind(session: Session, ctx: Pick<SessionContext, "log">): void {
    this.#ws.on("message", (data, isBinary) => session.receive(data as Buffer, isBinary));
    this.#ws.on("pong", () => (this.alive = true));
    this.#ws.on("close", () => session.transportClosed());
    this.#ws.on("error", (err) => ctx.log.debug({ err, session: session.sessionId }, "socket error"));
  }
}

/** A session on an upgraded socket; call `start` on it. */
export function wsSession(options: {
  ws: WebSocket;
  socket: Duplex;
  batcher: WriteBatcher;
  ctx: SessionContext;
  onAuthenticated?: () => void;
}): Session {
  const transport = new WsTransport(options);
  const session = new Session({ transport, ctx: options.ctx, onAuthenticated: options.onAuthenticated });
  transport.bind(session, options.ctx);
  return session;
}
