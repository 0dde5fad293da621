import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { JoinPolicy, type RoomOptions } from "../../../gen/herald/v1/room.js";
import { POSTGRES } from "../../support/databases.js";
import { outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../../support/room-grpc.js";
import { devToken, TestClient } from "../../support/ws-client.js";

/** What a subscription received: `<kind> <message's i> <scope>` per push, in order. */
function trace(c: TestClient, subscriptionId: string): string[] {
  return c
    .pushes("roomEvent")
    .filter((p) => p.subscriptionId === subscriptionId)
    .map((p) => {
      const kind = String(p.event.kind).replace("ROOM_EVENT_KIND_", "").toLowerCase();
      return `${kind} ${p.event.message?.content?.i ?? p.event.message?.messageId} ${p.scope === "SCOPE_OUT" ? "out" : "in"}`;
    });
}

describe("filtered room subscriptions and inbox filters (real node, real Postgres, real sockets)", () => {
  let h: TestHeraldWithDatabase;
  let rooms: RoomRpc;
  let roomsClient: { close(): void };
  const clients: TestClient[] = [];
  const connect = async (user: string) => {
    const c = await TestClient.connect(h.wsUrl, user);
    clients.push(c);
    return c;
  };
  const room = async (roomId: string, o: Partial<RoomOptions> = {}) => {
    await rooms.createRoom({ roomId, options: roomOptions({ joinPolicy: JoinPolicy.JOIN_POLICY_OPEN, ...o }) });
    return roomId;
  };
  const join = async (c: TestClient, body: Record<string, unknown>): Promise<string> => {
    const r = await c.request({ join: body });
    assert.ok(r.join, `join failed: ${JSON.stringify(r)}`);
    return r.join.subscriptionId;
  };
  const publish = async (roomId: string, content: Record<string, unknown>, tags: Record<string, string> = {}) => {
    const r = await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content, tags })] });
    return r.results[0]!.messageId as string;
  };
  const update = (roomId: string, messageId: string, content: Record<string, unknown>, tags: Record<string, string> = {}) =>
    rooms.updateRoomMessage({ roomId, messageId, content, tags });
  const remove = (roomId: string, messageId: string) => rooms.deleteRoomMessage({ roomId, messageId });

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, { HERALD_HTTP_PORT: "0" });
    ({ client: roomsClient, rooms } = connectRoomClient(h.grpcPort, h.apiKey));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    roomsClient?.close();
    await h?.stop();
  });

  /**
   * The scope script of the issue, on a filter `status == "open"`:
   * 1 created open (in), 2 created closed (nothing), 1 updated still open (update, in),
   * 1 updated to closed (update, out), 2 updated to open (update, in), 3 updated closed->closed (nothing),
   * 2 deleted while open (delete, out), 3 deleted while closed (nothing), 4 created open with a tag (in).
   */
  async function scopeScript(roomId: string): Promise<string[]> {
    const m1 = await publish(roomId, { i: 1, status: "open" });
    const m2 = await publish(roomId, { i: 2, status: "closed" });
    const m3 = await publish(roomId, { i: 3, status: "closed" });
    await update(roomId, m1, { i: 1, status: "open", note: "edited" });
    await update(roomId, m1, { i: 1, status: "closed" });
    await update(roomId, m2, { i: 2, status: "open" });
    await update(roomId, m3, { i: 3, status: "closed", note: "still closed" });
    await remove(roomId, m2);
    await remove(roomId, m3);
    await publish(roomId, { i: 4, status: "open" }, { lang: "en" });
    // What a subscription filtered on status == "open" must see (a delete names the message: its content is gone).
    return [
      "message 1 in",
      "message_update 1 in",
      "message_update 1 out",
      "message_update 2 in",
      `message_delete ${m2} out`,
      "message 4 in",
    ];
  }

  test("live: a match is in, an update in or out of the filter says so, a delete of a match is out, the rest never arrives", async () => {
    const roomId = await room("f:live");
    const ann = await connect("ann");
    const open = await join(ann, { roomId, filter: { equals: { status: "open" } } });
    const all = await join(ann, { roomId });
    assert.notEqual(open, all);
    const expected = await scopeScript(roomId);
    await ann.waitRoomEvents(all, 10);
    await ann.waitRoomEvents(open, expected.length);
    await ann.request({ ping: {} });
    assert.deepEqual(trace(ann, open), expected);
    // The unfiltered subscription gets every event once; a created or updated message is in, a deleted one out.
    const everything = trace(ann, all);
    assert.equal(everything.length, 10);
    assert.deepEqual(
      everything.map((t) => t.split(" ")[2]),
      ["in", "in", "in", "in", "in", "in", "in", "out", "out", "in"],
    );
    const seqs = ann.roomEvents(open).map((e) => Number(e.seq));
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      "in seq order",
    );
  });

  test("resume: the same scopes are decided from the store (previous content kept with each update and delete)", async () => {
    const roomId = await room("f:resume");
    const expected = await scopeScript(roomId);
    const bea = await connect("bea");
    const sub = await join(bea, { roomId, resume: true, filter: { equals: { status: "open" } } });
    await bea.waitRoomEvents(sub, expected.length);
    await bea.request({ ping: {} });
    assert.deepEqual(trace(bea, sub), expected);
  });

  test("two filtered subscriptions on one room: an event matching both arrives once on each, with its id; scope options select in or out", async () => {
    const roomId = await room("f:two");
    const cid = await connect("cid");
    const red = await join(cid, { roomId, filter: { in: { color: ["red", "orange"] } } });
    const big = await join(cid, { roomId, filter: { range: { size: { gte: 10 } } } });
    const outOnly = await join(cid, { roomId, filter: { equals: { color: "red" } }, scope: "SCOPE_OUT" });
    const tagged = await join(cid, {
      roomId,
      filter: { and: [{ equals: { "_tags.lang": "fr" } }, { regexp: { text: { value: "^bon", flags: "i" } } }] },
    });
    const m = await publish(roomId, { i: 1, color: "red", size: 12 });
    await publish(roomId, { i: 2, color: "blue", size: 20 });
    await publish(roomId, { i: 3, color: "orange", size: 1 });
    await publish(roomId, { i: 4, text: "Bonjour" }, { lang: "fr" });
    await publish(roomId, { i: 5, text: "Bonjour" }, { lang: "en" });
    await update(roomId, m, { i: 1, color: "green", size: 12 });
    await cid.waitRoomEvents(red, 3);
    await cid.waitRoomEvents(big, 3);
    await cid.waitRoomEvents(outOnly, 1);
    await cid.waitRoomEvents(tagged, 1);
    await cid.request({ ping: {} });
    assert.deepEqual(trace(cid, red), ["message 1 in", "message 3 in", "message_update 1 out"]);
    assert.deepEqual(trace(cid, big), ["message 1 in", "message 2 in", "message_update 1 in"]);
    assert.deepEqual(trace(cid, outOnly), ["message_update 1 out"]);
    assert.deepEqual(trace(cid, tagged), ["message 4 in"]);
  });

  test("a bad filter is invalid_argument naming its part; a second identical join is already_exists", async () => {
    const roomId = await room("f:bad");
    const dan = await connect("dan");
    const cases: [unknown, string][] = [
      [{ nope: { a: 1 } }, "join.filter.nope"],
      [{ and: [{ equals: { a: 1 } }, { range: { n: { gt: "x" } } }] }, "join.filter.and[1].range.n.gt"],
      [{ regexp: { name: "(a)\\1" } }, "join.filter.regexp.name"],
      [{ or: Array.from({ length: 51 }, (_, i) => ({ equals: { a: i } })) }, "join.filter"],
    ];
    for (const [filter, field] of cases) {
      const r = await dan.request({ join: { roomId, filter } });
      assert.equal(r.error?.code, "invalid_argument", JSON.stringify(r));
      assert.ok(String(r.error.field).startsWith(field), `${r.error.field} names ${field}`);
    }
    const filter = { equals: { a: 1 } };
    await join(dan, { roomId, filter });
    assert.equal((await dan.request({ join: { roomId, filter } })).error?.code, "already_exists");
  });

  test("presence events follow the subscription's users option: in gets joins, out gets leaves, none gets neither", async () => {
    const roomId = await room("f:users", { presence: true });
    const eve = await connect("eve");
    const ins = await join(eve, { roomId, users: "USERS_SCOPE_IN" });
    const outs = await join(eve, { roomId, users: "USERS_SCOPE_OUT" });
    const none = await join(eve, { roomId, users: "USERS_SCOPE_NONE" });
    const fay = await connect("fay");
    const fsub = await join(fay, { roomId });
    await eve.waitPush("presenceEvent", (p) => p.subscriptionId === ins && p.userId === "fay", "fay's join");
    assert.ok((await fay.request({ leave: { subscriptionId: fsub } })).leave);
    await eve.waitPush("presenceEvent", (p) => p.subscriptionId === outs && p.userId === "fay", "fay's leave");
    await eve.request({ ping: {} });
    const of = (id: string) => eve.pushes("presenceEvent").filter((p) => p.subscriptionId === id && p.userId === "fay");
    assert.deepEqual(
      of(ins).map((p) => p.action),
      ["PRESENCE_ACTION_JOIN"],
    );
    assert.deepEqual(
      of(outs).map((p) => p.action),
      ["PRESENCE_ACTION_LEAVE"],
    );
    assert.equal(of(none).length, 0);
    const plain = await room("f:nopresence");
    assert.equal((await eve.request({ join: { roomId: plain, users: "USERS_SCOPE_ALL" } })).error?.field, "join.users");
  });

  test("inbox: a filter in the authenticate frame pushes only matching notifications; a bad one is refused naming it", async () => {
    const token = await devToken("gus");
    const c = new TestClient(h.wsUrl);
    clients.push(c);
    await c.opened;
    const auth = await c.request({ authenticate: { token, inboxFilter: { in: { _code: [5, 6] } } } });
    assert.ok(auth.authenticate, JSON.stringify(auth));
    const all = await connect("gus");
    await h.rpc.sendNotifications({
      notifications: [4, 5, 6, 7, 5].map((code) => outgoing({ userIds: ["gus"], code, content: { code } })),
    });
    await all.waitNotifications(5);
    await c.waitNotifications(3);
    await c.request({ ping: {} });
    assert.deepEqual(
      c.notifications().map((n) => n.code),
      [5, 6, 5],
    );

    const bad = new TestClient(h.wsUrl);
    clients.push(bad);
    await bad.opened;
    const refused = await bad.request({ authenticate: { token, inboxFilter: { range: { _code: {} } } } });
    assert.equal(refused.error?.code, "invalid_argument");
    assert.ok(String(refused.error.field).startsWith("authenticate.inbox_filter.range"), refused.error.field);
    assert.equal(await bad.closed, 4500);
  });
});
