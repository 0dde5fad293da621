import type { Knex } from "knex";
import { ApiKeyVerifier } from "./auth/api-keys.js";
import type { Config } from "./config.js";
import { CursorCodec } from "./domain/cursor.js";
import { Housekeeping } from "./domain/housekeeping.js";
import { InboxService } from "./domain/inbox-service.js";
import { ModerationService } from "./domain/moderation-service.js";
import { PresenceKeeper } from "./domain/presence-keeper.js";
import { RoomService } from "./domain/room-service.js";
import type { Broker, PresenceDirectory } from "./domain/ports.js";
import { InProcessBroker } from "./broker/in-process-broker.js";
import { LocalPresence } from "./broker/local-presence.js";
import { NatsBroker } from "./broker/nats-broker.js";
import { NatsLink } from "./broker/nats-link.js";
import { NatsPresence } from "./broker/nats-presence.js";
import { Metrics } from "./metrics.js";
import type { Logger } from "./logger.js";
import { BanRepository } from "./storage/ban-repository.js";
import { migrateLatest, openDatabase } from "./storage/database.js";
import { NotificationRepository } from "./storage/notification-repository.js";
import { PresenceRepository } from "./storage/presence-repository.js";
import { ReadGate } from "./storage/read-gate.js";
import { RoomRepository } from "./storage/room-repository.js";
import { status as grpcStatus } from "@grpc/grpc-js";
import { GrpcServer } from "./transport/grpc/grpc-server.js";
import { notificationServiceHandlers } from "./transport/grpc/notification-service.js";
import { JwtVerifier } from "./auth/jwt-verifier.js";
import { healthRoutes } from "./transport/http/health-routes.js";
import { type HttpRoute, HttpServer } from "./transport/http/http-server.js";
import { metricsRoute } from "./transport/http/metrics-route.js";
import { devTokenRoute, pageConfigRoute, staticRoutes } from "./transport/http/web-routes.js";
import { mintToken } from "./auth/mint-token.js";
import { fileURLToPath } from "node:url";
import { SocketIoEndpoint } from "./transport/socketio/socketio-endpoint.js";
import { WsEndpoint } from "./transport/ws/ws-endpoint.js";

export interface RunningHerald {
  grpcPort: number;
  httpPort: number;
  /** The port of the /metrics listener, or null when /metrics is on the HTTP port. */
  metricsPort: number | null;
  inbox: InboxService;
  moderation: ModerationService;
  rooms: RoomService;
  db: Knex;
  /** Graceful stop: stop accepting, finish in-flight calls, close connections and the database. */
  stop(): Promise<void>;
}

/** The broker and presence directory: over NATS when NATS_URL is set, else in this process. */
async function openBroker(config: Config, log: Logger): Promise<{ nats: NatsLink | null; bus: Broker; presence: PresenceDirectory }> {
  const nats =
    config.natsServers.length > 0
      ? await NatsLink.connect({ servers: config.natsServers, auth: config.nats, nodeId: config.nodeId, log })
      : null;
  const bus: Broker = nats
    ? new NatsBroker({ link: nats, nodeId: config.nodeId, log })
    : new InProcessBroker({ onListenerError: (err) => log.error({ err }, "listener failed") });
  const presence: PresenceDirectory = nats ? new NatsPresence({ link: nats, log }) : new LocalPresence();
  return { nats, bus, presence };
}

/** The domain's services over the database's stores and the broker. */
function domainServices(config: Config, log: Logger, db: Knex, bus: Broker, directory: PresenceDirectory) {
  // One gate for every store's reads (inbox lists and catch-up, room history and catch-up).
  const max = config.database.maxConcurrentReads;
  const reads = max === undefined ? undefined : new ReadGate({ max, timeoutMs: 3000 });
  const store = new NotificationRepository({ db, reads });
  const roomStore = new RoomRepository({ db, reads });
  const presenceStore = new PresenceRepository({ db });
  const inbox = new InboxService({
    store,
    bus,
    cursors: new CursorCodec({ secret: config.cursorSecret }),
    logger: log,
    maxBatchesInFlight: config.database.kind === "pglite" ? 1 : 4,
    // PGlite runs on this thread: a batch blocks the event loop (~10-15 ms per 250 rows).
    maxBatchRows: config.database.kind === "pglite" ? 250 : 1000,
  });
  const moderation = new ModerationService({ inbox, bans: new BanRepository({ db }), broker: bus });
  const rooms = new RoomService({
    store: roomStore,
    presence: presenceStore,
    broker: bus,
    cursors: new CursorCodec({ secret: config.cursorSecret }),
    logger: log,
    inbox,
    directory,
    maxBatchesInFlight: config.database.kind === "pglite" ? 1 : 4,
  });
  const housekeeping = new Housekeeping({ store, rooms: roomStore, log, purgeIntervalMs: config.purgeIntervalMs });
  const presenceKeeper = new PresenceKeeper({ store: presenceStore, broker: bus, nodeId: config.nodeId, log });
  return { inbox, moderation, rooms, housekeeping, presenceKeeper };
}

/** The gRPC server for backends: herald.v1.NotificationService over the domain services. */
function grpcServer(
  config: Config,
  log: Logger,
  metrics: Metrics,
  services: { inbox: InboxService; moderation: ModerationService; rooms: RoomService },
): GrpcServer {
  const apiKeys = new ApiKeyVerifier({ keys: config.apiKeys });
  return new GrpcServer({
    host: config.host,
    port: config.grpcPort,
    maxMessageBytes: config.grpcMaxMessageBytes,
    limits: config.grpc,
    apiKeys,
    rooms: { service: services.rooms, logError: (err, method) => log.error({ err, method }, "gRPC handler failed"), metrics },
    handlers: notificationServiceHandlers({
      inbox: services.inbox,
      moderation: services.moderation,
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
}

/**
 * The public HTTP server (health, the WebSocket endpoint, the Socket.IO
 * endpoint's prefix, and /metrics in development) and, when configured, the
 * /metrics listener of its own.
 */
function httpServers(
  config: Config,
  log: Logger,
  metrics: Metrics,
  db: Knex,
  ws: WsEndpoint,
  sio: SocketIoEndpoint | null,
): { http: HttpServer; metricsServer: HttpServer | null } {
  const http = new HttpServer({
    host: config.host,
    port: config.httpPort,
    log,
    routes: {
      ...healthRoutes({
        accepting: () => ws.accepting,
        checkReady: async () => {
          await db.raw("select 1");
          return true;
        },
      }),
      // /metrics is on the public port only when it has no listener of its own.
      ...(config.metrics === null ? metricsRoute(metrics) : {}),
      ...webRoutes(config),
    },
    upgrades: { [config.ws.path]: ws.upgrade },
    ...(sio ? { prefixRoutes: { [sio.path]: sio.request }, prefixUpgrades: { [sio.path]: sio.upgrade } } : {}),
  });
  const metricsServer = config.metrics && new HttpServer({ ...config.metrics, log, routes: metricsRoute(metrics) });
  return { http, metricsServer };
}

/** The directory `npm run build` writes the web app to (`dist/web`), from `src/` (tsx) or `dist/src/`. */
const WEB_DIR = fileURLToPath(new URL(import.meta.url.includes("/dist/src/") ? "../web/" : "../dist/web/", import.meta.url));

/**
 * The web app at `/`, the page's `/config.json`, and, in development with an
 * HMAC secret only, `POST /dev/token` (the page's login; absent in production).
 */
function webRoutes(config: Config): Record<string, HttpRoute> {
  const secret = config.jwt.secret;
  const alg = config.jwt.algorithms.find((a) => a.startsWith("HS"));
  const dev = config.env === "development" && secret !== "" && alg !== undefined;
  const mint = async (userId: string, ttlSec: number) => {
    const token = await mintToken({ alg, secret, userId, ttlSec, issuer: config.jwt.issuer, audience: config.jwt.audience });
    return { token, expiresAt: new Date((Math.floor(Date.now() / 1000) + ttlSec) * 1000) };
  };
  return {
    ...staticRoutes(WEB_DIR),
    ...pageConfigRoute({ mode: config.env, wsPath: config.ws.path }),
    ...(dev ? devTokenRoute({ mint }) : {}),
  };
}

/**
 * The Socket.IO endpoint (null when disabled), sharing the native endpoint's
 * hubs, so that both endpoints' sessions are one set per node.
 */
function socketIoEndpoint(
  config: Config,
  log: Logger,
  metrics: Metrics,
  ws: WsEndpoint,
  services: { inbox: InboxService; moderation: ModerationService; rooms: RoomService },
): SocketIoEndpoint | null {
  if (!config.socketIo.enabled) return null;
  if (config.socketIo.publishableKeys.length > 0)
    log.warn("HERALD_SOCKETIO_PUBLISHABLE_KEYS is set: Socket.IO clients holding such a key may name their own user id (room.user.join)");
  return new SocketIoEndpoint({
    config: config.socketIo,
    ws: config.ws,
    nodeId: config.nodeId,
    ...services,
    verifier: new JwtVerifier(config.jwt),
    hub: ws.hub,
    roomHub: ws.roomHub,
    batcher: ws.batcher,
    admission: ws.admission,
    reads: ws.reads,
    accepting: () => ws.accepting,
    log,
    metrics,
  });
}

/** Wires every part of a Herald node from its config. The only place that does. */
export async function startHerald(config: Config, log: Logger): Promise<RunningHerald> {
  const metrics = new Metrics({ nodeId: config.nodeId });
  const db = openDatabase(config.database, log);
  const applied = await migrateLatest(db);
  if (applied.length > 0) log.info({ applied }, "migrations applied");

  const { nats, bus, presence } = await openBroker(config, log);
  const { inbox, moderation, rooms, housekeeping, presenceKeeper } = domainServices(config, log, db, bus, presence);
  housekeeping.start();
  await presenceKeeper.start();

  const grpc = grpcServer(config, log, metrics, { inbox, moderation, rooms });
  const ws = new WsEndpoint({
    config: config.ws,
    nodeId: config.nodeId,
    inbox,
    moderation,
    rooms,
    bus,
    presence,
    verifier: new JwtVerifier(config.jwt),
    log,
    metrics,
  });
  const sio = socketIoEndpoint(config, log, metrics, ws, { inbox, moderation, rooms });
  const { http, metricsServer } = httpServers(config, log, metrics, db, ws, sio);
  const metricsPort = metricsServer ? await metricsServer.start() : null;
  const httpPort = await http.start();
  ws.start();
  const grpcPort = await grpc.start();
  log.info(
    {
      grpcPort,
      httpPort,
      metricsPort,
      wsPath: config.ws.path,
      database: config.database.kind,
      fanout: config.natsServers.length > 0 ? "nats" : "in-process",
    },
    "herald started",
  );

  let stopping: Promise<void> | undefined;
  return {
    grpcPort,
    httpPort,
    metricsPort,
    inbox,
    moderation,
    rooms,
    db,
    stop() {
      stopping ??= stopHerald(config, log, { ws, sio, grpc, http, metricsServer, housekeeping, presenceKeeper, nats, db });
      return stopping;
    },
  };
}

/**
 * The graceful stop sequence: stop accepting WebSockets, finish in-flight gRPC calls
 * (within the shutdown grace), close connections, then the broker and the database.
 */
async function stopHerald(
  config: Config,
  log: Logger,
  parts: {
    ws: WsEndpoint;
    sio: SocketIoEndpoint | null;
    grpc: GrpcServer;
    http: HttpServer;
    metricsServer: HttpServer | null;
    housekeeping: Housekeeping;
    presenceKeeper: PresenceKeeper;
    nats: NatsLink | null;
    db: Knex;
  },
): Promise<void> {
  const { ws, sio, grpc, http, metricsServer, housekeeping, presenceKeeper, nats, db } = parts;
  ws.drain(); // closes the Socket.IO endpoint's sessions too (one hub)
  sio?.stop();
  await grpc.stop(config.shutdownGraceMs);
  ws.stop();
  await http.stop();
  await metricsServer?.stop();
  housekeeping.stop();
  await presenceKeeper.stop();
  await nats?.close();
  await db.destroy();
  log.info("herald stopped");
}
