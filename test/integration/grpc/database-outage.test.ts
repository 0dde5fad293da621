import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import type { ServiceError } from "@grpc/grpc-js";
import { createPostgresDatabase, databaseUrl, type TestDatabase } from "../../support/databases.js";
import { assertGrpcError, listAll, outgoing, status } from "../../support/grpc.js";
import { startTestHerald, type TestHerald } from "../../support/herald.js";
import { proxyToPostgres, type TcpProxy } from "../../support/tcp-proxy.js";
import { timed, waitFor } from "../../support/wait.js";

const USER = "outage-user";
const PER_SEND = 5;
const PROMPT_MS = 5000;

/**
 * Postgres goes away while Herald runs: Herald's DATABASE_URL points at a TCP
 * proxy to the real server; stopping the proxy kills every connection and
 * refuses new ones, as a stopped server does; starting it again is the
 * server coming back.
 */
describe("Postgres unavailable (on postgres)", () => {
  let tdb: TestDatabase;
  let proxy: TcpProxy;
  let node: TestHerald;

  beforeAll(async () => {
    tdb = await createPostgresDatabase();
    const viaProxy = await proxyToPostgres(tdb.url!);
    proxy = viaProxy.proxy;
    node = await startTestHerald({ env: { DATABASE_URL: viaProxy.url } });
  });

  afterAll(async () => {
    await proxy?.start(); // let the node close its pool cleanly
    await node?.stop();
    await proxy?.stop();
    await tdb?.drop();
  });

  test("sends answer UNAVAILABLE promptly while it is down, succeed after it is back, nothing answered OK is lost or half-written", async () => {
    const { rpc } = node;
    let batch = 0;
    /** Every batch: PER_SEND notifications, each with a key naming its batch, so a half-written batch shows. */
    const okIds = new Map<string, string>(); // notification id -> batch
    const failedBatches: string[] = [];
    const send = async () => {
      const b = `b${++batch}`;
      const notifications = Array.from({ length: PER_SEND }, (_, i) =>
        outgoing({ userIds: [USER], subject: b, idempotencyKey: `${b}-${i}`, content: { batch: b, i } }),
      );
      try {
        const res = await rpc.sendNotifications({ notifications }, { deadlineMs: 20_000 });
        for (const r of res.results) okIds.set(r.notificationId, b);
        return { batch: b, ok: true as const };
      } catch (err) {
        failedBatches.push(b);
        return { batch: b, ok: false as const, err: err as ServiceError };
      }
    };

    // Up.
    for (let i = 0; i < 5; i++) assert.equal((await send()).ok, true, "send before the outage");

    // Down.
    await proxy.stop();
    for (let i = 0; i < 5; i++) {
      const t = await timed(send);
      const out = t.result!;
      assert.equal(out.ok, false, "a send while Postgres is down must not succeed");
      if (!out.ok) {
        assert.equal(out.err.code, status.UNAVAILABLE, `expected UNAVAILABLE, got ${status[out.err.code]}: ${out.err.details}`);
        assert.match(out.err.details, /database unavailable/);
      }
      assert.ok(t.ms < PROMPT_MS, `UNAVAILABLE took ${Math.round(t.ms)} ms (limit ${PROMPT_MS} ms)`);
    }
    // Concurrent sends during the outage fail promptly as well.
    const concurrent = await timed(() => Promise.all(Array.from({ length: 10 }, () => send())));
    assert.ok(concurrent.result!.every((o) => !o.ok && o.err.code === status.UNAVAILABLE));
    assert.ok(concurrent.ms < PROMPT_MS, `10 concurrent sends took ${Math.round(concurrent.ms)} ms to fail`);
    // Reads are unavailable too.
    await assertGrpcError(rpc.getUnreadCount({ userId: USER }), status.UNAVAILABLE);

    // Back.
    await proxy.start();
    for (let i = 0; i < 5; i++) {
      const out = await send();
      assert.ok(out.ok, `send after Postgres is back failed: ${out.ok ? "" : `${status[out.err.code]} ${out.err.details}`}`);
    }

    // Everything answered OK is stored, exactly once, gapless; no failed batch left anything behind.
    const stored = await listAll(rpc, USER);
    const storedIds = new Set(stored.map((n) => n.id));
    for (const [id, b] of okIds) assert.ok(storedIds.has(id), `notification ${id} of batch ${b} was answered OK but is missing`);
    assert.equal(stored.length, okIds.size, "nothing stored beyond what was answered OK");
    assert.deepEqual(
      stored.map((n) => Number(n.seq)),
      Array.from({ length: stored.length }, (_, i) => i + 1),
      "seq has no gaps",
    );
    assert.equal(okIds.size, 10 * PER_SEND);
    assert.equal(failedBatches.length, 5 + 10);
    for (const b of failedBatches) assert.ok(!stored.some((n) => n.subject === b), `failed batch ${b} was partly written`);
    assert.ok(proxy.accepted > 1, "Herald reconnected through the proxy");
  });

  test("sends in flight while Postgres goes down and comes back: each answered OK is stored, each batch all or nothing", async () => {
    const { rpc } = node;
    const user = "outage-flight";
    const okIds = new Map<string, string>();
    const failures: Array<{ batch: string; code: number; details: string; ms: number }> = [];
    let batch = 0;
    let okCount = 0;
    let stop = false;

    const worker = async () => {
      while (!stop) {
        const b = `f${++batch}`;
        const notifications = Array.from({ length: PER_SEND }, (_, i) =>
          outgoing({ userIds: [user], subject: b, content: { batch: b, i } }),
        );
        const t0 = performance.now();
        try {
          const res = await rpc.sendNotifications({ notifications }, { deadlineMs: 20_000 });
          for (const r of res.results) okIds.set(r.notificationId, b);
          okCount++;
        } catch (err) {
          const e = err as ServiceError;
          failures.push({ batch: b, code: e.code, details: e.details, ms: performance.now() - t0 });
        }
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    try {
      await waitFor(() => okCount >= 20, { message: "sends before the outage" });
      await proxy.stop();
      await waitFor(() => failures.length >= 20, { timeoutMs: 20_000, message: "sends failing during the outage" });
      const okAtRecovery = okCount;
      await proxy.start();
      await waitFor(() => okCount >= okAtRecovery + 20, { timeoutMs: 20_000, message: "sends succeeding after recovery" });
    } finally {
      stop = true;
      await Promise.all(workers);
    }

    for (const f of failures) {
      assert.equal(f.code, status.UNAVAILABLE, `batch ${f.batch}: expected UNAVAILABLE, got ${status[f.code]}: ${f.details}`);
      assert.ok(f.ms < PROMPT_MS, `batch ${f.batch}: UNAVAILABLE took ${Math.round(f.ms)} ms`);
    }
    const stored = await listAll(rpc, user);
    const storedIds = new Set(stored.map((n) => n.id));
    for (const [id, b] of okIds) assert.ok(storedIds.has(id), `notification ${id} of batch ${b} was answered OK but is missing`);
    assert.deepEqual(
      stored.map((n) => Number(n.seq)),
      Array.from({ length: stored.length }, (_, i) => i + 1),
      "seq has no gaps",
    );
    const perBatch = new Map<string, number>();
    for (const n of stored) perBatch.set(n.subject, (perBatch.get(n.subject) ?? 0) + 1);
    for (const [b, count] of perBatch) assert.equal(count, PER_SEND, `batch ${b} is half-written (${count} of ${PER_SEND} rows)`);
    // A batch whose COMMIT reached Postgres just before the connection died may be stored though answered
    // UNAVAILABLE (the client cannot know); every other failed batch left nothing.
    const failedButStored = failures.filter((f) => perBatch.has(f.batch));
    assert.ok(failedButStored.length <= 8, `${failedButStored.length} failed batches were stored`);
  });

  test("a hung Postgres (connections open, nothing answers): sends answer UNAVAILABLE promptly, then recover", async () => {
    const { rpc } = node;
    const user = "outage-hung";
    const first = await rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], subject: "before" })] });
    proxy.freeze();
    try {
      for (let i = 0; i < 2; i++) {
        const t = await timed(() =>
          rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], subject: "during" })] }, { deadlineMs: PROMPT_MS + 3000 }),
        );
        const err = t.error as ServiceError | undefined;
        assert.ok(err, "a send while Postgres hangs must not succeed");
        assert.equal(err.code, status.UNAVAILABLE, `expected UNAVAILABLE, got ${status[err.code]}: ${err.details}`);
        assert.ok(t.ms < PROMPT_MS, `UNAVAILABLE took ${Math.round(t.ms)} ms (limit ${PROMPT_MS} ms)`);
      }
    } finally {
      await proxy.stop();
      await proxy.start();
    }
    // Once it is back, sends succeed again (connections broken by the hang may fail a send or two first).
    const okAfter: string[] = [];
    await waitFor(
      async () => {
        try {
          const res = await rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], subject: "after" })] });
          okAfter.push(res.results[0]!.notificationId);
          return true;
        } catch (err) {
          assert.equal((err as ServiceError).code, status.UNAVAILABLE);
          return false;
        }
      },
      { timeoutMs: PROMPT_MS, message: "sends still fail after Postgres is back" },
    );
    const stored = await listAll(rpc, user);
    const storedIds = stored.map((n) => n.id);
    for (const id of [first.results[0]!.notificationId, ...okAfter]) assert.ok(storedIds.includes(id), `${id} answered OK but missing`);
    // Nothing of the sends made during the hang reached Postgres, so nothing of them may be stored.
    assert.deepEqual(
      stored.filter((n) => n.subject === "during"),
      [],
    );
  });

  test("a node started with an unreachable DATABASE_URL fails fast instead of hanging", async () => {
    const url = databaseUrl(tdb.url!, "test").replace(/:\d+\//, ":1/");
    const t = await timed(() => startTestHerald({ env: { DATABASE_URL: url } }));
    assert.ok(t.error, "starting against an unreachable database must fail");
    assert.ok(t.ms < 10_000, `startup failure took ${Math.round(t.ms)} ms`);
  });
});
