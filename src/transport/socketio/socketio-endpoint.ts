import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { Server, type Socket } from "socket.io";
import type { JwtVerifier } from "../../auth/jwt-verifier.js";
import type { SocketIoConfig, WsConfig } from "../../config.js";
import type { InboxService } from "../../domain/inbox-service.js";
import type { Logger } from "../../domain/logger.js";
import type { ModerationService } from "../../domain/moderation-service.js";
import type { RoomService } from "../../domain/room-service.js";
import type { Metrics } from "../../metrics.js";
import { parseRequestTarget, rejectUpgrade } from "../http/http-server.js";
import type { ReadBudget } from "../session/read-budget.js";
import type { RoomHub } from "../session/room-hub.js";
import type { SessionContext } from "../session/session-context.js";
import type { ConnectionHub } from "../ws/connection-hub.js";
import type { ConnectionLimiter } from "../ws/connection-limiter.js";
import type { WriteBatcher } from "../ws/write-batcher.js";
import { EngineWriter } from "./engine-writer.js";
import { FrameTranslator } from "./frame-events.js";
import { SocketIoConnection } from "./socketio-connection.js";

/**
 * The Socket.IO endpoint: the real `socket.io` v4 server (no adapter, no
 * connection-state recovery), mounted on Herald's HTTP server as a prefix
 * route of `config.path` for requests (long-polling) and upgrades
 * (WebSocket). Socket.IO is attached to a private, never-listening
 * `http.Server` only to get its Engine.IO instance; Herald's router hands it
 * the requests (`request`, `upgrade`).
 *
 * Contracts:
 * - admission at the handshake (a request without `sid`), before Engine.IO
 *   sees it, as the native endpoint's: a draining node 503, a browser Origin
 *   not allowed 403, a client address over its connection rate 429;
 * - each socket of an accepted namespace holds one of the node's
 *   unauthenticated slots until it authenticates (none free: `error`, then a
 *   disconnect), and becomes a `Session` over a `SocketIoTransport`
 *   (`SocketIoConnection`), registered in the native endpoint's
 *   `ConnectionHub` and `RoomHub`: per-user caps, single-connection mode,
 *   bans, disconnects, fan-out and rooms count and reach both endpoints' sessions;
 * - frame size is Engine.IO's `maxHttpBufferSize` (`HERALD_WS_MAX_FRAME_BYTES`);
 *   liveness is Engine.IO's ping (`HERALD_WS_HEARTBEAT_MS`).
 */
export class SocketIoEndpoint {
  readonly #config: SocketIoConfig;
  readonly #ws: WsConfig;
  readonly #io: Server;
  readonly #ctx: SessionContext;
  readonly #admission: ConnectionLimiter;
  readonly #translator: FrameTranslator;
  readonly #writer: EngineWriter;
  readonly #accepting: () => boolean;
  readonly #log: Logger;

  constructor(options: {
    config: SocketIoConfig;
    ws: WsConfig;
    nodeId: string;
    inbox: InboxService;
    rooms: RoomService;
    moderation: ModerationService;
    verifier: JwtVerifier;
    /** The native endpoint's hubs: one set of sessions per node, whatever their transport. */
    hub: ConnectionHub;
    roomHub: RoomHub;
    /** The native endpoint's write coalescing: one notion of a busy loop turn per node. */
    batcher: WriteBatcher;
    /** The native endpoint's admission buckets and read budget: one allowance per client, whichever endpoint it uses. */
    admission: ConnectionLimiter;
    reads: ReadBudget;
    /** False once the node drains. */
    accepting: () => boolean;
    log: Logger;
    metrics?: Metrics;
  }) {
    const { config, ws, hub } = options;
    this.#config = config;
    this.#ws = ws;
    this.#accepting = options.accepting;
    this.#log = options.log;
    this.#translator = new FrameTranslator(config);
    this.#writer = new EngineWriter({ batcher: options.batcher });
    this.#admission = options.admission;
    this.#ctx = {
      reads: options.reads,
      admitUser: (userId) => this.#admission.admitUser(userId),
      inbox: options.inbox,
      rooms: options.rooms,
      roomHub: options.roomHub,
      nodeId: options.nodeId,
      moderation: options.moderation,
      verifier: options.verifier,
      log: options.log,
      authTimeoutMs: ws.authTimeoutMs,
      maxBufferedBytes: ws.maxBufferedBytes,
      rateLimitPerSec: ws.rateLimitPerSec,
      rateBurst: ws.rateBurst,
      metrics: options.metrics,
      attach: async (c) => {
        await hub.attach(c);
        options.metrics?.socketIoConnections.inc();
      },
      detach: (c) => {
        hub.detach(c);
        options.metrics?.socketIoConnections.dec();
      },
    };
    this.#io = new Server(createServer(), {
      path: config.path,
      serveClient: false,
      connectTimeout: ws.authTimeoutMs,
      pingInterval: ws.heartbeatMs,
      pingTimeout: Math.min(ws.heartbeatMs, 20_000),
      maxHttpBufferSize: ws.maxFrameBytes,
      perMessageDeflate: false,
      httpCompression: false,
      cors: { origin: ws.allowedOrigins.includes("*") ? true : ws.allowedOrigins, credentials: true },
    });
    for (const nsp of config.namespaces) this.#io.of(nsp).on("connection", (socket) => this.#onConnection(socket));
    // Socket.IO always has the main namespace: refuse it when it is not one of ours.
    if (!config.namespaces.includes("/")) this.#io.of("/").use((_socket, next) => next(new Error("Invalid namespace")));
  }

  /** The prefix the HTTP server routes here (`/socket.io/`). */
  get path(): string {
    return this.#config.path;
  }

  /** The request route (long-polling, and the handshake of either transport). */
  readonly request = (req: IncomingMessage, res: ServerResponse): void => {
    const refusal = this.#admit(req);
    if (refusal !== null) {
      res.writeHead(refusal.status, { "content-type": "application/json", ...(refusal.retry ? { "retry-after": "1" } : {}) });
      res.end(JSON.stringify({ code: refusal.code, message: refusal.text }));
      return;
    }
    this.#io.engine.handleRequest(req, res);
  };

  /** The upgrade route (the WebSocket transport, new or upgraded from polling). */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const refusal = this.#admit(req);
    if (refusal !== null) return rejectUpgrade(socket, refusal.status, refusal.text);
    this.#io.engine.handleUpgrade(req, socket, head);
  };

  /** Closes every Socket.IO connection still open (the hub has closed the authenticated ones with 3000). */
  stop(): void {
    this.#io.disconnectSockets(true);
    this.#io.engine.close();
  }

  /** Admission of a handshake (a request without `sid`); null: admitted. */
  #admit(req: IncomingMessage): { status: number; text: string; code: string; retry: boolean } | null {
    const url = parseRequestTarget(req.url);
    if (url === null) return { status: 400, text: "Bad Request", code: "invalid_argument", retry: false };
    if (url.searchParams.has("sid")) return null;
    if (!this.#accepting()) return { status: 503, text: "Service Unavailable", code: "unavailable", retry: true };
    const origin = req.headers.origin;
    const allowed = this.#ws.allowedOrigins;
    if (origin !== undefined && !allowed.includes("*") && !allowed.includes(origin))
      return { status: 403, text: "Forbidden", code: "permission_denied", retry: false };
    if (!this.#admission.admitIp(req.socket.remoteAddress ?? ""))
      return { status: 429, text: "Too Many Requests", code: "resource_exhausted", retry: true };
    return null;
  }

  #onConnection(socket: Socket): void {
    const releaseSlot = this.#admission.takeUnauthenticated();
    if (releaseSlot === null) {
      const message = "too many unauthenticated connections on this node; retry later";
      socket.emit("error", message, { code: "unavailable", message });
      socket.conn.close();
      return;
    }
    try {
      new SocketIoConnection({
        socket,
        ctx: this.#ctx,
        translator: this.#translator,
        writer: this.#writer,
        publishableKeys: this.#config.publishableKeys,
        releaseSlot,
      }).start();
    } catch (err) {
      this.#log.error({ err }, "Socket.IO connection setup failed");
      releaseSlot();
      socket.disconnect(true);
    }
  }
}
