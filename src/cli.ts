import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { credentials } from "@grpc/grpc-js";
import { ROOM_OPTIONS, ROOM_USAGE, roomCommand } from "./cli-rooms.js";
import { auth, call, fail, jsonObjectOption } from "./cli-support.js";
import { ConfigError, DEV_API_KEY, DEV_JWT_SECRET, flagsToEnv, loadConfig, type Config } from "./config.js";
import { createLogger } from "./logger.js";
import { startHerald } from "./main.js";
import { migrateDownAll, migrateLatest, migrationStatus, openDatabase } from "./storage/database.js";
import {
  type ListNotificationsRequest,
  type ListNotificationsResponse,
  NotificationServiceClient,
  type SendNotificationsRequest,
  type SendNotificationsResponse,
} from "../gen/herald/v1/notification_service.js";
import { ListDirection } from "../gen/herald/v1/notification.js";
import { mintToken } from "./auth/mint-token.js";
import { installProcessGuard } from "./process-guard.js";

const USAGE = `herald <command> [options]

Commands:
  serve                      run a node (options: any config variable as a flag, e.g. --grpc-port 50051)
  migrate [up|down|status]   apply, roll back or show database migrations
  send --user U [--user U2] --code N [--subject S] [--content JSON] [--ephemeral] [--idempotency-key K]
                             a persistent send carries an idempotency key (default: a new random one, printed
                             in the output): to retry a send that failed, pass the same --idempotency-key
  list --user U [--limit N] [--cursor C] [--backward] [--unread]
  token --user U [--ttl SECONDS]   mint a development JWT (HS256 with the configured secret)
${ROOM_USAGE}

Client commands take --addr HOST:PORT and --api-key KEY (default: this config's).`;

function client(config: Config, addr: string | undefined) {
  return new NotificationServiceClient(addr ?? `127.0.0.1:${config.grpcPort}`, credentials.createInsecure());
}

// Client options are declared; any other `--name value` pair is a config flag (serve, migrate).
const CLIENT_OPTIONS = {
  user: { type: "string", multiple: true },
  code: { type: "string" },
  subject: { type: "string" },
  content: { type: "string" },
  ephemeral: { type: "boolean" },
  "idempotency-key": { type: "string" },
  limit: { type: "string" },
  cursor: { type: "string" },
  backward: { type: "boolean" },
  unread: { type: "boolean" },
  addr: { type: "string" },
  "api-key": { type: "string" },
  ttl: { type: "string" },
  ...ROOM_OPTIONS,
} as const;

/** Splits a command's arguments into config flags (undeclared `--name value` pairs) and the rest. */
function splitConfigFlags(rest: string[]): { flags: Record<string, string>; args: string[] } {
  const flags: Record<string, string> = {};
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const name = a.startsWith("--") ? a.slice(2).split("=")[0]! : "";
    if (name !== "" && !(name in CLIENT_OPTIONS)) {
      const eq = a.indexOf("=");
      const v = eq >= 0 ? a.slice(eq + 1) : rest[++i];
      if (v === undefined) fail(`--${name} needs a value`);
      flags[name] = v;
    } else args.push(a);
  }
  return { flags, args };
}

/** The config from the environment overridden by the config flags; exits 2 on a configuration error. */
function loadCliConfig(flags: Record<string, string>): Config {
  try {
    return loadConfig({ ...process.env, ...flagsToEnv(flags) });
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`);
    throw err;
  }
}

/** A parsed command line: the config, the client options and the positional arguments. */
function parseCommandLine(rest: string[]) {
  const { flags, args } = splitConfigFlags(rest);
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: CLIENT_OPTIONS });
  const config = loadCliConfig(flags);
  const str = (k: keyof typeof values) => (typeof values[k] === "string" ? (values[k] as string) : undefined);
  const users = (values.user as string[] | undefined) ?? [];
  return { config, values, positionals, str, users };
}

type Invocation = ReturnType<typeof parseCommandLine>;

/** `herald serve`: runs a node until SIGTERM or SIGINT, then stops it (exit 0, or 1 if the stop fails). */
async function serve(config: Config): Promise<void> {
  const log = createLogger({ level: config.logLevel, nodeId: config.nodeId });
  installProcessGuard({ log });
  if (config.devApiKey) log.warn(`DEVELOPMENT MODE: API key is "${DEV_API_KEY}" (set HERALD_API_KEYS)`);
  if (config.devJwtSecret) log.warn(`DEVELOPMENT MODE: JWT HS256 secret is "${DEV_JWT_SECRET}" (set HERALD_JWT_SECRET)`);
  const herald = await startHerald(config, log);
  const shutdown = (signal: string) => {
    log.info({ signal }, "shutting down");
    herald.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

/** `herald migrate [up|down|status]`. */
async function migrate(config: Config, positionals: string[]): Promise<void> {
  const db = openDatabase(config.database);
  try {
    const sub = positionals[0] ?? "up";
    if (sub === "up") process.stdout.write(`applied: ${(await migrateLatest(db)).join(", ") || "nothing (up to date)"}\n`);
    else if (sub === "down") process.stdout.write(`rolled back: ${(await migrateDownAll(db)).join(", ") || "nothing"}\n`);
    else if (sub === "status") process.stdout.write(`${JSON.stringify(await migrationStatus(db), null, 2)}\n`);
    else fail(`unknown migrate command ${sub}`);
  } finally {
    await db.destroy();
  }
}

/**
 * `herald send`: prints the idempotency key with the response. A persistent send
 * carries one (default: a new random one); if the send fails, says to retry with it.
 */
async function send(inv: Invocation): Promise<void> {
  const { config, values, str, users } = inv;
  if (users.length === 0) fail("send needs --user");
  const content = jsonObjectOption("content", str("content"));
  // A DEADLINE_EXCEEDED or UNAVAILABLE send may have been stored: only a retry with the same key is safe.
  const persistent = values.ephemeral !== true;
  const idempotencyKey = str("idempotency-key") ?? (persistent ? randomUUID() : "");
  const c = client(config, str("addr"));
  const sending = call<SendNotificationsRequest, SendNotificationsResponse>(
    c.sendNotifications.bind(c),
    {
      notifications: [
        {
          userIds: users,
          code: Number(str("code") ?? "1"),
          subject: str("subject") ?? "",
          content,
          senderId: "",
          persistent,
          idempotencyKey,
        },
      ],
    },
    auth(config, str("api-key")),
  );
  const res = await sending.catch((err: unknown) => {
    if (idempotencyKey !== "") process.stderr.write(`herald: if this send is retried, retry it with --idempotency-key ${idempotencyKey}\n`);
    throw err;
  });
  process.stdout.write(`${JSON.stringify({ idempotencyKey, ...res }, null, 2)}\n`);
  c.close();
}

/** `herald list`: prints one page of a user's inbox. */
async function list({ config, values, str, users }: Invocation): Promise<void> {
  if (users.length !== 1) fail("list needs exactly one --user");
  const c = client(config, str("addr"));
  const res = await call<ListNotificationsRequest, ListNotificationsResponse>(
    c.listNotifications.bind(c),
    {
      userId: users[0]!,
      query: {
        limit: Number(str("limit") ?? "20"),
        cursor: str("cursor") ?? "",
        direction: values.backward === true ? ListDirection.LIST_DIRECTION_BACKWARD : ListDirection.LIST_DIRECTION_FORWARD,
        unreadOnly: values.unread === true,
        systemFilter: 0,
      },
    },
    auth(config, str("api-key")),
  );
  process.stdout.write(`${JSON.stringify(res.page, null, 2)}\n`);
  c.close();
}

/** `herald token`: mints a development JWT with the configured HMAC secret. */
async function token({ config, str, users }: Invocation): Promise<void> {
  if (users.length !== 1) fail("token needs exactly one --user");
  if (!config.jwt.algorithms[0]?.startsWith("HS")) fail("token can only mint HMAC tokens (HERALD_JWT_SECRET)");
  process.stdout.write(
    `${await mintToken({ alg: config.jwt.algorithms[0], secret: config.jwt.secret, userId: users[0]!, ttlSec: Number(str("ttl") ?? "3600"), issuer: config.jwt.issuer, audience: config.jwt.audience })}\n`,
  );
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === "help" || command === "--help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const inv = parseCommandLine(rest);
  switch (command) {
    case "serve":
      return serve(inv.config);
    case "migrate":
      return migrate(inv.config, inv.positionals);
    case "send":
      return send(inv);
    case "list":
      return list(inv);
    case "token":
      return token(inv);
    case "room":
      return roomCommand(inv);
    default:
      fail(`unknown command ${command}\n\n${USAGE}`);
  }
}

main().catch((err: unknown) => {
  const e = err as { code?: number; details?: string; message?: string };
  process.stderr.write(`herald: ${e.details ?? e.message ?? String(err)}\n`);
  process.exit(1);
});
