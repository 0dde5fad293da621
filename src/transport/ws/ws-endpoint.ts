import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { JwtVerifier } from "../../auth/jwt-verifier.js";
import type { WsConfig } from "../../config.js";
import { type HeraldError, toHeraldError } from "../../domain/errors.js";
import type { InboxService } from "../../domain/inbox-service.js";
import type { Logger } from "../../domain/logger.js";
import type { ModerationService } from "../../domain/moderation-service.js";
import type { Broker, PresenceDirectory } from "../../domain/ports.js";
import type { RoomService } from "../../domain/room-service.js";
import { checkSeq } from "../../domain/validate.js";
import type { Metrics } from "../../metrics.js";
import { rejectUpgrade } from "../http/http-server.js";
import { CloseCode } from "../session/close-codes.js";
import { ReadBudget } from "../session/read-budget.js";
import { RoomHub } from "../session/room-hub.js";
import { errorFrame } from "../session/server-frames.js";
import type { PreAuthenticated, SessionContext } from "../session/session-context.js";
import { ConnectionHub } from "./connection-hub.js";
import { ConnectionLimiter } from "./connection-limiter.js";
import { Heartbeat } from "./heartbeat.js";
import { WriteBatcher } from "./write-batcher.js";
import { wsSession } from "./ws-transport.js";

/**
 * The WebSocket endpoint: an upgrade route of the HTTP server (`upgrade`, on
 * config `path`). Before the upgrade it refuses a draining node (503), a
 * browser origin not allowed (403), a client address upgrading too fast (429)
 * and a node full of unauthenticated connections (503). A token in the
 * `Authorization: Bearer` header or the `token` query parameter is verified
 * before the upgrade; without one the client sends an authenticate frame.
 * Each accepted socket becomes a session; the hub holds the authenticated ones
 * and the heartbeat pings them.
 */
export class WsEndpoint {
  readonly hub: ConnectionHub;
  /** This node's room subscriptions (the rooms' topics it listens to). */
  readonly roomHub: RoomHub;
  readonly #config: WsConfig;
  readonly #verifier: JwtVerifier;
  readonly #wss: WebSocketServer;
  readonly #ctx: SessionContext;
  /** New connections per address and per user, and the unauthenticated cap: the node's, shared with the Socket.IO endpoint. */
  readonly admission: ConnectionLimiter;
  /** The per-user budget of bytes read from the store, shared with the Socket.IO endpoint. */
  readonly reads: ReadBudget;
  readonly #heartbeat: Heartbeat;
  /** Coalesces the frames of one loop turn per socket into one write; shared with the Socket.IO endpoint. */
  readonly batcher = new WriteBatcher();
  #draining = false;

  constructor(options: {
    config: WsConfig;
    nodeId: string;
    inbox: InboxService;
    rooms: RoomService;
    moderation: ModerationService;
    bus: Broker;
    presence: PresenceDirectory;
    verifier: JwtVerifier;
    log: Logger;
    metrics?: Metrics;
  }) {
    const { config, metrics } = options;
    this.#config = config;
    this.#verifier = options.verifier;
    this.hub = new ConnectionHub({
      bus: options.bus,
      presence: options.presence,
      log: options.log,
      nodeId: options.nodeId,
      maxConnectionsPerUser: config.maxConnectionsPerUser,
      singleConnection: config.singleConnection,
    });
    this.roomHub = new RoomHub({
      bus: options.bus,
      log: options.log,
      membersAmong: (roomId, userIds) => options.rooms.membersAmong(roomId, userIds),
    });
    this.reads = new ReadBudget({ bytesPerSec: config.readBytesPerSec, burstBytes: config.readBurstBytes });
    this.admission = new ConnectionLimiter({
      perIp: { ratePerSec: config.connectRatePerIp, burst: config.connectBurstPerIp },
      perUser: { ratePerSec: config.connectRatePerUser, burst: config.connectBurstPerUser },
      maxUnauthenticated: config.maxUnauthenticated,
    });
    this.#ctx = {
      reads: this.reads,
      admitUser: (userId) => this.admission.admitUser(userId),
      inbox: options.inbox,
      rooms: options.rooms,
      roomHub: this.roomHub,
      nodeId: options.nodeId,
      moderation: options.moderation,
      verifier: options.verifier,
      log: options.log,
      authTimeoutMs: config.authTimeoutMs,
      maxBufferedBytes: config.maxBufferedBytes,
      rateLimitPerSec: config.rateLimitPerSec,
      rateBurst: config.rateBurst,
      metrics,
      attach: async (c) => {
        await this.hub.attach(c);
        metrics?.wsConnections.inc();
      },
      detach: (c) => {
        this.hub.detach(c);
        metrics?.wsConnections.dec();
      },
    };
    this.#heartbeat = new Heartbeat({ intervalMs: config.heartbeatMs, targets: () => this.hub.connections() });
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
  }

  /** Whether new connections are accepted (false once draining). */
  get accepting(): boolean {
    return !this.#draining;
  }

  /** Starts the heartbeat. */
  start(): void {
    this.#heartbeat.start();
  }

  /** Stops accepting and tells every client to reconnect elsewhere (a reconnect-range close). */
  drain(): void {
    this.#draining = true;
    for (const c of [...this.hub.connections()]) c.close(CloseCode.shutdown, "server shutting down; reconnect");
  }

  /** Drains, then stops the heartbeat and leaves the broker's topics. */
  stop(): void {
    this.drain();
    this.#heartbeat.stop();
    this.hub.close();
    this.roomHub.close();
  }

  /** The upgrade route: admission, then the token if one came with the request, then the session. */
  readonly upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> => {
    const releaseSlot = this.#admit(req, socket);
    if (releaseSlot === null) return;
    const pre = await this.#preAuthenticate(req, url);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (pre !== null && "err" in pre) {
        // Browsers cannot read an HTTP 401 on a failed upgrade: say it in a frame, then close.
        ws.send(errorFrame(0, pre.err));
        ws.close(pre.code, pre.err.code === "unauthenticated" ? "invalid authentication token" : "bad request");
        setTimeout(() => ws.terminate(), 5000).unref();
        return;
      }
      wsSession({ ws, socket, batcher: this.batcher, ctx: this.#ctx, onAuthenticated: releaseSlot }).start(pre);
    });
  };

  /**
   * Admission, before any token is verified: not draining, an allowed origin,
   * a rate of upgrades per client address, and a node-wide cap on connections
   * not authenticated yet. Returns the function that gives the slot back (when
   * the session opens or the socket closes), or null after refusing.
   */
  #admit(req: IncomingMessage, socket: Duplex): (() => void) | null {
    if (this.#draining) return refuse(socket, 503, "Service Unavailable");
    if (!this.#originAllowed(req.headers.origin)) return refuse(socket, 403, "Forbidden");
    if (!this.admission.admitIp(req.socket.remoteAddress ?? "")) return refuse(socket, 429, "Too Many Requests");
    const releaseSlot = this.admission.takeUnauthenticated();
    if (releaseSlot === null) return refuse(socket, 503, "Service Unavailable");
    socket.once("close", releaseSlot);
    return releaseSlot;
  }

  #originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true; // not a browser: CSWSH needs a browser's ambient credentials
    const allowed = this.#config.allowedOrigins;
    return allowed.includes("*") || allowed.includes(origin);
  }

  /** The token that came with the request, verified (null: none came), or why it was refused and the close code. */
  async #preAuthenticate(req: IncomingMessage, url: URL): Promise<PreAuthenticated | { err: HeraldError; code: number } | null> {
    const header = req.headers.authorization;
    if (header === undefined && !url.searchParams.has("token")) return null;
    const token = header ? (/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? "") : (url.searchParams.get("token") ?? "");
    try {
      const verified = await this.#verifier.verify(token);
      const ls = url.searchParams.get("last_seq");
      return { token: verified, resumeFrom: ls === null ? null : checkSeq("last_seq", ls) };
    } catch (err) {
      const e = toHeraldError(err);
      return { err: e, code: e.code === "unauthenticated" ? CloseCode.invalidToken : CloseCode.badRequest };
    }
  }
}

function refuse(socket: Duplex, status: number, text: string): null {
  rejectUpgrade(socket, status, text);
  return null;
}
