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
import { ConnectionLimiter } from "./connection-limiter.js";
import { ReadBudget } from "./read-budget.js";
import { errorFrame } from "./server-frames.js";

const HEARTBEAT_SLICE = 200;
const READY_CACHE_MS = 1000;

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
  readonly #serveMetrics: boolean;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly hub: ConnectionHub;
  readonly #ctx: ConnectionContext;
  readonly #admission: ConnectionLimiter;
  #heartbeat: NodeJS.Timeout | undefined;
  #draining = false;
  /** The last readiness check, reused for a second: /readyz must not cost a query per request. */
  #ready: { at: number; ok: Promise<boolean> } | undefined;

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
    /** Serve GET /metrics on this server (false when it has a listener of its own). */
    serveMetrics?: boolean;
  }) {
    this.#config = options.config;
    this.#host = options.host;
    this.#port = options.port;
    this.#inbox = options.inbox;
    this.#verifier = options.verifier;
    this.#log = options.log;
    this.#checkReady = options.checkReady;
    this.#metrics = options.metrics;
    this.#serveMetrics = options.serveMetrics ?? true;
    this.hub = new ConnectionHub({
      bus: options.bus,
      log: options.log,
      nodeId: options.nodeId,
      maxConnectionsPerUser: options.config.maxConnectionsPerUser,
      singleConnection: options.config.singleConnection,
    });
    this.#admission = new ConnectionLimiter({
      perIp: { ratePerSec: options.config.connectRatePerIp, burst: options.config.connectBurstPerIp },
      perUser: { ratePerSec: options.config.connectRatePerUser, burst: options.config.connectBurstPerUser },
      maxUnauthenticated: options.config.maxUnauthenticated,
    });
    this.#ctx = {
      reads: new ReadBudget({ bytesPerSec: options.config.readBytesPerSec, burstBytes: options.config.readBurstBytes }),
      admitUser: (userId) => this.#admission.admitUser(userId),
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
    // Neither handler may reject: a client's request must never become an unhandled rejection.
    this.#http = createServer((req, res) =>
      this.#onHttp(req, res).catch((err: unknown) => {
        this.#log.error({ err }, "HTTP request failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "internal" }));
      }),
    );
    this.#http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head).catch((err: unknown) => {
        this.#log.error({ err }, "WebSocket upgrade failed");
        socket.destroy();
      }),
    );
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

  /** The database answered within the last second (one check in flight at a time, shared by all callers). */
  #readiness(): Promise<boolean> {
    const now = performance.now();
    if (this.#ready === undefined || now - this.#ready.at > READY_CACHE_MS) {
      this.#ready = { at: now, ok: this.#checkReady().catch(() => false) };
    }
    return this.#ready.ok;
  }

  async #onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const reply = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/healthz") return reply(200, { status: "ok" });
    if (path === "/metrics" && this.#metrics && this.#serveMetrics) {
      const text = await this.#metrics.registry.metrics();
      res.writeHead(200, { "content-type": this.#metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (path === "/readyz") {
      const ok = !this.#draining && (await this.#readiness());
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
      const retry = status === 429 || status === 503 ? "Retry-After: 1\r\n" : "";
      socket.end(`HTTP/1.1 ${status} ${text}\r\n${retry}Connection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on("error", () => {});
    const url = parseRequestTarget(req.url);
    if (url === null) return reject(400, "Bad Request");
    if (url.pathname !== this.#config.path) return reject(404, "Not Found");
    if (this.#draining) return reject(503, "Service Unavailable");
    if (!this.#originAllowed(req.headers.origin)) return reject(403, "Forbidden");
    // Admission, before any token is verified: a rate of upgrades per client
    // address, and a node-wide cap on connections not authenticated yet (the
    // slot is given back when the session opens or the socket closes).
    if (!this.#admission.admitIp(req.socket.remoteAddress ?? "")) return reject(429, "Too Many Requests");
    const releaseSlot = this.#admission.takeUnauthenticated();
    if (releaseSlot === null) return reject(503, "Service Unavailable");
    socket.once("close", releaseSlot);

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
      new Connection({ ws, ctx: this.#ctx, onAuthenticated: releaseSlot }).start(pre);
    });
  }
}

/**
 * The path and query of a request target (origin-form `/ws?token=...`, or
 * absolute-form `http://host/ws`), or null when it is not a valid one
 * (`//x:99999`, `//a:b`, `http://[::1`). Only the path and query count, read
 * against a fixed base: a host named by the client is never used.
 */
export function parseRequestTarget(target: string | undefined): URL | null {
  const t = target ?? "/";
  try {
    if (/^https?:\/\//i.test(t)) {
      const abs = new URL(t);
      return new URL(`${abs.pathname}${abs.search}`, "http://localhost");
    }
    if (!t.startsWith("/") || t.startsWith("//")) return null;
    return new URL(t, "http://localhost");
  } catch {
    return null;
  }
}
