import { createServer, type Server } from "node:http";
import type { Metrics } from "../../metrics.js";

/**
 * A listener of its own for GET /metrics (HERALD_METRICS_HOST/PORT), so that
 * the public HTTP port does not expose the node's internals. Anything else: 404.
 */
export class MetricsServer {
  readonly #server: Server;
  readonly #host: string;
  readonly #port: number;

  constructor(options: { host: string; port: number; metrics: Metrics; onError: (err: unknown) => void }) {
    this.#host = options.host;
    this.#port = options.port;
    const { registry } = options.metrics;
    this.#server = createServer((req, res) => {
      if ((req.url ?? "/").split("?")[0] !== "/metrics") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not_found" }));
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (err: unknown) => {
          options.onError(err);
          res.writeHead(500).end();
        },
      );
    });
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

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
