import assert from "node:assert/strict";
import net from "node:net";
import { afterAll, beforeAll, describe, test } from "vitest";
import { createPostgresDatabase, type TestDatabase, withAdmin } from "../../support/databases.js";
import { HeraldNode } from "../../support/herald-node.js";
import { freePort } from "../../support/net.js";
import { devToken, TestClient } from "../../support/ws-client.js";

/** Sends raw bytes to the HTTP port and resolves with the status line of the answer ("" if the socket closed silently). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(text));
    let got = "";
    s.on("data", (d) => {
      got += d.toString("latin1");
      if (got.includes("\r\n")) s.destroy();
    });
    s.on("error", reject);
    s.on("close", () => resolve(got.split("\r\n")[0] ?? ""));
    s.setTimeout(5000, () => s.destroy(new Error("no answer within 5 s")));
  });
}

const upgrade = (target: string) =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;

/** Transactions committed in `database` so far: every /readyz check that reaches Postgres is one. */
async function commits(database: string): Promise<number> {
  return withAdmin(async (c) => {
    await c.query("select pg_stat_clear_snapshot()");
    const r = await c.query("select xact_commit::int as n from pg_stat_database where datname = $1", [database]);
    return r.rows[0].n as number;
  });
}

describe("HTTP edge: bad request targets, /readyz and /metrics", () => {
  let db: TestDatabase;
  let node: HeraldNode;
  let metricsPort: number;

  beforeAll(async () => {
    db = await createPostgresDatabase();
    metricsPort = await freePort();
    node = await HeraldNode.start({
      nodeId: "edge",
      databaseUrl: db.url!,
      natsUrl: "",
      env: { HERALD_METRICS_PORT: String(metricsPort) },
    });
  });
  afterAll(async () => {
    await node?.cleanup();
    await db?.drop();
  });

  for (const target of ["//x:99999", "//a:b", "http://[::1", "*"]) {
    test(`an upgrade to ${JSON.stringify(target)} is answered 400 and the node keeps serving`, async () => {
      assert.match(await rawRequest(node.httpPort, upgrade(target)), /^HTTP\/1\.1 400 /);
      const c = await TestClient.connect(node.wsUrl, "still-here");
      assert.ok(c.frames[0]!.authenticate, "a normal client still connects");
      await c.close();
      assert.equal(node.running, true, "the node process is still running");
    });
  }

  test("an absolute-form upgrade target still reaches the WebSocket path", async () => {
    const token = await devToken("absolute");
    assert.match(await rawRequest(node.httpPort, upgrade(`http://127.0.0.1:${node.httpPort}/ws?token=${token}`)), /^HTTP\/1\.1 101 /);
  });

  test("/readyz answers from a check made at most once a second: 300 requests cost a few queries, not 300", async () => {
    const name = new URL(db.url!).pathname.slice(1);
    const ready = await fetch(`http://127.0.0.1:${node.httpPort}/readyz`);
    assert.equal(ready.status, 200);
    const before = await commits(name);
    const started = performance.now();
    for (let i = 0; i < 30; i++)
      await Promise.all(
        Array.from({ length: 10 }, async () => assert.equal((await fetch(`http://127.0.0.1:${node.httpPort}/readyz`)).status, 200)),
      );
    const seconds = (performance.now() - started) / 1000;
    const used = (await commits(name)) - before;
    // One check per second of the run, plus slack: the counter also sees this test's own statistics queries,
    // and Postgres publishes a backend's counts up to a second late. A query per request would be 300.
    assert.ok(used <= 2 * Math.ceil(seconds) + 20, `${used} transactions for 300 /readyz requests in ${seconds.toFixed(1)} s`);
  });

  test("/metrics is served on its own listener (HERALD_METRICS_PORT), not on the public HTTP port", async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /herald_ws_connections/);
    assert.equal((await fetch(`http://127.0.0.1:${node.httpPort}/metrics`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status, 404);
  });
});
