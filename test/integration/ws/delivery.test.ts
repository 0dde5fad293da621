import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { TestClient } from "../../support/ws-client.js";
import { waitFor } from "../../support/wait.js";

describe("WebSocket live delivery and inbox (real ws clients, real Postgres)", () => {
  let h: TestHeraldWithDatabase;
  let base: string;
  const clients: TestClient[] = [];
  const connect = async (user: string, opts: { lastSeq?: number } = {}) => {
    const c = await TestClient.connect(base, user, opts);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_HTTP_PORT: "0" });
    base = h.wsUrl;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await h?.stop();
  });

  test("a notification sent over gRPC reaches all three connections of its user and none of another user's", async () => {
    const a = await Promise.all([connect("alice"), connect("alice"), connect("alice")]);
    const bob = await connect("bob");
    const res = await h.rpc.sendNotifications({
      notifications: [outgoing({ userIds: ["alice"], code: 7, subject: "hello", content: { k: 1 }, persistent: true })],
    });
    const id = res.results[0]!.notificationId;
    for (const c of a) {
      const [n] = await c.waitNotifications(1);
      assert.equal(n!.id, id);
      assert.equal(n!.seq, "1");
      assert.equal(n!.subject, "hello");
      assert.deepEqual(n!.content, { k: 1 });
    }
    // An ephemeral one to both users proves bob's connection works and got only his own.
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["bob"], code: 8, persistent: false })] });
    const [bn] = await bob.waitNotifications(1);
    assert.equal(bn!.userId, "bob");
    assert.equal(bn!.code, 8);
    assert.equal(bn!.seq ?? "0", "0", "ephemeral notifications carry no seq");
    assert.equal(bob.notifications().length, 1);
    for (const c of a) assert.equal(c.notifications().length, 1);
  });

  test("list, mark read, delete and ack work on one's own ids and change 0 rows for another user's", async () => {
    const carol = await connect("carol");
    const dave = await connect("dave");
    const sent = await h.rpc.sendNotifications({
      notifications: [
        outgoing({ userIds: ["carol"], code: 1 }),
        outgoing({ userIds: ["carol"], code: 2 }),
        outgoing({ userIds: ["dave"], code: 3 }),
      ],
    });
    const [c1, c2, d1] = sent.results.map((r) => r.notificationId);
    await carol.waitNotifications(2);

    const list = await carol.request({ list: { limit: 10, direction: "LIST_DIRECTION_BACKWARD" } });
    assert.deepEqual(
      list.list.notifications.map((n: any) => n.id),
      [c2, c1],
    );

    const foreign = await dave.request({ markRead: { ids: [c1, c2] } });
    assert.equal(foreign.markRead.updatedCount ?? 0, 0);
    const foreignDel = await dave.request({ delete: { ids: [c1] } });
    assert.equal(foreignDel.delete.deletedCount ?? 0, 0);
    const foreignAck = await dave.request({ ack: { notificationIds: [c1] } });
    assert.equal(foreignAck.ack.acknowledgedCount ?? 0, 0);
    assert.equal((await carol.request({ unreadCount: {} })).unreadCount.unreadCount, 2, "carol's data untouched");

    const ack = await carol.request({ ack: { notificationIds: [c1] } });
    assert.equal(ack.ack.acknowledgedCount, 1);
    const read = await carol.request({ markRead: { ids: [c1] } });
    assert.equal(read.markRead.updatedCount, 1);
    assert.equal(read.markRead.unreadCount, 1);
    const del = await carol.request({ delete: { ids: [c2] } });
    assert.deepEqual(del.delete.deletedIds, [c2]);
    assert.equal(del.delete.unreadCount ?? 0, 0);
    const after = await carol.request({ list: {} });
    assert.deepEqual(
      after.list.notifications.map((n: any) => n.id),
      [c1],
    );
    assert.ok(after.list.notifications[0].readTime);
    assert.ok(after.list.notifications[0].ackTime);
    const own = await dave.request({ unreadCount: {} });
    assert.equal(own.unreadCount.unreadCount, 1, d1);
  });

  test("marking read or deleting on one connection tells the user's other connections, not the one that asked", async () => {
    const phone = await connect("erin");
    const laptop = await connect("erin");
    const sent = await h.rpc.sendNotifications({
      notifications: [outgoing({ userIds: ["erin"], code: 1 }), outgoing({ userIds: ["erin"], code: 1 })],
    });
    const [e1, e2] = sent.results.map((r) => r.notificationId);
    await laptop.waitNotifications(2);
    await phone.request({ markRead: { ids: [e1] } });
    const ev = await laptop.waitFrame((f) => f.systemEvent?.code === "SYSTEM_CODE_READ_ELSEWHERE", "read elsewhere");
    assert.deepEqual(ev.systemEvent.notificationIds, [e1]);
    assert.equal(ev.systemEvent.unreadCount, 1);
    await phone.request({ delete: { ids: [e2] } });
    const del = await laptop.waitFrame((f) => f.systemEvent?.code === "SYSTEM_CODE_DELETED_ELSEWHERE", "deleted elsewhere");
    assert.deepEqual(del.systemEvent.notificationIds, [e2]);
    assert.equal(del.systemEvent.unreadCount ?? 0, 0);
    // The asking connection got replies, not the events; a ping round-trip orders that check.
    await phone.request({ ping: {} });
    assert.equal(phone.systemEvents().length, 0);
    // Marking read over gRPC tells every connection.
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["erin"], code: 1 })] });
    await phone.waitNotifications(3);
    await h.rpc.markNotificationsRead({ userId: "erin", ids: [], upToSeq: "3" });
    for (const c of [phone, laptop]) {
      const r = await c.waitFrame(
        (f) => f.systemEvent?.code === "SYSTEM_CODE_READ_ELSEWHERE" && f.systemEvent.upToSeq === "3",
        "read by seq",
      );
      assert.equal(r.systemEvent.unreadCount ?? 0, 0);
    }
  });

  test("/healthz, /readyz and /metrics answer on the same HTTP server", async () => {
    const m = await fetch(`http://127.0.0.1:${h.herald.httpPort}/metrics`);
    assert.equal(m.status, 200);
    const text = await m.text();
    assert.match(text, /herald_notifications_pushed_total\{[^}]*\} [1-9]/, "pushes so far are counted");
    assert.match(text, /herald_grpc_requests_total\{[^}]*method="SendNotifications"[^}]*code="ok"[^}]*\} [1-9]/);
    assert.match(text, /herald_ws_connections\{[^}]*\} [1-9]/);
    const hz = await fetch(`http://127.0.0.1:${h.herald.httpPort}/healthz`);
    assert.equal(hz.status, 200);
    const rz = await fetch(`http://127.0.0.1:${h.herald.httpPort}/readyz`);
    assert.equal(rz.status, 200);
    assert.deepEqual(await rz.json(), { status: "ready" });
  });

  test("replies carry their request id and may come out of order", async () => {
    const c = await connect("frank");
    const ids = [11, 12, 13, 14];
    const replies = await Promise.all([
      c.request({ list: { limit: 100 } }, 11),
      c.request({ ping: {} }, 12),
      c.request({ unreadCount: {} }, 13),
      c.request({ list: { limit: 1, direction: "LIST_DIRECTION_BACKWARD" } }, 14),
    ]);
    assert.deepEqual(
      replies.map((r) => r.id),
      ids,
    );
    assert.ok(replies[1]!.ping.serverTime);
    await waitFor(() => c.frames.length >= 5);
  });
});
