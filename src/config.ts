import { randomUUID } from "node:crypto";
import type { DatabaseOptions } from "./storage/database.js";
import { natsConfig } from "./config-nats.js";
import { bool, ConfigError, type Env, int, list, str } from "./config-values.js";

/**
 * The node's configuration: the only reader of process.env. Parses once into
 * a typed object and fails fast (value readers: config-values.ts; NATS: config-nats.ts).
 */
export { ConfigError };

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
  /** Bytes a user's connections may read from the store per second (list and catch-up), with bursts of `readBurstBytes`. */
  readBytesPerSec: number;
  readBurstBytes: number;
  /** New connections per second (0 = unlimited) and burst, per client address and per user. */
  connectRatePerIp: number;
  connectBurstPerIp: number;
  connectRatePerUser: number;
  connectBurstPerUser: number;
  /** Connections not authenticated yet, node-wide; more upgrades are answered 503. */
  maxUnauthenticated: number;
}

/**
 * The Socket.IO endpoint (docs/socketio.md): the real `socket.io` v4 server on
 * the HTTP port, bridged to the same sessions as the native endpoint, whose
 * limits (`WsConfig`) it shares.
 */
export interface SocketIoConfig {
  /** Off: no `/socket.io/` route at all. */
  enabled: boolean;
  /** Engine.IO's request path, with a trailing slash (`/socket.io/`). */
  path: string;
  /** Namespaces accepted (any other is refused by Socket.IO itself). */
  namespaces: string[];
  /**
   * MinChat's `apiKey` + `channelUserId` mode: client-side keys that let a
   * client name its user id (trusted). Empty: off, a JWT is required.
   */
  publishableKeys: string[];
  /** The content field the `notification` event's `type` is read from (a string value). */
  typeField: string;
  /** `type` by code, when the content has no such field (`1:like`); else the code as text. */
  typeByCode: Record<number, string>;
}

/** Connection and stream limits of the gRPC listener (they bound what unauthenticated peers can make a node hold). */
export interface GrpcConfig {
  /** Open TCP connections at most; more are closed on accept. */
  maxConnections: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS advertised to every connection. */
  maxConcurrentStreams: number;
  /** A connection must send the HTTP/2 preface, and an unauthenticated (health) call its whole request, within this. */
  handshakeTimeoutMs: number;
  /** Unauthenticated (health) calls still receiving their request, node-wide; more are RESOURCE_EXHAUSTED. */
  maxUnauthenticatedCalls: number;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  /** A connection without calls for this long is closed (GOAWAY). */
  maxConnectionIdleMs: number;
  /** A connection is closed (GOAWAY) after this long, its calls given maxConnectionAgeGraceMs to finish; 0 = no limit. */
  maxConnectionAgeMs: number;
  maxConnectionAgeGraceMs: number;
}

/** How this node authenticates to NATS (at most one of user/password, token, NKey, creds) and TLS. */
export interface NatsAuthConfig {
  user: string;
  password: string;
  token: string;
  nkeySeedFile: string;
  credsFile: string;
  /** null: plain TCP unless the server asks for TLS; else TLS is required (tls:// URL or a TLS file set). */
  tls: { caFile: string; certFile: string; keyFile: string } | null;
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
  /** Credentials taken out of NATS_URL or given by the HERALD_NATS_* variables. */
  nats: NatsAuthConfig;
  apiKeys: string[];
  /** True when the development API key is in use (printed at start). */
  devApiKey: boolean;
  cursorSecret: string;
  jwt: JwtConfig;
  devJwtSecret: boolean;
  ws: WsConfig;
  socketIo: SocketIoConfig;
  grpcMaxMessageBytes: number;
  grpc: GrpcConfig;
  /** Where /metrics is served: null = on the HTTP port (development default), else a listener of its own. */
  metrics: { host: string; port: number } | null;
  purgeIntervalMs: number;
  shutdownGraceMs: number;
  logLevel: string;
}

export const DEV_API_KEY = "herald-dev-key-0123456789abcdef";
export const DEV_JWT_SECRET = "herald-dev-jwt-secret-not-for-production";
const DEV_CURSOR_SECRET = "herald-dev-cursor-secret-not-for-production";
const JWT_ALGS = new Set(["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]);
const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * /metrics is not for the public: production serves it on a loopback listener
 * of its own (port 9464) unless told otherwise; development keeps it on the
 * HTTP port unless HERALD_METRICS_PORT asks for a listener of its own.
 */
function metricsListener(env: Env, prod: boolean): { host: string; port: number } | null {
  const port = str(env, "HERALD_METRICS_PORT", "");
  if (port === "" && !prod) {
    if (str(env, "HERALD_METRICS_HOST", "") !== "") throw new ConfigError("HERALD_METRICS_HOST", "needs HERALD_METRICS_PORT");
    return null;
  }
  return { host: str(env, "HERALD_METRICS_HOST", "127.0.0.1"), port: int(env, "HERALD_METRICS_PORT", 9464, 0, 65535) };
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

/** Postgres at DATABASE_URL, else PGlite on HERALD_DATA_DIR. */
function databaseConfig(env: Env): DatabaseOptions {
  const dbUrl = str(env, "DATABASE_URL", "");
  if (dbUrl !== "" && !/^postgres(ql)?:\/\//.test(dbUrl)) throw new ConfigError("DATABASE_URL", "must be a postgres:// URL");
  // Reads (list, resume, counts) may hold all but two of the pool's connections, so that writes never wait behind them.
  const poolMax = int(env, "HERALD_DB_POOL_MAX", 10, 1, 200);
  return dbUrl !== ""
    ? {
        kind: "postgres",
        url: dbUrl,
        poolMax,
        maxConcurrentReads: int(env, "HERALD_DB_MAX_CONCURRENT_READS", Math.max(1, poolMax - 2), 1, Math.max(1, poolMax - 1)),
      }
    : {
        kind: "pglite",
        dataDir: str(env, "HERALD_DATA_DIR", "./data"),
        maxConcurrentReads: int(env, "HERALD_DB_MAX_CONCURRENT_READS", 1, 1, 100),
      };
}

/** The backends' API keys; the development key when none is set (refused in production). */
function apiKeyConfig(env: Env, prod: boolean): { apiKeys: string[]; devApiKey: boolean } {
  let apiKeys = list(env, "HERALD_API_KEYS");
  const devApiKey = apiKeys.length === 0;
  if (devApiKey) {
    if (prod) throw new ConfigError("HERALD_API_KEYS", "required in production (comma-separated keys of at least 16 characters)");
    apiKeys = [DEV_API_KEY];
  }
  for (const k of apiKeys) if (k.length < 16) throw new ConfigError("HERALD_API_KEYS", "each key must be at least 16 characters");
  return { apiKeys, devApiKey };
}

/**
 * How tokens are verified: an HMAC secret, a public key or a JWKS file (one of
 * them) and pinned algorithms that fit it. Development without any uses the
 * development secret; production refuses to start without one.
 */
function jwtConfig(env: Env, prod: boolean): { jwt: Omit<JwtConfig, "issuer" | "audience" | "clockToleranceSec">; devJwtSecret: boolean } {
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
  return { jwt: { algorithms, secret: devJwtSecret ? DEV_JWT_SECRET : jwtSecret, publicKeyFile, jwksFile }, devJwtSecret };
}

/** The WebSocket endpoint and its limits. */
function wsConfig(env: Env, prod: boolean, origins: string[]): WsConfig {
  return {
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
    readBytesPerSec: int(env, "HERALD_WS_READ_BYTES_PER_SEC", 1024 * 1024, 1024, 1024 * 1024 * 1024),
    readBurstBytes: int(env, "HERALD_WS_READ_BURST_BYTES", 4 * 1024 * 1024, 16 * 1024, 1024 * 1024 * 1024),
    connectRatePerIp: int(env, "HERALD_WS_CONNECT_RATE_PER_IP", 100, 0, 1_000_000),
    connectBurstPerIp: int(env, "HERALD_WS_CONNECT_BURST_PER_IP", 1000, 1, 1_000_000),
    connectRatePerUser: int(env, "HERALD_WS_CONNECT_RATE_PER_USER", 2, 0, 1_000_000),
    connectBurstPerUser: int(env, "HERALD_WS_CONNECT_BURST_PER_USER", 20, 1, 1_000_000),
    maxUnauthenticated: int(env, "HERALD_WS_MAX_UNAUTHENTICATED", 1000, 1, 1_000_000),
  };
}

/** The Socket.IO endpoint; publishable keys must be long and never a backend API key. */
function socketIoConfig(env: Env, apiKeys: string[]): SocketIoConfig {
  const path = str(env, "HERALD_SOCKETIO_PATH", "/socket.io");
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path) || path === "/")
    throw new ConfigError("HERALD_SOCKETIO_PATH", "must be a URL path other than /");
  const namespaces = list({ N: str(env, "HERALD_SOCKETIO_NAMESPACES", "/,/notifications,/api/notifications") }, "N");
  for (const n of namespaces) if (!n.startsWith("/")) throw new ConfigError("HERALD_SOCKETIO_NAMESPACES", `${n} must start with /`);
  const publishableKeys = list(env, "HERALD_SOCKETIO_PUBLISHABLE_KEYS");
  for (const k of publishableKeys) {
    if (k.length < 16) throw new ConfigError("HERALD_SOCKETIO_PUBLISHABLE_KEYS", "each key must be at least 16 characters");
    if (apiKeys.includes(k)) throw new ConfigError("HERALD_SOCKETIO_PUBLISHABLE_KEYS", "a publishable key must not be a backend API key");
  }
  const typeByCode: Record<number, string> = {};
  for (const pair of list(env, "HERALD_SOCKETIO_TYPE_CODES")) {
    const m = /^(-?\d+)[:=](.+)$/.exec(pair);
    if (!m) throw new ConfigError("HERALD_SOCKETIO_TYPE_CODES", `expected code:type pairs, got ${JSON.stringify(pair)}`);
    typeByCode[Number(m[1])] = m[2]!.trim();
  }
  return {
    enabled: bool(env, "HERALD_SOCKETIO_ENABLED", true),
    path: `${path.replace(/\/+$/, "")}/`,
    namespaces,
    publishableKeys,
    typeField: str(env, "HERALD_SOCKETIO_TYPE_FIELD", "type"),
    typeByCode,
  };
}

/** The gRPC listener's connection and stream limits. */
function grpcConfig(env: Env): GrpcConfig {
  return {
    maxConnections: int(env, "HERALD_GRPC_MAX_CONNECTIONS", 1000, 1, 1_000_000),
    maxConcurrentStreams: int(env, "HERALD_GRPC_MAX_CONCURRENT_STREAMS", 100, 1, 10_000),
    handshakeTimeoutMs: int(env, "HERALD_GRPC_HANDSHAKE_TIMEOUT_MS", 10_000, 100, 600_000),
    maxUnauthenticatedCalls: int(env, "HERALD_GRPC_MAX_UNAUTHENTICATED_CALLS", 16, 1, 10_000),
    keepaliveTimeMs: int(env, "HERALD_GRPC_KEEPALIVE_TIME_MS", 120_000, 1000, 86_400_000),
    keepaliveTimeoutMs: int(env, "HERALD_GRPC_KEEPALIVE_TIMEOUT_MS", 20_000, 1000, 600_000),
    maxConnectionIdleMs: int(env, "HERALD_GRPC_MAX_CONNECTION_IDLE_MS", 300_000, 1000, 86_400_000),
    maxConnectionAgeMs: int(env, "HERALD_GRPC_MAX_CONNECTION_AGE_MS", 3_600_000, 0, 86_400_000),
    maxConnectionAgeGraceMs: int(env, "HERALD_GRPC_MAX_CONNECTION_AGE_GRACE_MS", 30_000, 0, 3_600_000),
  };
}

/**
 * Reads the whole configuration from `env` (process.env by default): every
 * variable checked, the first problem thrown as a ConfigError naming it.
 */
export function loadConfig(env: Env = process.env): Config {
  const mode = str(env, "HERALD_ENV", "development");
  if (mode !== "development" && mode !== "production") throw new ConfigError("HERALD_ENV", "must be development or production");
  const prod = mode === "production";
  const database = databaseConfig(env);
  const { servers: natsServers, auth: nats } = natsConfig(env, prod);
  const { apiKeys, devApiKey } = apiKeyConfig(env, prod);

  const cursorSecret = str(env, "HERALD_CURSOR_SECRET", prod ? "" : DEV_CURSOR_SECRET);
  if (cursorSecret.length < 32) throw new ConfigError("HERALD_CURSOR_SECRET", "required in production, at least 32 characters");

  const { jwt, devJwtSecret } = jwtConfig(env, prod);
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
    nats,
    apiKeys,
    devApiKey,
    cursorSecret,
    jwt: {
      ...jwt,
      issuer: str(env, "HERALD_JWT_ISSUER", ""),
      audience: str(env, "HERALD_JWT_AUDIENCE", ""),
      clockToleranceSec: int(env, "HERALD_JWT_CLOCK_TOLERANCE_SEC", 5, 0, 300),
    },
    devJwtSecret,
    ws: wsConfig(env, prod, origins),
    socketIo: socketIoConfig(env, apiKeys),
    metrics: metricsListener(env, prod),
    grpcMaxMessageBytes: int(env, "HERALD_GRPC_MAX_MESSAGE_BYTES", 4 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024),
    grpc: grpcConfig(env),
    purgeIntervalMs: int(env, "HERALD_PURGE_INTERVAL_MS", 60_000, 1000, 86_400_000),
    shutdownGraceMs: int(env, "HERALD_SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    logLevel,
  };
}
