import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { JwtVerifier, VerifiedToken } from "../../auth/jwt-verifier.js";
import type { WsConfig } from "../../config.js";
import { HeraldError, toHeraldError } from "../../domain/errors.js";
import type { InboxService } from "../../domain/inbox-service.js";
import type { FanoutBus } from "../../domain/ports.js";
import { checkSeq } from "../../domain/validate.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";
import { CloseCode } from "./close-codes.js";
import { Connection, type ConnectionContext } from "./connection.js";
import { ConnectionHub } from "./connection-hub.js";
import { errorFrame } from "./server-frames.js";

const HEARTBEAT_SLICE = 200;

/**
 * The node's one HTTP server: the WebSocket endpoint (config `path`), `/healthz`
 * (process up) and `/readyz` (accepting and the database answers). A token in
 * the `Authorization: Bearer` header or the `token` query parameter is checked
 * before the upgrade; without one the client sends an authenticate frame.
 */
export class WsGateway {
  readonly #config: WsConfig;
  readonly #host: string;
  readonly #port: number;
  readonly #inbox: InboxService;
  readonly #verifier: JwtVerifier;
  readonly #log: Logger;
  readonly #checkReady: () => Promise<boolean>;
  readonly #metrics: Metrics | undefined;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly hub: ConnectionHub;
  readonly #ctx: ConnectionContext;
  #heartbeat: NodeJS.Timeout | undefined;
  #draining = false;

  constructor(options: {
    config: WsConfig;
    host: string;
    port: number;
    nodeId: string;
    inbox: InboxService;
    bus: FanoutBus;
    verifier: JwtVerifier;
    log: Logger;
    checkReady: () => Promise<boolean>;
    metrics?: Metrics;
  }) {
    this.#config = options.config;
    this.#host = options.host;
    this.#port = options.port;
    this.#inbox = options.inbox;
    this.#verifier = options.verifier;
    this.#log = options.log;
    this.#checkReady = options.checkReady;
    this.#metrics = options.metrics;
    this.hub = new ConnectionHub({
      bus: options.bus,
      log: options.log,
      nodeId: options.nodeId,
      maxConnectionsPerUser: options.config.maxConnectionsPerUser,
      singleConnection: options.config.singleConnection,
    });
    this.#ctx = {
      inbox: options.inbox,
      verifier: options.verifier,
      log: options.log,
      authTimeoutMs: options.config.authTimeoutMs,
      maxBufferedBytes: options.config.maxBufferedBytes,
      rateLimitPerSec: options.config.rateLimitPerSec,
      rateBurst: options.config.rateBurst,
      metrics: options.metrics,
      attach: async (c) => {
        await this.hub.attach(c);
        options.metrics?.wsConnections.inc();
      },
      detach: (c) => {
        this.hub.detach(c);
        options.metrics?.wsConnections.dec();
      },
    };
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.config.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
    this.#http = createServer((req, res) => void this.#onHttp(req, res));
    this.#http.on("upgrade", (req, socket, head) => void this.#onUpgrade(req, socket, head));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#http.once("error", reject);
      this.#http.listen(this.#port, this.#host, () => resolve());
    });
    this.#heartbeat = setInterval(() => this.#beat(), this.#config.heartbeatMs);
    const addr = this.#http.address();
    return typeof addr === "object" && addr ? addr.port : this.#port;
  }

  /** Stops accepting and tells every client to reconnect elsewhere (a reconnect-range close). */
  drain(): void {
    this.#draining = true;
    for (const c of [...this.hub.connections()]) c.close(CloseCode.shutdown, "server shutting down; reconnect");
  }

  async stop(): Promise<void> {
    this.drain();
    clearInterval(this.#heartbeat);
    this.hub.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  /**
   * Ping every connection; one that did not answer the last ping is closed
   * (3001) and cut 5 s later. The pings go out in slices with I/O in between:
   * one synchronous loop over 10,000 connections stalled deliveries for ~0.25 s.
   */
  #beat(): void {
    const conns = [...this.hub.connections()];
    let i = 0;
    const slice = () => {
      const end = Math.min(i + HEARTBEAT_SLICE, conns.length);
      for (; i < end; i++) {
        const c = conns[i]!;
        if (c.isClosed()) continue;
        if (!c.alive) {
          c.close(CloseCode.heartbeatTimeout, "no pong to the last ping");
          continue;
        }
        c.alive = false;
        c.ping();
      }
      if (i < conns.length) setImmediate(slice);
    };
    slice();
  }

  async #onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const reply = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/healthz") return reply(200, { status: "ok" });
    if (path === "/metrics" && this.#metrics) {
      const text = await this.#metrics.registry.metrics();
      res.writeHead(200, { "content-type": this.#metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (path === "/readyz") {
      const ok = !this.#draining && (await this.#checkReady().catch(() => false));
      return reply(ok ? 200 : 503, { status: ok ? "ready" : "not ready" });
    }
    reply(404, { error: "not_found" });
  }

  #originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true; // not a browser: CSWSH needs a browser's ambient credentials
    const allowed = this.#config.allowedOrigins;
    return allowed.includes("*") || allowed.includes(origin);
  }

  async #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on("error", () => {});
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== this.#config.path) return reject(404, "Not Found");
    if (this.#draining) return reject(503, "Service Unavailable");
    if (!this.#originAllowed(req.headers.origin)) return reject(403, "Forbidden");

    const header = req.headers.authorization;
    const token = header ? (/^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? "") : (url.searchParams.get("token") ?? "");
    let pre: { token: VerifiedToken; resumeFrom: number | null } | null = null;
    let failure: { err: HeraldError; code: number } | null = null;
    if (header !== undefined || url.searchParams.has("token")) {
      try {
        const verified = await this.#verifier.verify(token);
        const ls = url.searchParams.get("last_seq");
        pre = { token: verified, resumeFrom: ls === null ? null : checkSeq("last_seq", ls) };
      } catch (err) {
        const e = toHeraldError(err);
        failure = { err: e, code: e.code === "unauthenticated" ? CloseCode.invalidToken : CloseCode.badRequest };
      }
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (failure) {
        // Browsers cannot read an HTTP 401 on a failed upgrade: say it in a frame, then close.
        ws.send(errorFrame(0, failure.err));
        ws.close(failure.code, failure.err.code === "unauthenticated" ? "invalid authentication token" : "bad request");
        setTimeout(() => ws.terminate(), 5000).unref();
        return;
      }
      new Connection({ ws, ctx: this.#ctx }).start(pre);
    });
  }
}
