import type { Knex } from "knex";
import { ApiKeyVerifier } from "./auth/api-keys.js";
import type { Config } from "./config.js";
import { CursorCodec } from "./domain/cursor.js";
import { InboxService } from "./domain/inbox-service.js";
import type { FanoutBus } from "./domain/ports.js";
import { InProcessBus } from "./fanout/in-process-bus.js";
import { NatsBus } from "./fanout/nats-bus.js";
import { Metrics } from "./metrics.js";
import type { Logger } from "./logger.js";
import { BanRepository } from "./storage/ban-repository.js";
import { migrateLatest, openDatabase } from "./storage/database.js";
import { NotificationRepository } from "./storage/notification-repository.js";
import { status as grpcStatus } from "@grpc/grpc-js";
import { GrpcServer } from "./transport/grpc/grpc-server.js";
import { notificationServiceHandlers } from "./transport/grpc/notification-service.js";
import { JwtVerifier } from "./auth/jwt-verifier.js";
import { WsGateway } from "./transport/ws/ws-gateway.js";
import { MetricsServer } from "./transport/http/metrics-server.js";

export interface RunningHerald {
  grpcPort: number;
  httpPort: number;
  /** The port of the /metrics listener, or null when /metrics is on the HTTP port. */
  metricsPort: number | null;
  inbox: InboxService;
  db: Knex;
  /** Graceful stop: stop accepting, finish in-flight calls, close connections and the database. */
  stop(): Promise<void>;
}

/** Wires every part of a Herald node from its config. The only place that does. */
export async function startHerald(config: Config, log: Logger): Promise<RunningHerald> {
  const metrics = new Metrics({ nodeId: config.nodeId });
  const db = openDatabase(config.database, log);
  const applied = await migrateLatest(db);
  if (applied.length > 0) log.info({ applied }, "migrations applied");

  const bus: FanoutBus =
    config.natsServers.length > 0
      ? await NatsBus.connect({ servers: config.natsServers, auth: config.nats, nodeId: config.nodeId, log })
      : new InProcessBus({ onListenerError: (err) => log.error({ err }, "listener failed") });
  const inbox = new InboxService({
    store: new NotificationRepository({ db, maxConcurrentReads: config.database.maxConcurrentReads }),
    bans: new BanRepository({ db }),
    bus,
    cursors: new CursorCodec({ secret: config.cursorSecret }),
    logger: log,
    maxBatchesInFlight: config.database.kind === "pglite" ? 1 : 4,
    // PGlite runs on this thread: a batch blocks the event loop (~10-15 ms per 250 rows).
    maxBatchRows: config.database.kind === "pglite" ? 250 : 1000,
  });
  inbox.startPurge(config.purgeIntervalMs);

  const apiKeys = new ApiKeyVerifier({ keys: config.apiKeys });
  const grpc = new GrpcServer({
    host: config.host,
    port: config.grpcPort,
    maxMessageBytes: config.grpcMaxMessageBytes,
    limits: config.grpc,
    apiKeys,
    handlers: notificationServiceHandlers({
      inbox,
      apiKeys,
      logError: (err, method) => log.error({ err, method }, "gRPC handler failed"),
      metrics,
    }),
    onRefused: (what) => {
      if ("path" in what) metrics.grpcRequests.inc({ method: what.path.split("/").pop() ?? "", code: grpcStatus[what.code].toLowerCase() });
      else log.debug({ reason: what.connection }, "gRPC connection refused");
    },
    onError: (err) => log.error({ err }, "gRPC listener error"),
  });
  const gateway = new WsGateway({
    config: config.ws,
    host: config.host,
    port: config.httpPort,
    nodeId: config.nodeId,
    inbox,
    bus,
    verifier: new JwtVerifier({
      algorithms: config.jwt.algorithms,
      secret: config.jwt.secret,
      publicKeyFile: config.jwt.publicKeyFile,
      jwksFile: config.jwt.jwksFile,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      clockToleranceSec: config.jwt.clockToleranceSec,
    }),
    log,
    metrics,
    serveMetrics: config.metrics === null,
    checkReady: async () => {
      await db.raw("select 1");
      return true;
    },
  });
  const metricsServer = config.metrics && new MetricsServer({ ...config.metrics, metrics, onError: (err) => log.error({ err }, "metrics failed") });
  const metricsPort = metricsServer ? await metricsServer.start() : null;
  const httpPort = await gateway.start();
  const grpcPort = await grpc.start();
  log.info({ grpcPort, httpPort, metricsPort, wsPath: config.ws.path, database: config.database.kind, fanout: config.natsServers.length > 0 ? "nats" : "in-process" }, "herald started");

  let stopping: Promise<void> | undefined;
  return {
    grpcPort,
    httpPort,
    metricsPort,
    inbox,
    db,
    stop() {
      stopping ??= (async () => {
        gateway.drain();
        await grpc.stop(config.shutdownGraceMs);
        await gateway.stop();
        await metricsServer?.stop();
        inbox.stopPurge();
        await bus.close();
        await db.destroy();
        log.info("herald stopped");
      })();
      return stopping;
    },
  };
}
