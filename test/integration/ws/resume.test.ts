import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHerald, startTestHeraldOnNewDatabase, type TestHerald, type TestHeraldWithDatabase } from "../../support/herald.js";
import { TestClient } from "../../support/ws-client.js";
import { waitFor } from "../../support/wait.js";

const seqs = (c: TestClient) => c.notifications().map((n) => Number(n.seq));

function assertExactlyOnceInOrder(got: number[], from: number, to: number): void {
  const want = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  assert.equal(got.length, want.length, `expected ${want.length} notifications, got ${got.length}`);
  assert.deepEqual(got, want);
}

describe("resume with no gap (real ws, real Postgres)", () => {
  let h: TestHeraldWithDatabase;
  let base: string;
  let small: string;
  let hSmall: TestHerald;

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_HTTP_PORT: "0" });
    base = h.wsUrl;
    // A second node on the same database with a small slow-consumer bound.
    // A read budget large enough not to pace the 12 MiB resume: this node tests the buffer bound alone.
    hSmall = await startTestHerald(h.db, {
      HERALD_HTTP_PORT: "0",
      HERALD_WS_MAX_BUFFERED_BYTES: String(1024 * 1024),
      HERALD_WS_READ_BURST_BYTES: String(64 * 1024 * 1024),
    });
    small = hSmall.wsUrl;
  });
  afterAll(async () => {
    await hSmall?.stop();
    await h?.stop();
  });

  test("a client drops, 500 are sent meanwhile (some while it reconnects), it resumes from its last seq and has every seq once, in order", async () => {
    const user = "rita";
    const first = await TestClient.connect(base, user);
    await h.rpc.sendNotifications({ notifications: Array.from({ length: 50 }, () => outgoing({ userIds: [user], code: 1 })) });
    await first.waitNotifications(50);
    const lastSeen = Math.max(...seqs(first));
    first.ws.terminate();
    await first.closed;

    let sent = 0;
    const sender = (async () => {
      // 500 notifications in 100 calls of 5, four calls at a time.
      for (let i = 0; i < 100; i += 4) {
        await Promise.all(
          Array.from({ length: Math.min(4, 100 - i) }, () =>
            h.rpc
              .sendNotifications({ notifications: Array.from({ length: 5 }, () => outgoing({ userIds: [user], code: 2 })) })
              .then(() => (sent += 5)),
          ),
        );
      }
    })();
    await waitFor(() => sent >= 200, { message: "200 sent while disconnected" });
    const second = await TestClient.connect(base, user, { lastSeq: lastSeen });
    await sender;
    assert.equal(sent, 500);
    await waitFor(() => second.notifications().length >= 500, { timeoutMs: 20_000, message: "all 500 after resume" });
    await second.request({ ping: {} });
    assertExactlyOnceInOrder(seqs(second), lastSeen + 1, lastSeen + 500);
    await second.close();
  });

  test("20 concurrent senders to one connected user: the connection sees every seq once, in order", async () => {
    const user = "sam";
    const c = await TestClient.connect(base, user);
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = 0; i < 10; i++)
          await h.rpc.sendNotifications({ notifications: Array.from({ length: 5 }, () => outgoing({ userIds: [user], code: 3 })) });
      }),
    );
    await c.waitNotifications(1000, 20_000);
    await c.request({ ping: {} });
    assertExactlyOnceInOrder(seqs(c), 1, 1000);
    await c.close();
  });

  test("resuming a backlog far larger than the slow-consumer bound delivers all of it, in order", async () => {
    const user = "uma";
    const content = { blob: "y".repeat(4096) };
    for (let b = 0; b < 6; b++)
      await h.rpc.sendNotifications({ notifications: Array.from({ length: 500 }, () => outgoing({ userIds: [user], code: 1, content })) });
    // 3,000 x 4 KiB = 12 MiB of backlog; this node cuts a consumer at 1 MiB of unsent output.
    const c = await TestClient.connect(small, user, { lastSeq: 0 });
    await c.waitNotifications(3000, 30_000);
    assertExactlyOnceInOrder(seqs(c), 1, 3000);
    assert.equal(c.closeCode, undefined);
    await c.close();
  });

  test("resume skips a deleted notification without stalling on the gap", async () => {
    const user = "tina";
    const r = await h.rpc.sendNotifications({ notifications: Array.from({ length: 4 }, () => outgoing({ userIds: [user], code: 1 })) });
    await h.rpc.deleteNotifications({ userId: user, ids: [r.results[1]!.notificationId] });
    const c = await TestClient.connect(base, user, { lastSeq: 0 });
    await c.waitNotifications(3);
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], code: 1 })] });
    await c.waitNotifications(4);
    assert.deepEqual(seqs(c), [1, 3, 4, 5]);
    await c.close();
  });
});
