import type { Knex } from "knex";
import { ApiKeyVerifier } from "./auth/api-keys.js";
import type { Config } from "./config.js";
import { CursorCodec } from "./domain/cursor.js";
import { InboxService } from "./domain/inbox-service.js";
import type { FanoutBus } from "./domain/ports.js";
import { InProcessBus } from "./fanout/in-process-bus.js";
import type { Logger } from "./logger.js";
import { BanRepository } from "./storage/ban-repository.js";
import { migrateLatest, openDatabase } from "./storage/database.js";
import { NotificationRepository } from "./storage/notification-repository.js";
import { GrpcServer } from "./transport/grpc/grpc-server.js";
import { notificationServiceHandlers } from "./transport/grpc/notification-service.js";

export interface RunningHerald {
  grpcPort: number;
  inbox: InboxService;
  db: Knex;
  /** Graceful stop: stop accepting, finish in-flight calls, close connections and the database. */
  stop(): Promise<void>;
}

/** Wires every part of a Herald node from its config. The only place that does. */
export async function startHerald(config: Config, log: Logger): Promise<RunningHerald> {
  const db = openDatabase(config.database);
  const applied = await migrateLatest(db);
  if (applied.length > 0) log.info({ applied }, "migrations applied");

  const bus: FanoutBus = new InProcessBus({ onListenerError: (err) => log.error({ err }, "listener failed") });
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
    }),
  });
  const grpcPort = await grpc.start();
  log.info({ grpcPort, database: config.database.kind, fanout: config.natsServers.length > 0 ? "nats" : "in-process" }, "herald started");

  let stopping: Promise<void> | undefined;
  return {
    grpcPort,
    inbox,
    db,
    stop() {
      stopping ??= (async () => {
        await grpc.stop(config.shutdownGraceMs);
        inbox.stopPurge();
        await bus.close();
        await db.destroy();
        log.info("herald stopped");
      })();
      return stopping;
    },
  };
}
