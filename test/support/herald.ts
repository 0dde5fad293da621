import { DEV_API_KEY, loadConfig, type Config } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startHerald, type RunningHerald } from "../../src/main.js";
import type { NotificationServiceClient } from "../../gen/herald/v1/notification_service.js";
import type { Backend, TestDatabase } from "./databases.js";
import { connectClient, type Rpc } from "./grpc.js";

export interface TestHerald {
  herald: RunningHerald;
  config: Config;
  grpcPort: number;
  httpPort: number;
  /** The WebSocket endpoint, `ws://127.0.0.1:<httpPort>/ws`. */
  wsUrl: string;
  /** The generated client, connected over a real port. */
  client: NotificationServiceClient;
  /** Promisified calls with `authorization: Bearer <apiKey>`. */
  rpc: Rpc;
  apiKey: string;
  /** Closes the client and stops the node (idempotent). Does not drop the database. */
  stop(): Promise<void>;
}

/**
 * Starts a Herald node in this process on `db` (migrations run at start), on
 * 127.0.0.1 with ephemeral gRPC and HTTP ports and a silent logger. `env`
 * overrides any variable (e.g. HERALD_API_KEYS, HERALD_GRPC_MAX_MESSAGE_BYTES).
 */
export async function startTestHerald(
  db: TestDatabase | { env: Record<string, string> },
  env: Record<string, string> = {},
): Promise<TestHerald> {
  if ("options" in db && db.options.kind === "pglite" && db.options.dataDir === null)
    throw new Error("an in-memory PGlite database cannot be handed to a Herald node; create it with a data directory");
  const config = loadConfig({
    HERALD_GRPC_PORT: "0",
    HERALD_HTTP_PORT: "0",
    HERALD_HOST: "127.0.0.1",
    HERALD_LOG_LEVEL: "silent",
    HERALD_SHUTDOWN_GRACE_MS: "2000",
    ...db.env,
    ...env,
  });
  const herald = await startHerald(config, createLogger({ level: "silent", nodeId: config.nodeId }));
  const apiKey = config.apiKeys[0] ?? DEV_API_KEY;
  const { client, rpc } = connectClient(herald.grpcPort, apiKey);
  let stopped: Promise<void> | undefined;
  return {
    herald,
    config,
    grpcPort: herald.grpcPort,
    httpPort: herald.httpPort,
    wsUrl: `ws://127.0.0.1:${herald.httpPort}/ws`,
    client,
    rpc,
    apiKey,
    stop() {
      stopped ??= (async () => {
        client.close();
        await herald.stop();
      })();
      return stopped;
    },
  };
}

/** A TestHerald that owns its database: `stop()` stops the node, then drops the database. */
export interface TestHeraldWithDatabase extends TestHerald {
  db: TestDatabase;
}

/**
 * Starts a Herald node (as `startTestHerald`, with `env`) on a fresh database
 * of `backend`. If the node does not start, the database is dropped before
 * the error is rethrown.
 */
export async function startTestHeraldOnNewDatabase(backend: Backend, env: Record<string, string> = {}): Promise<TestHeraldWithDatabase> {
  const db = await backend.create();
  let node: TestHerald;
  try {
    node = await startTestHerald(db, env);
  } catch (err) {
    await db.drop().catch(() => undefined);
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    ...node,
    db,
    stop() {
      stopped ??= (async () => {
        await node.stop();
        await db.drop();
      })();
      return stopped;
    },
  };
}
