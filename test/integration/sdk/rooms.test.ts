import assert from "node:assert/strict";
import { afterAll, afterEach, beforeAll, describe, test } from "vitest";
import { JoinPolicy } from "../../../gen/herald/v1/room.js";
import { type RoomEvent, RoomEventKind } from "../../../clients/typescript/src/index.js";
import { POSTGRES } from "../../support/databases.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../../support/room-grpc.js";
import { MemoryStorage, SdkClient } from "../../support/sdk-client.js";
import { waitFor } from "../../support/wait.js";

/** SDK rooms against a real node: join, publish, edit, delete, typing, presence, reset and removal. */
describe("SDK rooms (real node, real Postgres, ws)", () => {
  let h: TestHeraldWithDatabase;
  let rooms: RoomRpc;
  let closeRooms: () => void;
  const clients: SdkClient[] = [];
  const client = async (user: string, o: ConstructorParameters<typeof SdkClient>[2] = {}) => {
    const c = new SdkClient(h.wsUrl, user, o);
    clients.push(c);
    return c.connect();
  };

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_PURGE_INTERVAL_MS: "1000" });
    const rc = connectRoomClient(h.grpcPort, h.apiKey);
    rooms = rc.rooms;
    closeRooms = () => rc.client.close();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    closeRooms?.();
    await h?.stop();
  });

  test("two users in a room: messages, edits, deletes, typing (with the automatic stop), presence and leave", async () => {
    await rooms.createRoom({
      roomId: "team:1",
      options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_OPEN, membersCanPublish: true, membersCanEdit: true, presence: true }),
    });
    const alice = await client("alice");
    const bob = await client("bob");
    const ra = await alice.herald.join("team:1", { presence: true });
    const seen: Array<{ kind: string; e: RoomEvent }> = [];
    for (const kind of ["message", "update", "delete"] as const) ra.on(kind, (e) => seen.push({ kind, e }));
    const typing: Array<{ userId: string; typing: boolean }> = [];
    ra.on("typing", (e) => typing.push(e));
    const presence: Array<{ userCount: number; joined?: string[]; left?: string[] }> = [];
    ra.on("presence", (e) => presence.push(e));

    const rb = await bob.herald.join("team:1", { presence: true });
    await waitFor(() => presence.some((p) => p.joined?.includes("bob")), { message: "bob's join seen by alice" });
    assert.deepEqual(presence.at(-1), { userCount: 2, joined: ["bob"] });
    const who = await ra.presence();
    assert.equal(who.userCount, 2);
    assert.deepEqual([...who.users].sort(), ["alice", "bob"]);

    const sent = await rb.publish({ text: "hi" }, { tags: { lang: "en" } });
    assert.equal(sent.seq, "1");
    await waitFor(() => seen.length === 1, { message: "alice got bob's message" });
    assert.equal(seen[0]!.kind, "message");
    assert.equal(seen[0]!.e.message?.senderId, "bob");
    assert.deepEqual(seen[0]!.e.message?.content, { text: "hi" });
    assert.deepEqual(seen[0]!.e.message?.tags, { lang: "en" });

    await rb.update(sent.messageId, { text: "hi!" });
    await rb.remove(sent.messageId);
    await waitFor(() => seen.length === 3, { message: "the edit and the delete" });
    assert.deepEqual(
      seen.map((s) => [s.kind, s.e.seq]),
      [
        ["message", "1"],
        ["update", "2"],
        ["delete", "3"],
      ],
    );
    assert.deepEqual(seen[1]!.e.message?.content, { text: "hi!" });
    assert.equal(seen[2]!.e.message?.deleted, true);
    assert.equal(seen[2]!.e.kind, RoomEventKind.ROOM_EVENT_KIND_MESSAGE_DELETE);

    const page = await ra.history();
    assert.equal(page.messages.length, 1);
    assert.equal(page.messages[0]!.deleted, true, "the tombstone is in the history");

    rb.typing();
    rb.typing(); // throttled: one start
    await waitFor(() => typing.length === 1, { message: "alice sees bob typing" });
    assert.deepEqual(typing[0], { userId: "bob", typing: true });
    // No more calls: the SDK sends the stop by itself about 3 s later.
    await waitFor(() => typing.length === 2, { timeoutMs: 6_000, message: "the automatic stop" });
    assert.deepEqual(typing[1], { userId: "bob", typing: false });

    await rb.leave();
    await waitFor(() => presence.some((p) => p.left?.includes("bob")), { message: "bob's leave seen by alice" });
    assert.deepEqual(presence.at(-1), { userCount: 1, left: ["bob"] });
    assert.equal((await rb.publish({ text: "publishing needs no subscription" })).seq, "4");
  });

  test("a stored room seq older than the room keeps: the join emits reset, then what is kept follows", async () => {
    await rooms.createRoom({ roomId: "feed:2", options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_OPEN, historyMaxCount: 2 }) });
    await rooms.publishRoomMessages({ messages: [roomMessage({ roomId: "feed:2", content: { i: 1 } })] });
    const storage = new MemoryStorage();
    const first = await client("cy", { storage });
    const s1 = await first.herald.join("feed:2");
    assert.equal(s1.lastSeq, "1", "a first join starts live, at the room's newest seq");
    first.disconnect();
    await rooms.publishRoomMessages({ messages: [2, 3, 4, 5].map((i) => roomMessage({ roomId: "feed:2", content: { i } })) });
    await waitFor(async () => (await rooms.listRoomMessages({ roomId: "feed:2", query: undefined })).page?.messages.length === 2, {
      message: "the purge kept 2 messages",
    });

    const again = await client("cy", { storage });
    const s2 = await again.herald.join("feed:2");
    const order: string[] = [];
    s2.on("reset", () => order.push("reset"));
    s2.on("message", (e) => order.push(`message ${e.seq}`));
    await waitFor(() => order.length === 3, { message: `reset and the kept messages (have ${order.join(", ")})` });
    assert.deepEqual(order, ["reset", "message 4", "message 5"]);
  });

  test("removed from a members-only room: the subscription ends with unsubscribed and its reason", async () => {
    await rooms.createRoom({ roomId: "club:3", options: roomOptions() });
    await rooms.addRoomMembers({ roomId: "club:3", userIds: ["dee"] });
    const dee = await client("dee");
    const sub = await dee.herald.join("club:3");
    const ended: string[] = [];
    sub.on("unsubscribed", (e) => ended.push(e.reason));
    await rooms.removeRoomMembers({ roomId: "club:3", userIds: ["dee"] });
    await waitFor(() => ended.length === 1, { message: "unsubscribed" });
    assert.deepEqual(ended, ["UNSUBSCRIBE_REASON_REMOVED"]);
    await assert.rejects(dee.herald.join("club:3"), (e: { code: string }) => e.code === "permission_denied");
  });

  test("a new message in a room the user belongs to but has not joined arrives as an activity event", async () => {
    await rooms.createRoom({ roomId: "club:4", options: roomOptions() });
    await rooms.addRoomMembers({ roomId: "club:4", userIds: ["eli"] });
    const eli = await client("eli");
    const activity: Array<{ roomId: string; seq: string }> = [];
    eli.herald.on("activity", (e) => activity.push({ roomId: e.roomId, seq: e.seq }));
    await rooms.publishRoomMessages({ messages: [roomMessage({ roomId: "club:4", content: { text: "news" } })] });
    await waitFor(() => activity.length === 1, { message: "the activity notice" });
    assert.deepEqual(activity, [{ roomId: "club:4", seq: "1" }]);
  });
});
