import assert from "node:assert/strict";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, test } from "vitest";
import { startCluster, type TestCluster } from "../../support/cluster-setup.js";
import { outgoing } from "../../support/grpc.js";
import { connectRoomClient, roomOptions } from "../../support/room-grpc.js";
import { devToken, TestClient } from "../../support/ws-client.js";
import { Recorder } from "./sio-client.js";

/** Two nodes over NATS (child processes running dist/): no Socket.IO adapter, Herald's own fan-out. */
describe("Socket.IO endpoint across two nodes over NATS", () => {
  let cluster: TestCluster;
  const sockets: Socket[] = [];
  const natives: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ nodeIds: ["a", "b"], env: { HERALD_WS_MAX_CONNECTIONS_PER_USER: "2" } });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(natives.map((c) => c.close()));
    await cluster?.cleanup();
  });

  test("a Socket.IO client on node A gets a notification sent through node B and a room message a native client published on B", async () => {
    const [a, b] = cluster.nodes;
    const { client, rooms } = connectRoomClient(b!.grpcPort);
    try {
      await rooms.createRoom({ roomId: "x:1", options: roomOptions({ membersCanPublish: true }) });
      await rooms.addRoomMembers({ roomId: "x:1", userIds: ["ann", "ben"] });
      const socket = io(`ws://127.0.0.1:${a!.httpPort}/api/notifications`, {
        auth: { token: `Bearer ${await devToken("ann")}` },
        forceNew: true,
      });
      sockets.push(socket);
      const r = new Recorder(socket);
      await r.wait("session");
      const joined = await r.request("room.join", { channelId: "x:1" });
      assert.equal(joined.roomId, "x:1", cluster.diagnostics());
      const sent = await b!.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["ann"], code: 1, subject: "via B" })] });
      const [n] = await r.wait("notification");
      assert.equal(n.notification_id, sent.results[0]!.notificationId);
      assert.equal(n.message, "via B");
      const native = await TestClient.connect(b!.wsUrl, "ben");
      natives.push(native);
      await native.request({ publish: { roomId: "x:1", content: { text: "from B" } } });
      const [m] = await r.wait("message");
      assert.equal(m.text, "from B");
      assert.equal(m.userId, "ben");
    } finally {
      client.close();
    }
  });

  test("the per-user cap counts a Socket.IO connection on A and a native one on B; a ban through B closes the Socket.IO one on A", async () => {
    const [a, b] = cluster.nodes;
    const open = async () => {
      const socket = io(`ws://127.0.0.1:${a!.httpPort}/notifications`, {
        transports: ["websocket"],
        auth: { token: `Bearer ${await devToken("cat")}` },
        forceNew: true,
        reconnection: false,
      });
      sockets.push(socket);
      return new Recorder(socket);
    };
    const first = await open();
    await first.wait("session");
    const native = await TestClient.connect(b!.wsUrl, "cat");
    natives.push(native);
    const third = await open();
    assert.equal(await third.disconnected(), "io server disconnect", cluster.diagnostics());
    assert.equal(third.of("herald:close")[0].code, 4505);
    await b!.rpc.banUser({ userId: "cat", reason: "cluster ban" });
    const [n] = await first.wait("notification");
    assert.equal(n.code, -3);
    assert.equal((await first.wait("herald:close"))[0].code, 4506);
    assert.equal(await native.closed, 4506);
  });
});
