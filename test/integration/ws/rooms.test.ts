import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { JoinPolicy, type RoomOptions } from "../../../gen/herald/v1/room.js";
import { TYPING_TIMEOUT_MS } from "../../../src/transport/session/typing-tracker.js";
import { POSTGRES } from "../../support/databases.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../../support/room-grpc.js";
import { waitFor } from "../../support/wait.js";
import { devToken, TestClient } from "../../support/ws-client.js";

const seqs = (events: Array<Record<string, any>>) => events.map((e) => Number(e.seq ?? 0));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("rooms over WebSocket (real node, real Postgres, real sockets)", () => {
  let h: TestHeraldWithDatabase;
  let rooms: RoomRpc;
  let roomsClient: { close(): void };
  const clients: TestClient[] = [];
  const connect = async (user: string, opts: { token?: string } = {}) => {
    const c = await TestClient.connect(h.wsUrl, user, opts);
    clients.push(c);
    return c;
  };
  /** A room with these members, created over gRPC. */
  const room = async (roomId: string, members: string[], o: Partial<RoomOptions> = {}) => {
    await rooms.createRoom({ roomId, options: roomOptions(o) });
    if (members.length > 0) await rooms.addRoomMembers({ roomId, userIds: members });
    return roomId;
  };
  const join = async (c: TestClient, body: Record<string, unknown>): Promise<string> => {
    const r = await c.request({ join: body });
    assert.ok(r.join, `join failed: ${JSON.stringify(r)}`);
    return r.join.subscriptionId;
  };

  beforeAll(async () => {
    h = await startTestHeraldOnNewDatabase(POSTGRES, {
      HERALD_HTTP_PORT: "0",
      HERALD_PURGE_INTERVAL_MS: "1000",
      // The subscription cap test sends 1,000 joins at once.
      HERALD_WS_RATE_LIMIT_PER_SEC: "100000",
      HERALD_WS_RATE_BURST: "100000",
    });
    ({ client: roomsClient, rooms } = connectRoomClient(h.grpcPort, h.apiKey));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    roomsClient?.close();
    await h?.stop();
  });

  test("join: a non-member of a members-only room is refused; a member's subscriptions each get the room's events, with their id", async () => {
    const roomId = await room("team:1", ["alice"]);
    const mallory = await connect("mallory");
    const denied = await mallory.request({ join: { roomId } });
    assert.equal(denied.error?.code, "permission_denied");
    assert.equal(denied.error.field, "join.room_id");
    assert.equal((await mallory.request({ join: { roomId: "no-such-room" } })).error?.code, "not_found");
    assert.equal((await mallory.request({ join: { roomId: "bad room!" } })).error?.code, "invalid_argument");

    const alice = await connect("alice");
    const reply = await alice.request({ join: { room_id: roomId } });
    assert.equal(reply.join.roomId, roomId);
    assert.equal(reply.join.lastSeq ?? "0", "0");
    assert.equal(reply.join.recovered, true);
    const sub = reply.join.subscriptionId as string;
    // The id names what is followed (Kuzzle's room id): the same on every connection; one connection holds it once.
    const again = await alice.request({ join: { roomId } });
    assert.equal(again.error?.code, "already_exists");
    assert.equal(again.error.field, "join.room_id");
    const alice2 = await connect("alice");
    const second = await join(alice2, { roomId });
    assert.equal(second, sub, "another connection following the room the same way gets the same id");

    const published = await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { text: "hi" } })] });
    const [e] = await alice.waitRoomEvents(sub, 1);
    assert.equal(e!.roomId, roomId);
    assert.equal(e!.seq, "1");
    assert.equal(e!.kind, "ROOM_EVENT_KIND_MESSAGE");
    assert.equal(e!.message.messageId, published.results[0]!.messageId);
    assert.deepEqual(e!.message.content, { text: "hi" });
    assert.equal(e!.message.senderId ?? "", "", "a backend's message has no sender");
    await alice2.waitRoomEvents(second, 1);

    // Leave one: it gets nothing more; the other still does. An unknown id is not_found.
    assert.ok((await alice2.request({ leave: { subscriptionId: second } })).leave);
    assert.equal((await alice2.request({ leave: { subscriptionId: second } })).error?.code, "not_found");
    await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { text: "again" } })] });
    await alice.waitRoomEvents(sub, 2);
    await alice2.request({ ping: {} });
    assert.equal(alice2.roomEvents(second).length, 1);
    await mallory.request({ ping: {} });
    assert.equal(mallory.pushes("roomEvent").length, 0, "no push of the room reaches a connection not subscribed");
  });

  test("ordering and resume: 20 concurrent publishers, 2 subscribers, one drops mid-stream and rejoins with since_seq; both see every seq once, in order, with the update and delete in place", async () => {
    const pubs = Array.from({ length: 10 }, (_, i) => `pub${i}`);
    const roomId = await room("order:1", ["s1", "s2", ...pubs], { membersCanPublish: true, membersCanEdit: true });
    const s1 = await connect("s1");
    const s2 = await connect("s2");
    const sub1 = await join(s1, { roomId });
    const sub2 = await join(s2, { roomId });
    const publishers = await Promise.all(pubs.map((u) => connect(u)));
    const PER = 10;
    const HALF = PER / 2;
    let updated = "";
    let deleted = "";
    const dropped = (async () => {
      await s2.waitRoomEvents(sub2, 30);
      s2.ws.terminate();
      await s2.closed;
    })();
    const backendLoop = async (i: number) => {
      for (let k = 0; k < PER; k++) {
        if (k === HALF) await dropped;
        await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { backend: i, k } })] });
      }
    };
    const clientLoop = async (c: TestClient, i: number) => {
      const ids: string[] = [];
      for (let k = 0; k < PER; k++) {
        if (k === HALF) await dropped;
        const r = await c.request({ publish: { roomId, content: { client: i, k } } });
        assert.ok(r.publish, JSON.stringify(r));
        ids.push(r.publish.messageId);
        if (i === 0 && k === 2) {
          const u = await c.request({ updateMessage: { roomId, messageId: ids[0], content: { edited: true } } });
          assert.ok(u.updateMessage?.seq, JSON.stringify(u));
          updated = ids[0]!;
        }
        if (i === 1 && k === HALF + 1) {
          const d = await c.request({ deleteMessage: { roomId, messageId: ids[0] } });
          assert.ok(d.deleteMessage?.seq, JSON.stringify(d));
          deleted = ids[0]!;
        }
      }
    };
    const rejoined = (async () => {
      await dropped;
      const before = s2.roomEvents(sub2);
      assert.deepEqual(seqs(before), range(1, before.length), "in order, none twice, before the drop");
      const again = await connect("s2");
      const r = await again.request({ join: { roomId, sinceSeq: String(before.length) } });
      assert.equal(r.join.recovered, true);
      return { again, sub: r.join.subscriptionId as string, before };
    })();
    await Promise.all([...range(0, 9).map(backendLoop), ...publishers.map(clientLoop)]);
    const total = 20 * PER + 2;
    assert.equal((await rooms.getRoom({ roomId })).room?.lastSeq, String(total));

    const all1 = await s1.waitRoomEvents(sub1, total);
    const { again, sub, before } = await rejoined;
    const after = await again.waitRoomEvents(sub, total - before.length);
    const all2 = [...before, ...after];
    assert.deepEqual(seqs(all1), range(1, total), "subscriber 1: every seq once, in order");
    assert.deepEqual(seqs(all2), range(1, total), "subscriber 2 across the drop: every seq once, in order");
    await again.request({ ping: {} });
    await s1.request({ ping: {} });
    assert.equal(s1.roomEvents(sub1).length, total, "nothing more");
    assert.equal(again.roomEvents(sub).length, total - before.length, "nothing more");
    const shape = (es: Array<Record<string, any>>) => es.map((e) => `${e.seq}:${e.kind}:${e.message.messageId}`);
    assert.deepEqual(shape(all2), shape(all1), "both saw the same events");
    const created = (id: string) => all1.findIndex((e) => e.kind === "ROOM_EVENT_KIND_MESSAGE" && e.message.messageId === id);
    const upd = all1.findIndex((e) => e.kind === "ROOM_EVENT_KIND_MESSAGE_UPDATE");
    const del = all1.findIndex((e) => e.kind === "ROOM_EVENT_KIND_MESSAGE_DELETE");
    assert.equal(all1[upd]!.message.messageId, updated);
    assert.deepEqual(all1[upd]!.message.content, { edited: true });
    assert.ok(upd > created(updated), "the update comes after its message");
    assert.equal(all1[del]!.message.messageId, deleted);
    assert.equal(all1[del]!.message.deleted, true);
    assert.ok(del > created(deleted), "the delete comes after its message");
  });

  test("resume: since_seq older than the room's retention says recovered false and sends what is kept; a kept seq says recovered true", async () => {
    const roomId = await room("kept:1", ["rita"], { historyMaxCount: 2 });
    for (let i = 1; i <= 5; i++) await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { i } })] });
    const rita = await connect("rita");
    // Retention runs every second: wait until only the newest two are kept.
    await waitFor(
      async () => {
        const r = await rita.request({ history: { roomId, query: { limit: 10 } } });
        return r.history && (r.history.messages ?? []).length === 2;
      },
      { timeoutMs: 15_000, message: "retention purged the oldest three" },
    );
    const old = await rita.request({ join: { roomId, sinceSeq: "1" } });
    assert.equal(old.join.recovered ?? false, false, "events after seq 1 were purged: never a silent gap");
    assert.equal(old.join.lastSeq, "5");
    assert.deepEqual(seqs(await rita.waitRoomEvents(old.join.subscriptionId, 2)), [4, 5]);
    // Each resume on a connection of its own (one connection follows a room one way once).
    const rita2 = await connect("rita");
    const kept = await rita2.request({ join: { roomId, sinceSeq: "3" } });
    assert.equal(kept.join.recovered, true);
    assert.deepEqual(seqs(await rita2.waitRoomEvents(kept.join.subscriptionId, 2)), [4, 5]);
    const rita3 = await connect("rita");
    const ahead = await rita3.request({ join: { roomId, sinceSeq: "99" } });
    assert.equal(ahead.join.lastSeq, "5", "a since_seq beyond the room's last seq starts at the last");
    await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { i: 6 } })] });
    assert.deepEqual(seqs(await rita3.waitRoomEvents(ahead.join.subscriptionId, 1)), [6]);
  });

  test("a removed member gets `unsubscribed` (REMOVED) and nothing more, and cannot join again", async () => {
    const roomId = await room("team:rm", ["amy", "bob"]);
    const amy = await connect("amy");
    const bob = await connect("bob");
    const subA = await join(amy, { roomId });
    const subB = await join(bob, { roomId });
    await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { n: 1 } })] });
    await bob.waitRoomEvents(subB, 1);
    await rooms.removeRoomMembers({ roomId, userIds: ["bob"] });
    const u = await bob.waitPush("unsubscribed", (p) => p.subscriptionId === subB, "bob's subscription ended");
    assert.equal(u.roomId, roomId);
    assert.equal(u.reason, "UNSUBSCRIBE_REASON_REMOVED");
    await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { n: 2 } })] });
    await amy.waitRoomEvents(subA, 2);
    await bob.request({ ping: {} });
    assert.equal(bob.pushes("roomEvent").length, 1, "nothing after the removal");
    assert.equal((await bob.request({ join: { roomId } })).error?.code, "permission_denied");
    assert.equal((await bob.request({ leave: { subscriptionId: subB } })).error?.code, "not_found", "the subscription is gone");
    assert.equal(amy.pushes("unsubscribed").length, 0, "other members keep theirs");
  });

  test("a client cannot publish where members may not, nor change another user's message, nor edit where members may not", async () => {
    const quiet = await room("quiet:1", ["cat", "dan"]);
    const open = await room("chat:1", ["cat", "dan"], { membersCanPublish: true, membersCanEdit: true });
    const noEdit = await room("chat:2", ["cat"], { membersCanPublish: true });
    const cat = await connect("cat");
    const dan = await connect("dan");
    const refused = await cat.request({ publish: { roomId: quiet, content: { x: 1 } } });
    assert.equal(refused.error?.code, "permission_denied", "a member, but members may not publish here");
    const eve = await connect("eve");
    const stranger = await eve.request({ publish: { roomId: open, content: {} } });
    assert.equal(stranger.error?.code, "permission_denied", "not a member");
    assert.equal(stranger.error.field, "publish.room_id");

    const own = await cat.request({ publish: { roomId: open, content: { text: "mine" }, tags: { lang: "en" }, idempotencyKey: "k1" } });
    assert.equal(own.publish.seq, "1");
    const again = await cat.request({ publish: { roomId: open, content: { text: "mine" }, idempotencyKey: "k1" } });
    assert.equal(again.publish.messageId, own.publish.messageId);
    assert.equal(again.publish.duplicate, true);
    const messageId = own.publish.messageId;
    const upd = await dan.request({ updateMessage: { roomId: open, messageId, content: { text: "hijacked" } } });
    assert.equal(upd.error?.code, "permission_denied");
    const del = await dan.request({ deleteMessage: { roomId: open, messageId } });
    assert.equal(del.error?.code, "permission_denied");
    const bad = await cat.request({ updateMessage: { roomId: open, messageId: "not-a-uuid", content: {} } });
    assert.equal(bad.error?.code, "invalid_argument");
    assert.equal(bad.error.field, "update_message.message_id");
    const big = await cat.request({ publish: { roomId: open, content: { s: "x".repeat(17 * 1024) } } });
    assert.equal(big.error?.code, "invalid_argument");
    assert.equal(big.error.field, "publish.content");

    const mine = await cat.request({ publish: { roomId: noEdit, content: { text: "fixed" } } });
    const edit = await cat.request({ updateMessage: { roomId: noEdit, messageId: mine.publish.messageId, content: {} } });
    assert.equal(edit.error?.code, "permission_denied", "the room does not let members edit");

    assert.equal((await cat.request({ updateMessage: { roomId: open, messageId, content: { text: "edited" } } })).updateMessage.seq, "2");
    assert.equal((await cat.request({ deleteMessage: { roomId: open, messageId } })).deleteMessage.seq, "3");
    const page = await cat.request({ history: { roomId: open, query: {} } });
    assert.equal(page.history.messages[0].deleted, true, "the message is a tombstone");
    assert.equal(page.history.messages[0].content, undefined);
  });

  test("typing reaches the other subscribers, not the typist's own connection, and ends by itself after the timeout or when the typist's connection dies", async () => {
    const roomId = await room("type:1", ["ann", "ben"]);
    const ann = await connect("ann");
    const annPhone = await connect("ann");
    const ben = await connect("ben");
    await join(ann, { roomId });
    await join(annPhone, { roomId });
    const subBen = await join(ben, { roomId });
    assert.equal((await ben.request({ typing: { roomId: "type:other", typing: true } })).error?.code, "failed_precondition");

    assert.ok((await ann.request({ typing: { roomId, typing: true } })).typing);
    const start = await ben.waitPush("typingEvent", (p) => p.userId === "ann" && p.typing === true, "ann typing");
    assert.equal(start.subscriptionId, subBen);
    assert.equal(start.roomId, roomId);
    await annPhone.waitPush("typingEvent", (p) => p.typing === true, "ann's other connection is told");
    // A refresh within the rate interval is accepted and not forwarded; the typist hears nothing of it.
    assert.ok((await ann.request({ typing: { roomId, typing: true } })).typing);
    await ann.request({ ping: {} });
    assert.equal(ann.pushes("typingEvent").length, 0, "never echoed to the typist's own connection");

    // No refresh, no stop: a stop by itself after the timeout (not before).
    const t0 = Date.now();
    const stop = await ben.waitPush("typingEvent", (p) => p.userId === "ann" && p.typing !== true, "ann stopped", TYPING_TIMEOUT_MS + 5000);
    assert.ok(Date.now() - t0 >= TYPING_TIMEOUT_MS - 1500, `the stop came after ~${TYPING_TIMEOUT_MS} ms, not at once`);
    assert.equal(stop.subscriptionId, subBen);
    assert.equal(ben.pushes("typingEvent").length, 2, "one start, one stop");

    // A typist whose connection is killed: the others see a stop.
    assert.ok((await ann.request({ typing: { roomId, typing: true } })).typing);
    await waitFor(() => ben.pushes("typingEvent").length === 3, { message: "ann typing again" });
    ann.ws.terminate();
    await waitFor(() => ben.pushes("typingEvent").length === 4, { timeoutMs: TYPING_TIMEOUT_MS + 5000, message: "a stop" });
    assert.equal(ben.pushes("typingEvent")[3]!.typing ?? false, false);
  });

  test("presence: three connections of one user count once, the leave comes when the last goes, and the presence query is right", async () => {
    const roomId = await room("pres:1", ["obs", "pat"], { presence: true });
    const plain = await room("pres:off", ["obs"]);
    const obs = await connect("obs");
    const noPresence = await obs.request({ join: { roomId: plain, presence: true } });
    assert.equal(noPresence.error?.code, "failed_precondition");
    assert.equal((await obs.request({ presence: { roomId: plain } })).error?.code, "failed_precondition");
    const tooBig = await obs.request({ join: { roomId, volatile: { s: "x".repeat(3000) } } });
    assert.equal(tooBig.error?.field, "join.volatile");

    const subObs = await join(obs, { roomId, presence: true });
    await obs.waitPush("presenceEvent", (p) => p.userId === "obs", "obs's own join");
    const pats = [await connect("pat"), await connect("pat"), await connect("pat")];
    await join(pats[0]!, { roomId, volatile: { device: "phone" } });
    await join(pats[1]!, { roomId });
    await join(pats[2]!, { roomId });
    const joined = await obs.waitPush("presenceEvent", (p) => p.userId === "pat", "pat joined");
    assert.equal(joined.subscriptionId, subObs);
    assert.equal(joined.action, "PRESENCE_ACTION_JOIN");
    assert.equal(joined.userCount, 2, "distinct users: obs and pat");
    assert.deepEqual(joined.volatile, { device: "phone" });
    const who = await obs.request({ presence: { roomId } });
    assert.equal(who.presence.userCount, 2);
    const users = Object.fromEntries(who.presence.users.map((u: any) => [u.userId, u.connections]));
    assert.deepEqual(users, { obs: 1, pat: 3 });

    await pats[0]!.close();
    await pats[1]!.close();
    await waitFor(
      async () => {
        const r = await obs.request({ presence: { roomId } });
        return r.presence.users.find((u: any) => u.userId === "pat")?.connections === 1;
      },
      { message: "pat down to one connection" },
    );
    assert.equal(obs.pushes("presenceEvent").filter((p) => p.userId === "pat").length, 1, "no leave while a connection remains");
    await pats[2]!.close();
    const left = await obs.waitPush("presenceEvent", (p) => p.userId === "pat" && p.action === "PRESENCE_ACTION_LEAVE", "pat left");
    assert.equal(left.userCount, 1);
    const after = await obs.request({ presence: { roomId } });
    assert.deepEqual(
      after.presence.users.map((u: any) => u.userId),
      ["obs"],
    );
    assert.equal(obs.pushes("presenceEvent").filter((p) => p.userId === "pat").length, 2, "one join, one leave");
  });

  test("room_activity reaches a member's connection that has not joined the room, not one that has", async () => {
    const roomId = await room("news:1", ["rae", "sid"]);
    const joinedConn = await connect("rae");
    const idleConn = await connect("rae");
    const stranger = await connect("tom");
    const sub = await join(joinedConn, { roomId });
    const sent = await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { headline: 1 } })] });
    const activity = await idleConn.waitPush("roomActivity", (p) => p.roomId === roomId, "activity");
    assert.equal(activity.messageId, sent.results[0]!.messageId);
    assert.equal(activity.seq, "1");
    await joinedConn.waitRoomEvents(sub, 1);
    await joinedConn.request({ ping: {} });
    assert.equal(joinedConn.pushes("roomActivity").length, 0, "the subscribed connection gets the event instead");
    await stranger.request({ ping: {} });
    assert.equal(stranger.pushes("roomActivity").length, 0, "not a member: nothing");
  });

  test("history pages backward and forward through a room's messages; a non-member cannot read it", async () => {
    const roomId = await room("hist:1", ["hal"]);
    for (let i = 1; i <= 5; i++) await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { i } })] });
    const hal = await connect("hal");
    const ids = (r: any) => (r.history.messages ?? []).map((m: any) => m.content.i);
    const p1 = await hal.request({ history: { roomId, query: { limit: 2, direction: "LIST_DIRECTION_BACKWARD" } } });
    assert.deepEqual(ids(p1), [5, 4]);
    const p2 = await hal.request({
      history: { roomId, query: { limit: 2, direction: "LIST_DIRECTION_BACKWARD", cursor: p1.history.nextCursor } },
    });
    assert.deepEqual(ids(p2), [3, 2]);
    const p3 = await hal.request({
      history: { roomId, query: { limit: 2, direction: "LIST_DIRECTION_BACKWARD", cursor: p2.history.nextCursor } },
    });
    assert.deepEqual(ids(p3), [1]);
    assert.equal(p3.history.nextCursor ?? "", "", "the last page");
    const fwd = await hal.request({ history: { room_id: roomId, query: { limit: 10, after_seq: "3" } } });
    assert.deepEqual(ids(fwd), [4, 5]);
    const bad = await hal.request({ history: { roomId, query: { limit: 101 } } });
    assert.equal(bad.error?.field, "history.query.limit");
    const nosy = await connect("nosy");
    assert.equal((await nosy.request({ history: { roomId, query: {} } })).error?.code, "permission_denied");
  });

  test("a token that expires ends every subscription with `unsubscribed` (TOKEN_EXPIRED) before the notice and the close", async () => {
    const a = await room("exp:1", ["tess"]);
    const b = await room("exp:2", ["tess"]);
    const tess = await connect("tess", { token: await devToken("tess", 3) });
    const subs = [await join(tess, { roomId: a }), await join(tess, { roomId: b })];
    assert.equal(await tess.closed, 3004);
    const tail = tess.frames.slice(-3);
    assert.deepEqual(
      tail.slice(0, 2).map((f) => [f.unsubscribed?.subscriptionId, f.unsubscribed?.reason]),
      subs.map((s) => [s, "UNSUBSCRIBE_REASON_TOKEN_EXPIRED"]),
    );
    assert.equal(tail[2]!.systemEvent?.code, "SYSTEM_CODE_TOKEN_EXPIRED");
  });

  test("a connection holds up to 1,000 subscriptions (Limits.maxSubscriptionsPerSession); one more is resource_exhausted until one leaves", async () => {
    const roomIds = Array.from({ length: 1001 }, (_, i) => `lobby:${i}`);
    for (let batch = 0; batch < roomIds.length; batch += 100)
      await Promise.all(roomIds.slice(batch, batch + 100).map((r) => room(r, [], { joinPolicy: JoinPolicy.JOIN_POLICY_OPEN })));
    const many = await connect("many");
    const ids: string[] = [];
    for (let batch = 0; batch < 1000; batch += 100)
      ids.push(...(await Promise.all(roomIds.slice(batch, batch + 100).map((roomId) => join(many, { roomId })))));
    assert.equal(new Set(ids).size, 1000);
    const over = await many.request({ join: { roomId: roomIds[1000] } });
    assert.equal(over.error?.code, "resource_exhausted");
    await many.request({ leave: { subscriptionId: ids[0] } });
    await join(many, { roomId: roomIds[1000] });
    const messages = roomIds.slice(1).map((roomId) => roomMessage({ roomId, content: { hello: "all" } }));
    for (let batch = 0; batch < messages.length; batch += 100)
      await rooms.publishRoomMessages({ messages: messages.slice(batch, batch + 100) });
    await waitFor(() => many.pushes("roomEvent").length === 1000, { message: "one event on each of the 1,000 subscriptions" });
  });
});
