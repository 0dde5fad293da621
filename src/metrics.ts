import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics of one node, served at GET /metrics. Created in main and
 * passed to the transports; nothing here is a module-level singleton.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly grpcRequests = new Counter({
    name: "herald_grpc_requests_total",
    help: "gRPC calls by method and status",
    labelNames: ["method", "code"] as const,
    registers: [this.registry],
  });
  readonly grpcDuration = new Histogram({
    name: "herald_grpc_request_duration_seconds",
    help: "gRPC call duration by method",
    labelNames: ["method"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly wsConnections = new Gauge({
    name: "herald_ws_connections",
    help: "Open WebSocket connections (authenticated)",
    registers: [this.registry],
  });
  readonly socketIoConnections = new Gauge({
    name: "herald_socketio_connections",
    help: "Open Socket.IO connections (authenticated)",
    registers: [this.registry],
  });
  readonly wsCloses = new Counter({
    name: "herald_ws_closes_total",
    help: "WebSocket closes initiated by the server, by close code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  readonly wsErrors = new Counter({
    name: "herald_ws_error_frames_total",
    help: "Error frames sent, by code",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });
  /**
   * Pushes of notifications and room events to connections: counted in a
   * plain number (it is bumped once per delivery, on the fan-out's hot path,
   * where prom-client's labelled `inc` cost about a microsecond) and handed
   * to the Prometheus counter when it is scraped.
   */
  readonly pushed = new HotCounter({
    name: "herald_notifications_pushed_total",
    help: "Notifications and room events pushed to WebSocket connections",
    registers: [this.registry],
  });

  constructor(options: { nodeId: string }) {
    this.registry.setDefaultLabels({ node: options.nodeId });
    collectDefaultMetrics({ register: this.registry });
  }
}

/** A counter bumped on a hot path: a plain number, read into a prom-client Counter at scrape time. */
export class HotCounter {
  #count = 0;
  #reported = 0;

  constructor(options: { name: string; help: string; registers: Registry[] }) {
    const self = this;
    new Counter({
      ...options,
      collect() {
        const delta = self.#count - self.#reported;
        self.#reported = self.#count;
        if (delta > 0) this.inc(delta);
      },
    });
  }

  inc(n = 1): void {
    this.#count += n;
  }
}
