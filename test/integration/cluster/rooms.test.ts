import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { Subjects } from "../../../src/broker/subjects.js";
import { roomTopic } from "../../../src/domain/topic.js";
import { JoinPolicy } from "../../../gen/herald/v1/room.js";
import { startCluster, type TestCluster } from "../../support/cluster-setup.js";
import { withDiagnostics } from "../../support/diagnostics.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../../support/room-grpc.js";
import { type Frame, TestClient } from "../../support/ws-client.js";
import { waitFor } from "../../support/wait.js";

/**
 * Rooms across 3 Herald nodes (child processes) over a 3-server NATS cluster
 * and one Postgres database: delivery and resume with the subscriber and the
 * publisher on different nodes, subscribe-on-interest (counted in the NATS
 * servers' own subscription lists), presence that is the same on every node,
 * and a killed node's users leaving presence and typing by themselves.
 */

const roomEvents = (c: TestClient, subscriptionId: string) =>
  c.frames.filter((f) => f.roomEvent?.subscriptionId === subscriptionId).map((f) => f.roomEvent.event);

async function join(c: TestClient, roomId: string, more: Record<string, unknown> = {}): Promise<Frame["join"]> {
  const r = await c.request({ join: { roomId, ...more } });
  assert.ok(r.join, `join answered ${JSON.stringify(r)}`);
  return r.join;
}

describe("rooms on a 3-node cluster", () => {
  let cl: TestCluster;
  const rpcs: Array<{ client: { close(): void }; rooms: RoomRpc }> = [];
  const open: TestClient[] = [];
  const rooms = (i: number) => rpcs[i]!.rooms;
  const connect = async (i: number, user: string) => {
    const c = await TestClient.connect(cl.nodes[i]!.wsUrl, user);
    open.push(c);
    return c;
  };

  /** The subjects the node's NATS connection (named `herald-<node id>`) subscribes to, over every server. */
  async function natsSubjects(nodeId: string): Promise<string[]> {
    const all: string[] = [];
    for (const s of cl.nats.servers) {
      const res = await fetch(`http://127.0.0.1:${s.monitorPort}/connz?subs=1`);
      const body = (await res.json()) as { connections: Array<{ name?: string; subscriptions_list?: string[] }> };
      for (const c of body.connections) if (c.name === `herald-${nodeId}`) all.push(...(c.subscriptions_list ?? []));
    }
    return all;
  }

  beforeAll(async () => {
    cl = await startCluster();
    for (const n of cl.nodes) rpcs.push(connectRoomClient(n.grpcPort));
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.close()));
    for (const r of rpcs) r.client.close();
    await cl?.cleanup();
  });

  test("a subscriber on node A gets every event published through nodes B and C, in seq order, and resumes on node C", async () => {
    await withDiagnostics([cl], async () => {
      await rooms(0).createRoom({ roomId: "c:orders", options: roomOptions({ membersCanPublish: true, membersCanEdit: true }) });
      await rooms(1).addRoomMembers({ roomId: "c:orders", userIds: ["ann", "bob"] });
      const ann = await connect(0, "ann");
      const bob = await connect(2, "bob");
      const sub = await join(ann, "c:orders");
      const published = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? rooms(1)
                .publishRoomMessages({ messages: [roomMessage({ roomId: "c:orders", content: { i } })] })
                .then((r) => r.results[0]!.messageId)
            : bob.request({ publish: { roomId: "c:orders", content: { i } } }).then((r) => {
                assert.ok(r.publish, JSON.stringify(r));
                return r.publish.messageId as string;
              }),
        ),
      );
      const first = published[1]!;
      const upd = await bob.request({ updateMessage: { roomId: "c:orders", messageId: first, content: { edited: true } } });
      assert.ok(upd.updateMessage, JSON.stringify(upd));
      await rooms(2).deleteRoomMessage({ roomId: "c:orders", messageId: published[0]! });
      await waitFor(() => roomEvents(ann, sub.subscriptionId).length === 12, { message: "12 events on node A" });
      const events = roomEvents(ann, sub.subscriptionId);
      assert.deepEqual(
        events.map((e) => Number(e.seq)),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      assert.equal(events[10].kind, "ROOM_EVENT_KIND_MESSAGE_UPDATE");
      assert.deepEqual(events[10].message.content, { edited: true });
      assert.equal(events[11].kind, "ROOM_EVENT_KIND_MESSAGE_DELETE");
      assert.equal(events[11].message.deleted, true);

      // Resume on another node from the middle: the rest, once, in order, with the update and delete in place.
      const again = await connect(2, "ann");
      const resumed = await join(again, "c:orders", { sinceSeq: 5 });
      assert.equal(resumed.recovered, true);
      await waitFor(() => roomEvents(again, resumed.subscriptionId).length === 7, { message: "7 resumed events" });
      assert.deepEqual(
        roomEvents(again, resumed.subscriptionId).map((e) => [Number(e.seq), e.kind]),
        events.slice(5).map((e) => [Number(e.seq), e.kind]),
      );
    });
  });

  test("a filtered subscriber on node A learns of updates and deletes made through node B with the right scope, live and resumed on node C", async () => {
    await withDiagnostics([cl], async () => {
      await rooms(0).createRoom({ roomId: "c:filtered", options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_OPEN }) });
      const filter = { equals: { status: "open" } };
      const ada = await connect(0, "ada");
      const live = await join(ada, "c:filtered", { filter });
      const publish = async (content: Record<string, unknown>) =>
        (await rooms(1).publishRoomMessages({ messages: [roomMessage({ roomId: "c:filtered", content })] })).results[0]!.messageId;
      const m1 = await publish({ i: 1, status: "open" });
      const m2 = await publish({ i: 2, status: "closed" });
      await rooms(1).updateRoomMessage({ roomId: "c:filtered", messageId: m1, content: { i: 1, status: "closed" }, tags: {} });
      await rooms(2).updateRoomMessage({ roomId: "c:filtered", messageId: m2, content: { i: 2, status: "open" }, tags: {} });
      await rooms(1).deleteRoomMessage({ roomId: "c:filtered", messageId: m2 });
      const scopes = (c: TestClient, id: string) =>
        c.frames
          .filter((f) => f.roomEvent?.subscriptionId === id)
          .map((f) => `${f.roomEvent.event.seq} ${f.roomEvent.event.kind.replace("ROOM_EVENT_KIND_", "")} ${f.roomEvent.scope}`);
      const expected = ["1 MESSAGE SCOPE_IN", "3 MESSAGE_UPDATE SCOPE_OUT", "4 MESSAGE_UPDATE SCOPE_IN", "5 MESSAGE_DELETE SCOPE_OUT"];
      await waitFor(() => scopes(ada, live.subscriptionId).length === expected.length, { message: "4 filtered events live" });
      const resumed = await connect(2, "ada");
      const again = await join(resumed, "c:filtered", { filter, resume: true });
      assert.equal(again.subscriptionId, live.subscriptionId, "the same room and filter: the same id on another node");
      await waitFor(() => scopes(resumed, again.subscriptionId).length === expected.length, { message: "4 filtered events resumed" });
      await ada.request({ ping: {} });
      assert.deepEqual(scopes(ada, live.subscriptionId), expected);
      assert.deepEqual(scopes(resumed, again.subscriptionId), expected);
    });
  });

  test("a node listens to a room's NATS subject only while one of its connections is subscribed", async () => {
    await withDiagnostics([cl], async () => {
      await rooms(0).createRoom({ roomId: "c:interest", options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_OPEN }) });
      const subject = Subjects.topic(roomTopic("c:interest"));
      for (const id of ["a", "b", "c"]) assert.ok(!(await natsSubjects(id)).includes(subject), `node ${id} not listening yet`);
      const cat = await connect(2, "cat");
      const sub = await join(cat, "c:interest");
      await waitFor(async () => (await natsSubjects("c")).includes(subject), { message: "node c listens after the join" });
      assert.ok(!(await natsSubjects("a")).includes(subject) && !(await natsSubjects("b")).includes(subject), "nodes a and b do not");
      await rooms(0).publishRoomMessages({ messages: [roomMessage({ roomId: "c:interest", content: { hello: 1 } })] });
      await waitFor(() => roomEvents(cat, sub.subscriptionId).length === 1, { message: "the event reached node c" });
      const left = await cat.request({ leave: { subscriptionId: sub.subscriptionId } });
      assert.ok(left.leave, JSON.stringify(left));
      await waitFor(async () => !(await natsSubjects("c")).includes(subject), { message: "node c stops listening after the leave" });
    });
  });

  test("presence is the same on every node; a killed node's users leave presence and stop typing within 5 s", async () => {
    await withDiagnostics([cl], async () => {
      await rooms(0).createRoom({
        roomId: "c:lobby",
        options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_OPEN, presence: true }),
      });
      const watcher = await connect(0, "watcher");
      const wsub = await join(watcher, "c:lobby", { presence: true });
      const dan1 = await connect(0, "dan");
      const dan2 = await connect(2, "dan");
      const eve = await connect(1, "eve");
      await join(dan1, "c:lobby");
      await join(dan2, "c:lobby");
      await join(eve, "c:lobby");
      for (const i of [0, 1, 2]) {
        const p = await waitFor(
          async () => {
            const r = await rooms(i).getRoomPresence({ roomId: "c:lobby" });
            return r.presence?.userCount === 3 ? r.presence : undefined;
          },
          { message: `node ${i} sees 3 users` },
        );
        assert.deepEqual(
          p.users.map((u) => [u.userId, u.connections]),
          [
            ["dan", 2],
            ["eve", 1],
            ["watcher", 1],
          ],
        );
      }
      const presence = () =>
        watcher.frames.filter((f) => f.presenceEvent?.subscriptionId === wsub.subscriptionId).map((f) => f.presenceEvent);
      await waitFor(() => presence().length >= 3, { message: "join events of the watcher itself, dan and eve" });
      assert.deepEqual(
        presence().map((p) => [p.userId, p.action]),
        [
          ["watcher", "PRESENCE_ACTION_JOIN"],
          ["dan", "PRESENCE_ACTION_JOIN"],
          ["eve", "PRESENCE_ACTION_JOIN"],
        ],
        "dan's two connections count once",
      );

      const typed = await eve.request({ typing: { roomId: "c:lobby", typing: true } });
      assert.ok(typed.typing, JSON.stringify(typed));
      const typing = () => watcher.frames.filter((f) => f.typingEvent?.userId === "eve").map((f) => f.typingEvent.typing === true);
      await waitFor(() => typing().length === 1, { message: "eve's typing reached node a" });
      const killedAt = Date.now();
      await cl.nodes[1]!.kill();
      await waitFor(() => presence().some((p) => p.userId === "eve" && p.action === "PRESENCE_ACTION_LEAVE"), {
        timeoutMs: 8_000,
        message: "eve left when her node died",
      });
      const leftAfter = Date.now() - killedAt;
      await waitFor(() => typing().length === 2, { timeoutMs: 8_000, message: "eve's typing stopped by itself" });
      const stoppedAfter = Date.now() - killedAt;
      assert.deepEqual(typing(), [true, false]);
      console.log(`[rooms cluster] killed node: presence leave after ${leftAfter} ms, typing stop after ${stoppedAfter} ms`);
      assert.ok(leftAfter <= 5_000, `left ${leftAfter} ms after the kill`);
      assert.ok(stoppedAfter <= 6_000, `typing stopped ${stoppedAfter} ms after the kill`);
      const leave = presence().find((p) => p.userId === "eve" && p.action === "PRESENCE_ACTION_LEAVE");
      assert.equal(leave.userCount, 2);
      for (const i of [0, 2]) assert.equal((await rooms(i).getRoomPresence({ roomId: "c:lobby" })).presence?.userCount, 2);
    });
  });

  test("notify_offline: a member with no connection on any node finds a ROOM_MESSAGE in the inbox; one connected to another node does not", async () => {
    await withDiagnostics([cl], async () => {
      await rooms(0).createRoom({ roomId: "c:offline", options: roomOptions({ notifyOffline: true }) });
      await rooms(0).addRoomMembers({ roomId: "c:offline", userIds: ["olga", "omar", "oscar"] });
      const olga = await connect(2, "olga");
      const published = await rooms(0).publishRoomMessages({
        messages: [roomMessage({ roomId: "c:offline", senderId: "oscar", content: { text: "while you were away" } })],
      });
      const messageId = published.results[0]!.messageId;
      const activity = await olga.waitFrame((f) => f.roomActivity?.messageId === messageId, "room activity on node c");
      assert.equal(activity.roomActivity.roomId, "c:offline");
      const inbox = async (user: string) =>
        (
          await cl.nodes[0]!.rpc.listNotifications({
            userId: user,
            query: { limit: 10, cursor: "", direction: 0, unreadOnly: false, systemFilter: 0 },
          })
        ).page!.notifications;
      const stored = await waitFor(async () => (await inbox("omar")).find((n) => n.code === -8), {
        message: "omar (offline) has a ROOM_MESSAGE notification",
      });
      assert.deepEqual(stored.content, {
        room_id: "c:offline",
        message_id: messageId,
        seq: 1,
        sender_id: "oscar",
        content: { text: "while you were away" },
        count: 1,
      });
      assert.deepEqual(await inbox("olga"), [], "olga was connected (to node c): nothing stored");
      assert.deepEqual(await inbox("oscar"), [], "the sender is not notified");
    });
  });

  test("a member removed through node A loses the subscription held on node C at once, and gets nothing more", async () => {
    await withDiagnostics([cl], async () => {
      await rooms(0).createRoom({ roomId: "c:removal", options: roomOptions() });
      await rooms(0).addRoomMembers({ roomId: "c:removal", userIds: ["rita", "sam"] });
      const rita = await connect(2, "rita");
      // sam is on rita's node: once he has the next message, so would she, had she still been subscribed.
      const sam = await connect(2, "sam");
      const rsub = await join(rita, "c:removal");
      const ssub = await join(sam, "c:removal");
      await rooms(0).removeRoomMembers({ roomId: "c:removal", userIds: ["rita"] });
      const ended = await rita.waitFrame((f) => f.unsubscribed?.subscriptionId === rsub.subscriptionId, "unsubscribed on node c");
      assert.equal(ended.unsubscribed.reason, "UNSUBSCRIBE_REASON_REMOVED");
      await rooms(0).publishRoomMessages({ messages: [roomMessage({ roomId: "c:removal", content: { after: true } })] });
      await waitFor(() => roomEvents(sam, ssub.subscriptionId).length === 1, { message: "sam (still a member) gets the message" });
      const r = await rita.request({ ping: {} });
      assert.ok(r.ping);
      assert.deepEqual(roomEvents(rita, rsub.subscriptionId), [], "rita gets nothing more");
      const again = await rita.request({ join: { roomId: "c:removal" } });
      assert.equal(again.error?.code, "permission_denied");
    });
  });

  test("a room that becomes members-only ends the non-members' subscriptions on every node, not the members'", async () => {
    await withDiagnostics([cl], async () => {
      await rooms(0).createRoom({ roomId: "c:closing", options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_OPEN }) });
      await rooms(0).addRoomMembers({ roomId: "c:closing", userIds: ["mia"] });
      const mia = await connect(2, "mia");
      const xan = await connect(2, "xan");
      const yul = await connect(0, "yul");
      const msub = await join(mia, "c:closing");
      const xsub = await join(xan, "c:closing");
      const ysub = await join(yul, "c:closing");
      await rooms(0).updateRoom({ roomId: "c:closing", options: roomOptions() });
      for (const [c, sub] of [
        [xan, xsub],
        [yul, ysub],
      ] as const) {
        const ended = await c.waitFrame((f) => f.unsubscribed?.subscriptionId === sub.subscriptionId, "unsubscribed");
        assert.equal(ended.unsubscribed.reason, "UNSUBSCRIBE_REASON_NOT_ALLOWED");
      }
      await rooms(0).publishRoomMessages({ messages: [roomMessage({ roomId: "c:closing", content: { members: "only" } })] });
      await waitFor(() => roomEvents(mia, msub.subscriptionId).length === 1, { message: "mia (a member) still gets the room" });
      assert.ok((await xan.request({ ping: {} })).ping);
      assert.deepEqual(roomEvents(xan, xsub.subscriptionId), [], "xan (same node as mia) gets nothing more");
      assert.ok(!mia.frames.some((f) => f.unsubscribed), "mia was not unsubscribed");
    });
  });
});
