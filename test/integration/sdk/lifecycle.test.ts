import assert from "node:assert/strict";
import { afterAll, afterEach, describe, test } from "vitest";
import { backoffDelay, CloseCode, closeOutcome } from "../../../clients/typescript/src/index.js";
import { closeAction } from "../../../src/transport/session/close-codes.js";
import { createPostgresDatabase, type TestDatabase } from "../../support/databases.js";
import { startTestHerald, type TestHerald } from "../../support/herald.js";
import { outgoing } from "../../support/grpc.js";
import { freePort } from "../../support/net.js";
import { TcpProxy } from "../../support/tcp-proxy.js";
import { SdkClient } from "../../support/sdk-client.js";
import { waitFor } from "../../support/wait.js";

/**
 * Connection states and reconnects with real sockets: a port where nothing
 * listens yet (connection refused), then a node started on it; and the
 * browser's online/offline events.
 */
describe("SDK connection lifecycle (real sockets, real node)", () => {
  let db: TestDatabase | undefined;
  let node: TestHerald | undefined;
  const clients: SdkClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await node?.stop();
    node = undefined;
  });
  afterAll(async () => {
    await db?.drop();
  });

  test("backoff: attempts against a down node are spaced by full-jitter delays within the bounds; suspended after the outage bound; connected once the node is up", async () => {
    const port = await freePort();
    const c = new SdkClient(`ws://127.0.0.1:${port}/ws`, "uma", {
      minReconnectDelayMs: 100,
      maxReconnectDelayMs: 800,
      suspendedAfterMs: 1_500,
    });
    clients.push(c);
    c.herald.connect();
    await waitFor(() => c.sockets >= 7, { timeoutMs: 15_000, message: `7 attempts (have ${c.sockets})` });
    // Attempt k+1 follows the refusal of attempt k after a delay in [100, min(800, 100 x 2^k)] ms
    // (plus the refusal itself and the token: a few ms).
    const gaps = c.openedAt.slice(1, 7).map((t, k) => ({ k, gap: t - c.openedAt[k]! }));
    for (const { k, gap } of gaps) {
      assert.ok(gap >= 95, `gap ${k}: ${gap.toFixed(0)} ms is below the lower bound`);
      assert.ok(gap <= Math.min(800, 100 * 2 ** k) + 150, `gap ${k}: ${gap.toFixed(0)} ms is above its ceiling`);
    }
    await c.waitState("suspended", 5_000); // 1.5 s without a connection
    assert.deepEqual(c.states, ["connecting", "suspended"]);
    db = await createPostgresDatabase();
    node = await startTestHerald(db, { HERALD_HTTP_PORT: String(port) });
    await c.waitState("connected", 10_000);
    assert.deepEqual(c.states, ["connecting", "suspended", "connected"]);
    assert.deepEqual(c.errors, [], "reconnect-class failures are not errors");
  });

  test("the delays: uniform between the lower bound and min(upper, lower x 2^attempt)", () => {
    const lows = Array.from({ length: 12 }, (_, i) => backoffDelay(i, 500, 20_000, () => 0));
    const highs = Array.from({ length: 12 }, (_, i) => backoffDelay(i, 500, 20_000, () => 1));
    assert.deepEqual(lows, Array(12).fill(500));
    assert.deepEqual(highs, [500, 1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000, 20000, 20000, 20000]);
    assert.equal(
      backoffDelay(3, 500, 20_000, () => 0.5),
      2250,
    );
  });

  test("the close-code decision is the server's own table", () => {
    for (const code of [
      1000, 1001, 1005, 1006, 1009, 3000, 3003, 3004, 3006, 3499, 3500, 3999, 4000, 4499, 4500, 4501, 4504, 4506, 4508, 4999,
    ])
      assert.equal(closeOutcome(code).action, closeAction(code), `code ${code}`);
    assert.equal(closeOutcome(CloseCode.banned).action, "stop");
    assert.equal(closeOutcome(CloseCode.banned).errorCode, "permission_denied");
    assert.equal(closeOutcome(CloseCode.shutdown).action, "reconnect");
  });

  test("the browser's offline event drops the socket at once; online reconnects at once instead of waiting for the backoff", async () => {
    db ??= await createPostgresDatabase();
    node = await startTestHerald(db);
    const target = new EventTarget();
    const g = globalThis as unknown as Record<string, unknown>;
    g.addEventListener = target.addEventListener.bind(target);
    g.removeEventListener = target.removeEventListener.bind(target);
    try {
      // A 60 s lower bound: without the online event no retry would happen during this test.
      const c = new SdkClient(node.wsUrl, "vic", { minReconnectDelayMs: 60_000, maxReconnectDelayMs: 60_000 });
      clients.push(c);
      await c.connect();
      target.dispatchEvent(new Event("offline"));
      assert.equal(c.herald.state, "connecting", "dropped at once");
      assert.deepEqual(c.closeCodes, [4002]);
      target.dispatchEvent(new Event("online"));
      await c.waitState("connected", 5_000);
      assert.equal(c.sockets, 2);
      assert.deepEqual(c.states, ["connecting", "connected", "connecting", "connected"]);
    } finally {
      delete g.addEventListener;
      delete g.removeEventListener;
    }
  });

  test("a silent network: a request times out, the liveness ping drops the socket (4001), hung connects are given up, and the client resumes once the network is back", async () => {
    db ??= await createPostgresDatabase();
    node = await startTestHerald(db);
    const proxy = new TcpProxy({ host: "127.0.0.1", port: node.httpPort });
    const port = await proxy.start();
    try {
      const c = new SdkClient(`ws://127.0.0.1:${port}/ws`, "xan", { requestTimeoutMs: 600, pingIntervalMs: 300 });
      clients.push(c);
      await c.connect();
      await node.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["xan"], subject: "one" })] });
      await c.waitNotifications(1);

      proxy.freeze(); // nothing goes through any more; new connections are accepted and never answered
      await assert.rejects(c.herald.list(), (e: { code: string }) => e.code === "deadline_exceeded");
      await c.waitState("connecting", 5_000);
      assert.deepEqual(c.closeCodes, [4001], "dropped by the SDK: no reply to its ping");
      await waitFor(() => c.sockets >= 3, { timeoutMs: 10_000, message: "retries against the hung network" });
      assert.equal(c.herald.state, "connecting", "still not connected: each attempt is given up after the timeout");
      await node.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["xan"], subject: "two" })] });

      await proxy.stop();
      await proxy.start(); // the network is back
      await c.waitState("connected", 10_000);
      await c.waitNotifications(2);
      assert.deepEqual(
        c.notifications.map((n) => n.subject),
        ["one", "two"],
      );
      assert.deepEqual(c.errors, []);
    } finally {
      await proxy.stop();
    }
  });

  test("disconnect() is final: state disconnected, no reconnect, pending requests fail", async () => {
    db ??= await createPostgresDatabase();
    node = await startTestHerald(db);
    const c = new SdkClient(node.wsUrl, "wes");
    clients.push(c);
    await c.connect();
    c.herald.connect(); // idempotent
    const pending = c.herald.list();
    c.disconnect();
    await assert.rejects(pending, (e: { code: string }) => e.code === "unavailable");
    assert.equal(c.herald.state, "disconnected");
    assert.deepEqual(c.states, ["connecting", "connected", "disconnected"]);
    assert.equal(c.sockets, 1);
  });
});
