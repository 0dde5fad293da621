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
import { GrpcServer } from "./transport/grpc/grpc-server.js";
import { notificationServiceHandlers } from "./transport/grpc/notification-service.js";
import { JwtVerifier } from "./auth/jwt-verifier.js";
import { WsGateway } from "./transport/ws/ws-gateway.js";

export interface RunningHerald {
  grpcPort: number;
  httpPort: number;
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
      ? await NatsBus.connect({ servers: config.natsServers, nodeId: config.nodeId, log })
      : new InProcessBus({ onListenerError: (err) => log.error({ err }, "listener failed") });
  const inbox = new InboxService({
    store: new NotificationRepository({ db }),
    bans: new BanRepository({ db }),
    bus,
    cursors: new CursorCodec({ secret: config.cursorSecret }),
    logger: log,
    maxBatchesInFlight: config.database.kind === "pglite" ? 1 : 4,
  });
  inbox.startPurge(config.purgeIntervalMs);

  const grpc = new GrpcServer({
    host: config.host,
    port: config.grpcPort,
    maxMessageBytes: config.grpcMaxMessageBytes,
    handlers: notificationServiceHandlers({
      inbox,
      apiKeys: new ApiKeyVerifier({ keys: config.apiKeys }),
      logError: (err, method) => log.error({ err, method }, "gRPC handler failed"),
      metrics,
    }),
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
    checkReady: async () => {
      await db.raw("select 1");
      return true;
    },
  });
  const httpPort = await gateway.start();
  const grpcPort = await grpc.start();
  log.info({ grpcPort, httpPort, wsPath: config.ws.path, database: config.database.kind, fanout: config.natsServers.length > 0 ? "nats" : "in-process" }, "herald started");

  let stopping: Promise<void> | undefined;
  return {
    grpcPort,
    httpPort,
    inbox,
    db,
    stop() {
      stopping ??= (async () => {
        gateway.drain();
        await grpc.stop(config.shutdownGraceMs);
        await gateway.stop();
        inbox.stopPurge();
        await bus.close();
        await db.destroy();
        log.info("herald stopped");
      })();
      return stopping;
    },
  };
}
