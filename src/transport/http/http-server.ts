import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../../domain/logger.js";

/** Answers one plain HTTP request on its path. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Takes over one upgrade request on its path (the WebSocket endpoint today).
 * `url` is the request target read against a fixed base (see parseRequestTarget).
 */
export type UpgradeRoute = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => void | Promise<void>;

/**
 * The node's one public HTTP server: plain requests and upgrade requests are
 * routed by exact path (the query is ignored), then by path prefix (a prefix
 * route, e.g. `/socket.io/`, takes every path that starts with it: exact
 * routes win); any other path is answered 404
 * (`{"error":"not_found"}` for a request, an HTTP 404 line for an upgrade), an
 * upgrade target that is not a valid one 400. A route that throws or rejects is
 * logged; the client gets a 500 (`{"error":"internal"}`), or its socket is cut.
 */
export class HttpServer {
  readonly #host: string;
  readonly #port: number;
  readonly #log: Logger;
  readonly #routes: ReadonlyMap<string, HttpRoute>;
  readonly #upgrades: ReadonlyMap<string, UpgradeRoute>;
  readonly #prefixRoutes: ReadonlyArray<[string, HttpRoute]>;
  readonly #prefixUpgrades: ReadonlyArray<[string, UpgradeRoute]>;
  readonly #server: Server;

  constructor(options: {
    host: string;
    port: number;
    log: Logger;
    routes: Record<string, HttpRoute>;
    /** Without upgrade routes the server takes no upgrade requests at all (Node's default: the socket is cut). */
    upgrades?: Record<string, UpgradeRoute>;
    /** Routes for every path starting with the key (which should end with `/`). */
    prefixRoutes?: Record<string, HttpRoute>;
    prefixUpgrades?: Record<string, UpgradeRoute>;
  }) {
    this.#host = options.host;
    this.#port = options.port;
    this.#log = options.log;
    this.#routes = new Map(Object.entries(options.routes));
    this.#upgrades = new Map(Object.entries(options.upgrades ?? {}));
    this.#prefixRoutes = Object.entries(options.prefixRoutes ?? {});
    this.#prefixUpgrades = Object.entries(options.prefixUpgrades ?? {});
    // Neither handler may reject: a client's request must never become an unhandled rejection.
    this.#server = createServer((req, res) =>
      this.#onRequest(req, res).catch((err: unknown) => {
        this.#log.error({ err }, "HTTP request failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "internal" }));
      }),
    );
    if (this.#upgrades.size > 0 || this.#prefixUpgrades.length > 0) {
      this.#server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
        this.#onUpgrade(req, socket, head).catch((err: unknown) => {
          this.#log.error({ err }, "upgrade failed");
          socket.destroy();
        }),
      );
    }
  }

  /** Listens; returns the bound port (useful with port 0). */
  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#port, this.#host, () => resolve());
    });
    const addr = this.#server.address();
    return typeof addr === "object" && addr ? addr.port : this.#port;
  }

  /** Stops listening and cuts every connection still open (upgraded sockets are their endpoint's to close first). */
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const route = this.#routes.get(path) ?? this.#prefixRoutes.find(([prefix]) => path.startsWith(prefix))?.[1];
    if (route) return route(req, res);
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "not_found" }));
  }

  async #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => {});
    const url = parseRequestTarget(req.url);
    if (url === null) return rejectUpgrade(socket, 400, "Bad Request");
    const route = this.#upgrades.get(url.pathname) ?? this.#prefixUpgrades.find(([prefix]) => url.pathname.startsWith(prefix))?.[1];
    if (!route) return rejectUpgrade(socket, 404, "Not Found");
    return route(req, socket, head, url);
  }
}

/**
 * Refuses an upgrade with an HTTP status line and closes the socket; 429 and
 * 503 carry `Retry-After: 1`.
 */
export function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  const retry = status === 429 || status === 503 ? "Retry-After: 1\r\n" : "";
  socket.end(`HTTP/1.1 ${status} ${text}\r\n${retry}Connection: close\r\nContent-Length: 0\r\n\r\n`);
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
