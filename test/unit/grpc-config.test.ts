import assert from "node:assert/strict";
import { describe, test } from "vitest";
import { loadConfig } from "../../src/config.js";
import { configFails } from "../support/config-checks.js";

const fails = configFails;

describe("gRPC connection limits in loadConfig", () => {
  test("defaults", () => {
    assert.deepEqual(loadConfig({}).grpc, {
      maxConnections: 1000,
      maxConcurrentStreams: 100,
      handshakeTimeoutMs: 10_000,
      maxUnauthenticatedCalls: 16,
      keepaliveTimeMs: 120_000,
      keepaliveTimeoutMs: 20_000,
      maxConnectionIdleMs: 300_000,
      maxConnectionAgeMs: 3_600_000,
      maxConnectionAgeGraceMs: 30_000,
    });
  });

  test("values are read, and out-of-range ones fail naming the variable", () => {
    const c = loadConfig({
      HERALD_GRPC_MAX_CONNECTIONS: "5",
      HERALD_GRPC_MAX_CONCURRENT_STREAMS: "8",
      HERALD_GRPC_HANDSHAKE_TIMEOUT_MS: "250",
      HERALD_GRPC_MAX_UNAUTHENTICATED_CALLS: "3",
      HERALD_GRPC_MAX_CONNECTION_AGE_MS: "0",
    }).grpc;
    assert.equal(c.maxConnections, 5);
    assert.equal(c.maxConcurrentStreams, 8);
    assert.equal(c.handshakeTimeoutMs, 250);
    assert.equal(c.maxUnauthenticatedCalls, 3);
    assert.equal(c.maxConnectionAgeMs, 0);
    fails({ HERALD_GRPC_MAX_CONNECTIONS: "0" }, "HERALD_GRPC_MAX_CONNECTIONS");
    fails({ HERALD_GRPC_MAX_CONCURRENT_STREAMS: "0" }, "HERALD_GRPC_MAX_CONCURRENT_STREAMS");
    fails({ HERALD_GRPC_HANDSHAKE_TIMEOUT_MS: "10" }, "HERALD_GRPC_HANDSHAKE_TIMEOUT_MS");
    fails({ HERALD_GRPC_MAX_UNAUTHENTICATED_CALLS: "x" }, "HERALD_GRPC_MAX_UNAUTHENTICATED_CALLS");
    fails({ HERALD_GRPC_KEEPALIVE_TIME_MS: "999" }, "HERALD_GRPC_KEEPALIVE_TIME_MS");
    fails({ HERALD_GRPC_MAX_CONNECTION_IDLE_MS: "-1" }, "HERALD_GRPC_MAX_CONNECTION_IDLE_MS");
  });
});
