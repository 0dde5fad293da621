/**
 * Starting a Herald node for the benchmarks and talking to it. Everything a
 * Herald run needs is here, so the scenarios' `runHerald*` hooks stay short.
 *
 * Herald is run exactly as in production: `node dist/src/cli.js serve` (built
 * first when a source file is newer than its compiled file),
 * configured by environment only:
 *   HERALD_HOST=127.0.0.1, HERALD_GRPC_PORT, HERALD_HTTP_PORT (WebSocket gateway,
 *   path HERALD_WS_PATH=/ws), DATABASE_URL (a scratch Postgres database),
 *   HERALD_JWT_SECRET (HS256, >= 32 chars), HERALD_API_KEYS (>= 16 chars).
 * Ready when it logs a JSON line containing "herald started". Clients connect to
 *   ws://127.0.0.1:HERALD_HTTP_PORT/ws?token=<JWT sub=user id>
 * and notifications are sent with NotificationService.SendNotifications over
 * gRPC with metadata `authorization: Bearer <api key>`.
 */
import { randomBytes } from "node:crypto";
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  NotificationServiceClient,
  type OutgoingNotification,
  type SendNotificationsResponse,
} from "../../gen/herald/v1/notification_service.js";
import { canConnect, freePort } from "../../test/support/net.js";
import { ensureBuilt } from "../../test/support/build.js";
import { spawnJs, type Child } from "./proc.js";
import { createScratchDb, type ScratchDb } from "./pg.js";

export const HERALD_MAX_RECIPIENTS_PER_NOTIFICATION = 1_000;
export const HERALD_MAX_RECIPIENTS_PER_CALL = 10_000;
export const HERALD_MAX_NOTIFICATIONS_PER_CALL = 1_000;

async function waitListening(port: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  do {
    if (await canConnect("127.0.0.1", port, 500)) return true;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < until);
  return false;
}

export interface HeraldNode {
  child: Child;
  pid: number;
  grpcPort: number;
  httpPort: number;
  jwtSecret: string;
  apiKey: string;
  /** For the load generator: `{token}` is filled per user. */
  wsUrlTemplate: string;
  /** True if something listens on HERALD_HTTP_PORT (the WebSocket gateway exists). */
  wsListening: boolean;
  db: ScratchDb;
  send(notifications: OutgoingNotification[], deadlineMs?: number): Promise<SendNotificationsResponse>;
  stop(): Promise<void>;
}

export interface HeraldNodeOptions {
  label: string;
  env?: Record<string, string>;
  nodeFlags?: string[];
  /**
   * A database shared with other nodes (several nodes over NATS): used as is
   * and left for the caller to drop. Without it each node gets its own scratch database.
   */
  db?: ScratchDb;
  /** Run on the embedded PGlite in this (new, empty) directory instead of a scratch Postgres database; the caller removes it. */
  embeddedDir?: string;
  /** Raise the node's open-files limit (see SpawnOptions.ulimitNofile). */
  ulimitNofile?: number;
}

export async function startHeraldNode(options: HeraldNodeOptions = { label: "herald" }): Promise<HeraldNode> {
  // A port taken between our check and Herald's bind (a busy shared box) is worth a second try.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 3 || !String(err instanceof Error ? err.message : err).includes("EADDRINUSE")) throw err;
    }
  }
}

async function startOnce(options: HeraldNodeOptions): Promise<HeraldNode> {
  const ownDb = options.db === undefined;
  const db = options.db ?? (options.embeddedDir !== undefined ? embeddedDb(options.embeddedDir) : await createScratchDb());
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const jwtSecret = randomBytes(24).toString("hex"); // 48 chars
  const apiKey = `bench-${randomBytes(12).toString("hex")}`;
  ensureBuilt();
  const child = spawnJs("dist/src/cli.js", {
    name: options.label,
    args: ["serve"],
    // BENCH_HERALD_NODE_FLAGS adds flags to Herald's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
    nodeFlags: [...(options.nodeFlags ?? []), ...(process.env.BENCH_HERALD_NODE_FLAGS ?? "").split(" ").filter(Boolean)],
    env: {
      HERALD_ENV: "development",
      HERALD_HOST: "127.0.0.1",
      HERALD_GRPC_PORT: String(grpcPort),
      HERALD_HTTP_PORT: String(httpPort),
      HERALD_WS_PATH: "/ws",
      // An embedded node: no DATABASE_URL, PGlite on HERALD_DATA_DIR (Herald's default when unconfigured).
      DATABASE_URL: db.url,
      ...(options.embeddedDir !== undefined ? { HERALD_DATA_DIR: options.embeddedDir } : {}),
      HERALD_JWT_SECRET: jwtSecret,
      HERALD_API_KEYS: apiKey,
      HERALD_LOG_LEVEL: "info",
      // The load generators open thousands of connections from one address (as a proxy would).
      HERALD_WS_CONNECT_RATE_PER_IP: "0",
      ...options.env,
    },
  });
  let client: NotificationServiceClient | undefined;
  const stop = async () => {
    client?.close();
    await child.stop(15_000);
    if (ownDb) await db.drop().catch(() => undefined);
  };
  try {
    await child.waitForLine((l) => l.includes("herald started"), 90_000, '"herald started" log line');
  } catch (err) {
    await stop();
    throw err;
  }
  client = new NotificationServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), {
    "grpc.max_send_message_length": 64 * 1024 * 1024,
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });
  const md = new Metadata();
  md.set("authorization", `Bearer ${apiKey}`);
  const c = client;
  return {
    child,
    pid: child.pid,
    grpcPort,
    httpPort,
    jwtSecret,
    apiKey,
    wsUrlTemplate: `ws://127.0.0.1:${httpPort}/ws?token={token}`,
    wsListening: await waitListening(httpPort, 3_000),
    db,
    send(notifications, deadlineMs = 60_000) {
      return new Promise((resolve, reject) =>
        c.sendNotifications({ notifications }, md, { deadline: Date.now() + deadlineMs }, (err: ServiceError | null, res) =>
          err ? reject(err) : resolve(res),
        ),
      );
    },
    stop,
  };
}

/**
 * One broadcast to `userIds` as a SendNotifications request: one notification
 * per 1,000 recipients (Herald's limit), content `{t, i}`.
 */
export function broadcastRequest(userIds: string[], t: number, i: number, persistent: boolean): OutgoingNotification[] {
  if (userIds.length > HERALD_MAX_RECIPIENTS_PER_CALL) throw new Error(`at most ${HERALD_MAX_RECIPIENTS_PER_CALL} recipients per call`);
  const out: OutgoingNotification[] = [];
  for (let k = 0; k < userIds.length; k += HERALD_MAX_RECIPIENTS_PER_NOTIFICATION)
    out.push({
      userIds: userIds.slice(k, k + HERALD_MAX_RECIPIENTS_PER_NOTIFICATION),
      code: 1,
      subject: "",
      content: { t, i },
      senderId: "",
      persistent,
      idempotencyKey: "",
    });
  return out;
}

/** A targeted notification: one recipient, its own content `{t, i}`. */
export function targeted(userId: string, t: number, i: number, persistent: boolean): OutgoingNotification {
  return { userIds: [userId], code: 1, subject: "", content: { t, i }, senderId: "", persistent, idempotencyKey: "" };
}

export const WS_GATEWAY_MISSING =
  "Herald's WebSocket gateway does not listen on HERALD_HTTP_PORT yet (src/transport/ws is being written); delivery not measured";

/** An error as one line for a result note: its message and the child's last stderr line, if any. */
export function oneLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const lines = err.message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length > 1 ? `${lines[0]} (${lines[lines.length - 1]})` : (lines[0] ?? err.name);
}

/** The `db` of an embedded node: no URL (Herald then opens PGlite on its data directory, which the caller removes). */
function embeddedDb(dir: string): ScratchDb {
  return { name: `pglite:${dir}`, url: "", drop: async () => {} };
}
