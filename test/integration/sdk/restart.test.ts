import assert from "node:assert/strict";
import { afterAll, afterEach, beforeAll, describe, test } from "vitest";
import { JoinPolicy } from "../../../gen/herald/v1/room.js";
import { type RoomEvent, RoomEventKind } from "../../../clients/typescript/src/index.js";
import { startCluster, type TestCluster } from "../../support/cluster-setup.js";
import { withDiagnostics } from "../../support/diagnostics.js";
import { outgoing } from "../../support/grpc.js";
import type { HeraldNode } from "../../support/herald-node.js";
import { NatsCluster } from "../../support/nats-cluster.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../../support/room-grpc.js";
import { MemoryStorage, range, SdkClient } from "../../support/sdk-client.js";
import { waitFor } from "../../support/wait.js";

/**
 * The SDK across a node restart: two Herald processes on one Postgres and one
 * NATS server; the clients use node A only, a backend sends through node B
 * the whole time, also while A is down, and A comes back on the same port.
 */
describe("SDK resume across a node restart (2 nodes, NATS, Postgres)", () => {
  let cl: TestCluster;
  let a: HeraldNode;
  let b: HeraldNode;
  let rooms: RoomRpc;
  let closeRooms: () => void;
  const clients: SdkClient[] = [];
  const client = (user: string, o: ConstructorParameters<typeof SdkClient>[2] = {}) => {
    const c = new SdkClient(a.wsUrl, user, o);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const nats = await NatsCluster.start({ size: 1 });
    cl = await startCluster({ nodeIds: ["a", "b"], nats });
    [a, b] = cl.nodes as [HeraldNode, HeraldNode];
    const rc = connectRoomClient(b.grpcPort);
    rooms = rc.rooms;
    closeRooms = () => rc.client.close();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    closeRooms?.();
    await cl?.cleanup();
    await cl?.nats.cleanup();
  });

  /** Sends `batches` x 5 notifications to `user` through node B, one batch after the other; `sent` counts them. */
  function sender(user: string, batches: number) {
    const progress = { sent: 0, done: undefined as unknown as Promise<void> };
    progress.done = (async () => {
      for (let i = 0; i < batches; i++) {
        await b.rpc.sendNotifications({
          notifications: Array.from({ length: 5 }, (_, k) => outgoing({ userIds: [user], code: 1, subject: `${i}.${k}` })),
        });
        progress.sent += 5;
      }
    })();
    return progress;
  }

  test("node A is killed mid-stream and restarted while a backend keeps sending: the client resumes with every seq once, in order", async () => {
    await withDiagnostics([cl], async () => {
      const c = await client("kim").connect();
      const s = sender("kim", 60);
      await c.waitNotifications(50);
      await a.kill();
      const atKill = s.sent;
      await c.waitState("connecting");
      await waitFor(() => s.sent >= atKill + 50, { timeoutMs: 30_000, message: "50 more sent while A is down" });
      await a.spawn();
      await s.done;
      await c.waitState("connected", 20_000);
      await c.waitNotifications(300, 30_000);
      await c.herald.getUnreadCount();
      assert.deepEqual(c.seqs(), range(1, 300), "each of the 300 once, in seq order");
      assert.equal(c.herald.unreadCount, 300);
      assert.ok(c.sockets >= 2, "it reconnected");
      assert.deepEqual(c.errors, []);
      assert.ok(c.states.every((st, i) => i === 0 || st !== c.states[i - 1]));
    });
  });

  test("two clients sharing one storage (two tabs) each get every notification once across a restart; a third tab does not replay them", async () => {
    await withDiagnostics([cl], async () => {
      const storage = new MemoryStorage();
      const tab1 = await client("lou", { storage }).connect();
      const tab2 = await client("lou", { storage }).connect();
      await sender("lou", 4).done;
      await tab1.waitNotifications(20);
      await tab2.waitNotifications(20);
      await a.sigterm(); // a graceful stop: close 3000
      await tab1.waitState("connecting");
      await tab2.waitState("connecting");
      assert.deepEqual(tab1.closeCodes, [3000], "the shutdown close");
      await sender("lou", 2).done; // stored while A is down
      await a.spawn();
      await tab1.waitNotifications(30, 20_000);
      await tab2.waitNotifications(30, 20_000);
      await tab1.herald.getUnreadCount();
      await tab2.herald.getUnreadCount();
      assert.deepEqual(tab1.seqs(), range(1, 30));
      assert.deepEqual(tab2.seqs(), range(1, 30));
      assert.equal(storage.getItem("herald:lou:inbox"), "30");

      const tab3 = await client("lou", { storage }).connect();
      await sender("lou", 1).done;
      for (const t of [tab1, tab2, tab3]) await t.waitNotifications(t === tab3 ? 5 : 35);
      await tab3.herald.getUnreadCount();
      assert.deepEqual(tab3.seqs(), range(31, 35), "the new tab resumed from the shared storage: nothing replayed");
      assert.deepEqual(tab1.seqs(), range(1, 35));
    });
  });

  test("a room resumes after the restart: messages, an edit and a delete made while A was down arrive once, in seq order", async () => {
    await withDiagnostics([cl], async () => {
      await rooms.createRoom({
        roomId: "ops:1",
        options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_OPEN, membersCanPublish: true, membersCanEdit: true }),
      });
      const c = await client("max").connect();
      const sub = await c.herald.join("ops:1");
      const events: RoomEvent[] = [];
      for (const kind of ["message", "update", "delete"] as const) sub.on(kind, (e) => events.push(e));
      const first = await sub.publish({ text: "before" });
      await waitFor(() => events.length === 1, { message: "own message" });

      await a.kill();
      await c.waitState("connecting");
      const pub = await rooms.publishRoomMessages({
        messages: [1, 2, 3].map((i) => roomMessage({ roomId: "ops:1", content: { text: `down ${i}` } })),
      });
      await rooms.updateRoomMessage({
        roomId: "ops:1",
        messageId: pub.results[0]!.messageId,
        content: { text: "down 1, edited" },
        tags: {},
      });
      await rooms.deleteRoomMessage({ roomId: "ops:1", messageId: first.messageId });
      await a.spawn();
      await c.waitState("connected", 20_000);
      await waitFor(() => events.length === 6, { timeoutMs: 15_000, message: `6 room events (have ${events.length})` });
      await sub.publish({ text: "after" });
      await waitFor(() => events.length === 7, { message: "the live one after the resume" });
      await sub.presence().catch(() => undefined); // a round trip
      assert.deepEqual(
        events.map((e) => Number(e.seq)),
        range(1, 7),
      );
      const { ROOM_EVENT_KIND_MESSAGE: M, ROOM_EVENT_KIND_MESSAGE_UPDATE: U, ROOM_EVENT_KIND_MESSAGE_DELETE: D } = RoomEventKind;
      assert.deepEqual(
        events.map((e) => e.kind),
        [M, M, M, M, U, D, M],
      );
      assert.deepEqual(events[4]!.message?.content, { text: "down 1, edited" });
      assert.equal(events[5]!.message?.messageId, first.messageId);
      assert.equal(events[5]!.message?.deleted, true);
      assert.deepEqual(
        events.slice(1, 4).map((e) => e.message?.messageId),
        pub.results.map((r) => r.messageId),
      );
      assert.equal(sub.lastSeq, "7");
    });
  });
});
