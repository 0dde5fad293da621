import assert from "node:assert/strict";
import { describe, test } from "vitest";
import { DEV_API_KEY, flagsToEnv, loadConfig } from "../../src/config.js";
import { configFails, PRODUCTION_ENV } from "../support/config-checks.js";

const fails = configFails;
const PROD = PRODUCTION_ENV;

describe("loadConfig", () => {
  test("defaults: development, PGlite in ./data, dev API key, in-process fan-out", () => {
    const c = loadConfig({});
    assert.equal(c.env, "development");
    assert.deepEqual(c.database, { kind: "pglite", dataDir: "./data", maxConcurrentReads: 1 });
    assert.deepEqual(c.apiKeys, [DEV_API_KEY]);
    assert.equal(c.devApiKey, true);
    assert.equal(c.grpcPort, 50051);
    assert.equal(c.host, "127.0.0.1");
    assert.deepEqual(c.natsServers, []);
    assert.equal(c.grpcMaxMessageBytes, 4 * 1024 * 1024);
  });

  test("reads every kind of value", () => {
    const c = loadConfig({
      DATABASE_URL: "postgres://u@db:5432/herald",
      HERALD_DB_POOL_MAX: "20",
      HERALD_API_KEYS: " key-one-0123456789 , key-two-0123456789 ,",
      HERALD_GRPC_PORT: "0",
      HERALD_GRPC_MAX_MESSAGE_BYTES: "65536",
      NATS_URL: "nats://a:4222,b:4222",
      HERALD_WS_SINGLE_CONNECTION: "yes",
      HERALD_DATA_DIR: "/ignored/with/database/url",
    });
    assert.deepEqual(c.database, { kind: "postgres", url: "postgres://u@db:5432/herald", poolMax: 20, maxConcurrentReads: 18 });
    assert.deepEqual(c.apiKeys, ["key-one-0123456789", "key-two-0123456789"]);
    assert.equal(c.devApiKey, false);
    assert.equal(c.grpcPort, 0);
    assert.equal(c.grpcMaxMessageBytes, 65536);
    assert.deepEqual(c.natsServers, ["nats://a:4222", "b:4222"]);
    assert.equal(c.ws.singleConnection, true);
    assert.equal(loadConfig({ HERALD_DATA_DIR: "/tmp/x" }).database.kind, "pglite");
  });

  test("bad values fail fast naming the variable", () => {
    fails({ HERALD_GRPC_PORT: "abc" }, "HERALD_GRPC_PORT", /integer/);
    fails({ HERALD_GRPC_PORT: "70000" }, "HERALD_GRPC_PORT", /between/);
    fails({ HERALD_GRPC_PORT: "-1" }, "HERALD_GRPC_PORT");
    fails({ HERALD_GRPC_PORT: "1.5" }, "HERALD_GRPC_PORT");
    fails({ HERALD_HTTP_PORT: "http" }, "HERALD_HTTP_PORT");
    fails({ HERALD_GRPC_MAX_MESSAGE_BYTES: "1000" }, "HERALD_GRPC_MAX_MESSAGE_BYTES");
    fails({ HERALD_DB_POOL_MAX: "0", DATABASE_URL: "postgres://h/db" }, "HERALD_DB_POOL_MAX");
    fails({ HERALD_PURGE_INTERVAL_MS: "10" }, "HERALD_PURGE_INTERVAL_MS");
    fails({ HERALD_SHUTDOWN_GRACE_MS: "x" }, "HERALD_SHUTDOWN_GRACE_MS");
    fails({ DATABASE_URL: "mysql://localhost/db" }, "DATABASE_URL", /postgres/);
    fails({ NATS_URL: "http://nats:4222" }, "NATS_URL");
    fails({ HERALD_ENV: "staging" }, "HERALD_ENV");
    fails({ HERALD_API_KEYS: "short" }, "HERALD_API_KEYS", /16/);
    fails({ HERALD_LOG_LEVEL: "loud" }, "HERALD_LOG_LEVEL");
    fails({ HERALD_WS_SINGLE_CONNECTION: "maybe" }, "HERALD_WS_SINGLE_CONNECTION");
    fails({ HERALD_CURSOR_SECRET: "too-short" }, "HERALD_CURSOR_SECRET");
    fails({ HERALD_JWT_SECRET: "too-short" }, "HERALD_JWT_SECRET");
    fails({ HERALD_JWT_ALGORITHMS: "none" }, "HERALD_JWT_ALGORITHMS");
  });

  test("production refuses development defaults", () => {
    assert.equal(loadConfig(PROD).env, "production");
    const { HERALD_API_KEYS: _k, ...noKeys } = PROD;
    fails(noKeys, "HERALD_API_KEYS", /required in production/);
    const { HERALD_CURSOR_SECRET: _c, ...noCursor } = PROD;
    fails(noCursor, "HERALD_CURSOR_SECRET");
    const { HERALD_JWT_SECRET: _j, ...noJwt } = PROD;
    fails(noJwt, "HERALD_JWT_SECRET");
  });

  test("flags map to their variables", () => {
    assert.deepEqual(flagsToEnv({ "grpc-port": "1", "database-url": "postgres://x/y", "nats-url": "n:1", "api-keys": "k" }), {
      HERALD_GRPC_PORT: "1",
      DATABASE_URL: "postgres://x/y",
      NATS_URL: "n:1",
      HERALD_API_KEYS: "k",
    });
    assert.equal(loadConfig(flagsToEnv({ "grpc-port": "6000" })).grpcPort, 6000);
    fails(flagsToEnv({ "grpc-port": "x" }), "HERALD_GRPC_PORT");
  });
  test("/metrics: on the HTTP port in development, on a loopback listener of its own in production", () => {
    assert.equal(loadConfig({}).metrics, null);
    assert.deepEqual(loadConfig({ HERALD_METRICS_PORT: "9100" }).metrics, { host: "127.0.0.1", port: 9100 });
    assert.deepEqual(loadConfig(PROD).metrics, { host: "127.0.0.1", port: 9464 });
    assert.deepEqual(loadConfig({ ...PROD, HERALD_METRICS_HOST: "0.0.0.0", HERALD_METRICS_PORT: "9000" }).metrics, {
      host: "0.0.0.0",
      port: 9000,
    });
    fails({ HERALD_METRICS_HOST: "0.0.0.0" }, "HERALD_METRICS_HOST", /HERALD_METRICS_PORT/);
    fails({ HERALD_METRICS_PORT: "70000" }, "HERALD_METRICS_PORT");
  });
});
