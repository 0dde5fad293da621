import { randomUUID } from "node:crypto";
import type { DatabaseOptions } from "./storage/database.js";

/** The only reader of process.env. Parses once into a typed object and fails fast. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = "ConfigError";
  }
}

export interface JwtConfig {
  /** Pinned algorithms; tokens signed with any other are refused. */
  algorithms: string[];
  secret: string;
  publicKeyFile: string;
  jwksFile: string;
  issuer: string;
  audience: string;
  clockToleranceSec: number;
}

export interface WsConfig {
  path: string;
  maxFrameBytes: number;
  authTimeoutMs: number;
  heartbeatMs: number;
  maxConnectionsPerUser: number;
  singleConnection: boolean;
  /** Browser Origins allowed to connect; "*" allows any. Requests without Origin are not browsers and pass. */
  allowedOrigins: string[];
  rateLimitPerSec: number;
  rateBurst: number;
  /** Close a connection whose unsent output passes this many bytes. */
  maxBufferedBytes: number;
}

export interface Config {
  env: "development" | "production";
  nodeId: string;
  host: string;
  grpcPort: number;
  httpPort: number;
  database: DatabaseOptions;
  /** Empty: in-process fan-out (single node). */
  natsServers: string[];
  apiKeys: string[];
  /** True when the development API key is in use (printed at start). */
  devApiKey: boolean;
  cursorSecret: string;
  jwt: JwtConfig;
  devJwtSecret: boolean;
  ws: WsConfig;
  grpcMaxMessageBytes: number;
  purgeIntervalMs: number;
  shutdownGraceMs: number;
  logLevel: string;
}

export const DEV_API_KEY = "herald-dev-key-0123456789abcdef";
export const DEV_JWT_SECRET = "herald-dev-jwt-secret-not-for-production";
const DEV_CURSOR_SECRET = "herald-dev-cursor-secret-not-for-production";
const JWT_ALGS = new Set(["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]);
const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, def: string): string {
  const v = env[name];
  return v === undefined || v === "" ? def : v;
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === "") return def;
  if (!/^-?\d+$/.test(v.trim())) throw new ConfigError(name, `expected an integer, got ${JSON.stringify(v)}`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === "") return def;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(v)}`);
}

function list(env: Env, name: string): string[] {
  return str(env, name, "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Turns `--grpc-port 1` style flags into their variables: HERALD_GRPC_PORT (DATABASE_URL, NATS_URL as is). */
export function flagsToEnv(flags: Record<string, string>): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(flags)) {
    const up = k.replace(/-/g, "_").toUpperCase();
    out[up === "DATABASE_URL" || up === "NATS_URL" ? up : `HERALD_${up}`] = v;
  }
  return out;
}

export function loadConfig(env: Env = process.env): Config {
  const mode = str(env, "HERALD_ENV", "development");
  if (mode !== "development" && mode !== "production") throw new ConfigError("HERALD_ENV", "must be development or production");
  const prod = mode === "production";

  const dbUrl = str(env, "DATABASE_URL", "");
  if (dbUrl !== "" && !/^postgres(ql)?:\/\//.test(dbUrl)) throw new ConfigError("DATABASE_URL", "must be a postgres:// URL");
  const database: DatabaseOptions =
    dbUrl !== ""
      ? { kind: "postgres", url: dbUrl, poolMax: int(env, "HERALD_DB_POOL_MAX", 10, 1, 200) }
      : { kind: "pglite", dataDir: str(env, "HERALD_DATA_DIR", "./data") };

  const natsServers = list(env, "NATS_URL");
  for (const s of natsServers)
    if (!/^(nats|tls|wss?):\/\/[^\s]+$|^[\w.-]+:\d+$/.test(s)) throw new ConfigError("NATS_URL", `not a NATS server address: ${s}`);

  let apiKeys = list(env, "HERALD_API_KEYS");
  const devApiKey = apiKeys.length === 0;
  if (devApiKey) {
    if (prod) throw new ConfigError("HERALD_API_KEYS", "required in production (comma-separated keys of at least 16 characters)");
    apiKeys = [DEV_API_KEY];
  }
  for (const k of apiKeys) if (k.length < 16) throw new ConfigError("HERALD_API_KEYS", "each key must be at least 16 characters");

  const cursorSecret = str(env, "HERALD_CURSOR_SECRET", prod ? "" : DEV_CURSOR_SECRET);
  if (cursorSecret.length < 32) throw new ConfigError("HERALD_CURSOR_SECRET", "required in production, at least 32 characters");

  const jwtSecret = str(env, "HERALD_JWT_SECRET", "");
  const publicKeyFile = str(env, "HERALD_JWT_PUBLIC_KEY_FILE", "");
  const jwksFile = str(env, "HERALD_JWT_JWKS_FILE", "");
  const devJwtSecret = jwtSecret === "" && publicKeyFile === "" && jwksFile === "";
  if (devJwtSecret && prod)
    throw new ConfigError("HERALD_JWT_SECRET", "production needs HERALD_JWT_SECRET, HERALD_JWT_PUBLIC_KEY_FILE or HERALD_JWT_JWKS_FILE");
  if (jwtSecret !== "" && jwtSecret.length < 32) throw new ConfigError("HERALD_JWT_SECRET", "must be at least 32 characters");
  if (publicKeyFile !== "" && jwksFile !== "")
    throw new ConfigError("HERALD_JWT_JWKS_FILE", "set either HERALD_JWT_PUBLIC_KEY_FILE or HERALD_JWT_JWKS_FILE, not both");
  const defaultAlgs = publicKeyFile !== "" || jwksFile !== "" ? "RS256" : "HS256";
  const algorithms = list({ A: str(env, "HERALD_JWT_ALGORITHMS", defaultAlgs) }, "A");
  for (const a of algorithms) if (!JWT_ALGS.has(a)) throw new ConfigError("HERALD_JWT_ALGORITHMS", `unsupported algorithm ${a}`);
  const hasHmac = algorithms.some((a) => a.startsWith("HS"));
  const hasAsym = algorithms.some((a) => !a.startsWith("HS"));
  if (hasHmac && hasAsym) throw new ConfigError("HERALD_JWT_ALGORITHMS", "do not mix HMAC and public-key algorithms");
  if (hasAsym && publicKeyFile === "" && jwksFile === "")
    throw new ConfigError("HERALD_JWT_ALGORITHMS", "public-key algorithms need HERALD_JWT_PUBLIC_KEY_FILE or HERALD_JWT_JWKS_FILE");
  if (hasHmac && (publicKeyFile !== "" || jwksFile !== ""))
    throw new ConfigError("HERALD_JWT_ALGORITHMS", "HMAC algorithms need HERALD_JWT_SECRET, not a public key");

  const logLevel = str(env, "HERALD_LOG_LEVEL", "info");
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError("HERALD_LOG_LEVEL", `one of ${[...LOG_LEVELS].join(", ")}`);

  const origins = list(env, "HERALD_WS_ALLOWED_ORIGINS");
  return {
    env: mode,
    nodeId: str(env, "HERALD_NODE_ID", randomUUID().slice(0, 8)),
    host: str(env, "HERALD_HOST", "127.0.0.1"),
    grpcPort: int(env, "HERALD_GRPC_PORT", 50051, 0, 65535),
    httpPort: int(env, "HERALD_HTTP_PORT", 8080, 0, 65535),
    database,
    natsServers,
    apiKeys,
    devApiKey,
    cursorSecret,
    jwt: {
      algorithms,
      secret: devJwtSecret ? DEV_JWT_SECRET : jwtSecret,
      publicKeyFile,
      jwksFile,
      issuer: str(env, "HERALD_JWT_ISSUER", ""),
      audience: str(env, "HERALD_JWT_AUDIENCE", ""),
      clockToleranceSec: int(env, "HERALD_JWT_CLOCK_TOLERANCE_SEC", 5, 0, 300),
    },
    devJwtSecret,
    ws: {
      path: str(env, "HERALD_WS_PATH", "/ws"),
      maxFrameBytes: int(env, "HERALD_WS_MAX_FRAME_BYTES", 64 * 1024, 1024, 16 * 1024 * 1024),
      authTimeoutMs: int(env, "HERALD_WS_AUTH_TIMEOUT_MS", 10_000, 100, 600_000),
      heartbeatMs: int(env, "HERALD_WS_HEARTBEAT_MS", 25_000, 100, 600_000),
      maxConnectionsPerUser: int(env, "HERALD_WS_MAX_CONNECTIONS_PER_USER", 10, 1, 10_000),
      singleConnection: bool(env, "HERALD_WS_SINGLE_CONNECTION", false),
      allowedOrigins: origins.length > 0 ? origins : prod ? [] : ["*"],
      rateLimitPerSec: int(env, "HERALD_WS_RATE_LIMIT_PER_SEC", 50, 1, 1_000_000),
      rateBurst: int(env, "HERALD_WS_RATE_BURST", 100, 1, 1_000_000),
      maxBufferedBytes: int(env, "HERALD_WS_MAX_BUFFERED_BYTES", 4 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    },
    grpcMaxMessageBytes: int(env, "HERALD_GRPC_MAX_MESSAGE_BYTES", 4 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024),
    purgeIntervalMs: int(env, "HERALD_PURGE_INTERVAL_MS", 60_000, 1000, 86_400_000),
    shutdownGraceMs: int(env, "HERALD_SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    logLevel,
  };
}
