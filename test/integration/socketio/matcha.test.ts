import assert from "node:assert/strict";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, test } from "vitest";
import { POSTGRES } from "../../support/databases.js";
import { listAll, outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { waitFor } from "../../support/wait.js";
import { devToken, TestClient } from "../../support/ws-client.js";
import { Recorder } from "./sio-client.js";

/** Seed 000 (Matcha): its snippets, nearly verbatim, against a real Herald node. */
describe("Socket.IO endpoint: seed 000 (Matcha), namespace /notifications", () => {
  let h: TestHeraldWithDatabase;
  let host: string;
  const sockets: Socket[] = [];
  const natives: TestClient[] = [];
  const track = (s: Socket) => {
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_SOCKETIO_TYPE_CODES: "2:follow" });
    host = `127.0.0.1:${h.httpPort}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(natives.map((c) => c.close()));
    await h?.stop();
  });

  test("the seed's snippet connects (long-polling first), gets `notification` with the seed's fields, and its ack records ack_time", async () => {
    const jwt = await devToken("matcha-alice");
    // The seed's snippet, unchanged but for host, port and token.
    const socket = track(
      io(`ws://${host}/api/notifications`, {
        auth: {
          token: `Bearer ${jwt}`,
        },
      }),
    );
    const log: string[] = [];
    socket.on("connect", () => {
      log.push("Connected to the notifications namespace.");
    });
    const received: any[] = [];
    socket.on("notification", (data, ack) => {
      received.push(data);
      ack("Notification received");
    });
    const r = new Recorder(socket);
    await r.connected();
    await r.wait("session");
    const sent = await h.rpc.sendNotifications({
      notifications: [
        outgoing({
          userIds: ["matcha-alice"],
          code: 1,
          subject: "User X liked your profile.",
          senderId: "another_user_id",
          content: { type: "like" },
        }),
      ],
    });
    const id = sent.results[0]!.notificationId;
    await waitFor(() => received.length === 1, { message: "the notification" });
    const n = received[0];
    assert.equal(n.type, "like");
    assert.equal(n.from, "another_user_id");
    assert.equal(n.message, "User X liked your profile.");
    assert.match(n.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(n.notification_id, id);
    assert.equal(n.seq, 1);
    assert.equal(n.code, 1);
    assert.deepEqual(n.content, { type: "like" });
    assert.deepEqual(log, ["Connected to the notifications namespace."]);
    const acked = await waitFor(async () => (await listAll(h.rpc, "matcha-alice")).find((x) => x.id === id && x.ackTime), {
      message: "ack_time set through the acknowledgement callback",
    });
    assert.ok(acked.ackTime);
    // Long-polling is Socket.IO's first transport; the client then upgraded to WebSocket.
    await waitFor(() => socket.io.engine.transport.name === "websocket", { message: "upgrade to WebSocket" });
  });

  test("namespace /notifications, token as a query parameter, WebSocket only: `ack notification` acks; `type` from the code", async () => {
    const jwt = await devToken("matcha-bob");
    const socket = track(io(`http://${host}/notifications`, { transports: ["websocket"], query: { token: jwt }, forceNew: true }));
    const r = new Recorder(socket);
    await r.wait("session");
    const sent = await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["matcha-bob"], code: 2, subject: "bob follows" })] });
    const id = sent.results[0]!.notificationId;
    const [n] = await r.wait("notification");
    assert.equal(n.type, "follow", "HERALD_SOCKETIO_TYPE_CODES maps code 2");
    assert.equal(n.from, null, "a notification from the backend has no sender");
    // The seed's client event.
    socket.emit("ack notification", {
      notification_id: id,
    });
    await waitFor(async () => (await listAll(h.rpc, "matcha-bob")).find((x) => x.id === id && x.ackTime), {
      message: "ack_time set through `ack notification`",
    });
    // With a callback, the client gets the native reply's value.
    assert.deepEqual(await r.request("ack notification", { notification_id: id }), {});
    // The ack callback of a packet written straight to the WebSocket (no Engine.IO queue) acks too.
    socket.on("notification", (_data, ack) => ack("ok"));
    const second = await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["matcha-bob"], code: 2 })] });
    const secondId = second.results[0]!.notificationId;
    await waitFor(async () => (await listAll(h.rpc, "matcha-bob")).find((x) => x.id === secondId && x.ackTime), {
      message: "ack_time set through the acknowledgement callback",
    });
  });

  test("long-polling alone works (no upgrade): notifications arrive and are acked", async () => {
    const user = "matcha-poll";
    const socket = track(
      io(`http://${host}/notifications`, { transports: ["polling"], auth: { token: await devToken(user) }, forceNew: true }),
    );
    socket.on("notification", (_data, ack) => ack());
    const r = new Recorder(socket);
    await r.wait("session");
    const sent = await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], code: 1, subject: "over polling" })] });
    const [n] = await r.wait("notification");
    assert.equal(n.message, "over polling");
    assert.equal(socket.io.engine.transport.name, "polling");
    await waitFor(async () => (await listAll(h.rpc, user)).find((x) => x.id === sent.results[0]!.notificationId && x.ackTime), {
      message: "ack_time over polling",
    });
  });

  test("an Authorization header works too (Node clients)", async () => {
    const jwt = await devToken("matcha-hdr");
    const socket = track(
      io(`http://${host}/notifications`, { transports: ["websocket"], extraHeaders: { authorization: `Bearer ${jwt}` }, forceNew: true }),
    );
    const [s] = await new Recorder(socket).wait("session");
    assert.equal(s.user_id, "matcha-hdr");
  });

  test("a bad token: `error` with the seed's text, then a disconnect the client does not retry", async () => {
    const socket = track(io(`ws://${host}/api/notifications`, { auth: { token: "Bearer not-a-jwt" }, forceNew: true }));
    const errors: unknown[] = [];
    socket.on("error", (error) => {
      errors.push(error);
    });
    const r = new Recorder(socket);
    assert.equal(await r.disconnected(), "io server disconnect");
    assert.deepEqual(errors, ["Invalid authentication token"]);
    assert.equal(r.of("herald:close")[0].code, 4501);
    assert.equal(socket.active, false, "no automatic reconnect after a server disconnect");
  });

  test("resume: auth.lastSeq replays the stored inbox after it, in order, exactly once, then live", async () => {
    const user = "matcha-carol";
    for (let i = 1; i <= 5; i++)
      await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], code: 1, subject: `n${i}` })] });
    const jwt = await devToken(user);
    const socket = track(io(`ws://${host}/api/notifications`, { auth: { token: `Bearer ${jwt}`, lastSeq: 2 }, forceNew: true }));
    const r = new Recorder(socket);
    await r.wait("notification", 3);
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], code: 1, subject: "n6" })] });
    await r.wait("notification", 4);
    await r.request("herald", { ping: {} }); // a round trip after the last push: nothing else is on its way
    assert.deepEqual(
      r.of("notification").map((n) => [n.seq, n.message]),
      [
        [3, "n3"],
        [4, "n4"],
        [5, "n5"],
        [6, "n6"],
      ],
    );
  });

  test("resume without lastSeq: after the last acknowledged notification, exactly once; never acknowledged: live only", async () => {
    const user = "matcha-fay";
    const send = (subject: string) => h.rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], code: 1, subject })] });
    const first = track(io(`ws://${host}/api/notifications`, { auth: { token: `Bearer ${await devToken(user)}` }, forceNew: true }));
    const got: any[] = [];
    // The app acknowledges the first two only (it crashed before handling the third).
    first.on("notification", (n, ack) => {
      got.push(n);
      if (n.seq <= 2) ack("Notification received");
    });
    const r1 = new Recorder(first);
    await r1.wait("session");
    assert.equal(r1.of("session")[0].last_seq, 0, "never acknowledged: starts live");
    for (const subject of ["n1", "n2", "n3"]) await send(subject);
    await waitFor(() => got.length === 3, { message: "three notifications" });
    await waitFor(async () => (await listAll(h.rpc, user)).filter((x) => x.ackTime).length === 2, { message: "two acknowledged" });
    first.disconnect();
    await send("n4");

    const again = track(io(`ws://${host}/api/notifications`, { auth: { token: `Bearer ${await devToken(user)}` }, forceNew: true }));
    const r2 = new Recorder(again);
    await r2.wait("notification", 2);
    await send("n5");
    await r2.wait("notification", 3);
    await r2.request("herald", { ping: {} }); // a round trip after the last push: nothing else is on its way
    assert.deepEqual(
      r2.of("notification").map((n) => [n.seq, n.message]),
      [
        [3, "n3"],
        [4, "n4"],
        [5, "n5"],
      ],
    );
  });

  test("a Socket.IO and a native client of one user both get every notification; read and delete are synced both ways", async () => {
    const user = "matcha-dora";
    const native = await TestClient.connect(`ws://${host}/ws`, user);
    natives.push(native);
    const socket = track(io(`ws://${host}/api/notifications`, { auth: { token: `Bearer ${await devToken(user)}` }, forceNew: true }));
    const r = new Recorder(socket);
    await r.wait("session");
    const sent = await h.rpc.sendNotifications({
      notifications: [outgoing({ userIds: [user], code: 1, subject: "a" }), outgoing({ userIds: [user], code: 1, subject: "b" })],
    });
    const [a, b] = sent.results.map((x) => x.notificationId);
    await native.waitNotifications(2);
    await r.wait("notification", 2);
    const metrics = await (await fetch(`http://${host}/metrics`)).text();
    assert.match(metrics, /herald_socketio_connections\{[^}]*\} [1-9]/, "Socket.IO sessions are counted");
    assert.match(metrics, /herald_ws_connections\{[^}]*\} [1-9]/, "native ones apart");
    // Read on the native client: the Socket.IO client gets `notifications read`.
    await native.request({ markRead: { ids: [a] } });
    const [read] = await r.wait("notifications read");
    assert.deepEqual(read.notification_ids, [a]);
    assert.equal(read.unread_count, 1);
    // Delete on the Socket.IO client (a native operation through the `herald` event): the native client is told.
    const reply = await r.request("herald", { delete: { ids: [b] } });
    assert.deepEqual(reply.deletedIds, [b]);
    await waitFor(() => native.frames.find((f) => f.systemEvent?.code === "SYSTEM_CODE_DELETED_ELSEWHERE"), {
      message: "DELETED_ELSEWHERE on the native client",
    });
  });

  test("token expiry while connected: `error`, then a disconnect the client recovers from, resuming with a new token", async () => {
    const user = "matcha-erin";
    const socket = track(io(`ws://${host}/api/notifications`, { auth: { token: `Bearer ${await devToken(user, 2)}` }, forceNew: true }));
    let lastSeq = 0;
    socket.on("notification", (n) => (lastSeq = Math.max(lastSeq, n.seq)));
    const fresh = await devToken(user);
    socket.on("disconnect", () => {
      socket.auth = { token: `Bearer ${fresh}`, lastSeq };
    });
    const r = new Recorder(socket);
    await r.wait("session");
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], code: 1, subject: "before" })] });
    await r.wait("notification");
    assert.equal((await r.wait("error"))[0], "Token expired");
    assert.equal((await r.wait("herald:close"))[0].code, 3004);
    await h.rpc.sendNotifications({ notifications: [outgoing({ userIds: [user], code: 1, subject: "around the reconnect" })] });
    await r.wait("session", 2, 20_000);
    await r.wait("notification", 2);
    await r.request("herald", { ping: {} });
    assert.deepEqual(
      r.of("notification").map((n) => n.seq),
      [1, 2],
    );
  });
});
