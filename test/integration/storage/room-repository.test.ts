import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, test } from "vitest";
import { HeraldError } from "../../../src/domain/errors.js";
import type { RoomOptions } from "../../../src/domain/room.js";
import type { NewRoomMessage } from "../../../src/domain/room-ports.js";
import { uuidv7 } from "../../../src/domain/uuid7.js";
import { RoomRepository } from "../../../src/storage/room-repository.js";
import { BACKENDS, openMigratedDatabase, type OpenTestDatabase } from "../../support/databases.js";

let roomCounter = 0;
/** A room id no other test of this file uses. */
function newRoomId(): string {
  return `team:${++roomCounter}-${randomUUID().slice(0, 8)}`;
}

function options(o: Partial<RoomOptions> = {}): RoomOptions {
  return {
    joinPolicy: "members",
    membersCanPublish: true,
    membersCanEdit: true,
    presence: false,
    historyMaxCount: 0,
    historyMaxAgeSeconds: 0,
    notifyOffline: false,
    metadata: {},
    ...o,
  };
}

function msg(roomId: string, o: Partial<NewRoomMessage> = {}): NewRoomMessage {
  return {
    id: uuidv7(),
    roomId,
    content: { text: "hi", nested: { list: [1, "two", null, { deep: true }] } },
    tags: { lang: "en" },
    senderId: "alice",
    persistent: true,
    idempotencyKey: "",
    createdAt: new Date(),
    ...o,
  };
}

/** Rejects with a HeraldError of `code` (and `field`, when given); returns it. */
async function rejectsWith(p: Promise<unknown>, code: string, field?: string): Promise<HeraldError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof HeraldError, `a HeraldError, got ${String(err)}`);
  assert.equal(err.code, code);
  if (field !== undefined) assert.equal(err.field, field);
  return err;
}

for (const backend of BACKENDS) {
  describe(`RoomRepository on ${backend.name}`, () => {
    let store: OpenTestDatabase;
    let repo: RoomRepository;

    beforeAll(async () => {
      store = await openMigratedDatabase(backend);
      repo = new RoomRepository({ db: store.db });
    });
    afterAll(() => store?.close());

    async function rowCount(table: string, roomId: string): Promise<number> {
      const row = await store.db(table).where("room_id", roomId).count<{ n: string | number }>({ n: "*" }).first();
      return Number(row?.n ?? 0);
    }

    test("create, get, update and delete a room: every option and the metadata round-trip; duplicates and missing rooms are refused", async () => {
      const id = newRoomId();
      const t0 = new Date("2026-01-02T03:04:05.678Z");
      const o = options({
        joinPolicy: "open",
        membersCanEdit: false,
        presence: true,
        historyMaxCount: 50,
        historyMaxAgeSeconds: 3600,
        notifyOffline: true,
        metadata: { title: "Team", n: 1.5, tags: ["a", "b"], nested: { ok: null } },
      });
      const created = await repo.create(id, o, t0);
      assert.deepEqual(created, { id, options: o, createdAt: t0, updatedAt: t0, lastSeq: 0, purgedThroughSeq: 0 });
      assert.deepEqual(await repo.get(id), created);
      await rejectsWith(repo.create(id, options(), t0), "already_exists", "room_id");

      const t1 = new Date("2026-01-02T04:00:00.000Z");
      const o2 = options({ metadata: { title: "Renamed" } });
      assert.deepEqual(await repo.update(id, o2, t1), { ...created, options: o2, updatedAt: t1 });
      assert.deepEqual(await repo.get(id), { ...created, options: o2, updatedAt: t1 });

      const missing = newRoomId();
      await rejectsWith(repo.update(missing, o2, t1), "not_found", "room_id");
      assert.equal(await repo.get(missing), null);
      assert.equal(await repo.delete(missing), false);
      assert.equal(await repo.delete(id), true);
      assert.equal(await repo.get(id), null);
      assert.equal(await repo.delete(id), false);
    });

    test("insertMessages numbers each room's messages 1, 2, 3... in input order, stores each with its message event, and lastSeq follows", async () => {
      const a = newRoomId();
      const b = newRoomId();
      await repo.create(a, options(), new Date());
      await repo.create(b, options(), new Date());
      const at = new Date("2026-03-04T05:06:07.089Z");
      const input = [msg(a, { createdAt: at, senderId: "" }), msg(b), msg(a, { content: { n: 2 }, tags: {} }), msg(a), msg(b)];
      const out = await repo.insertMessages(input);
      assert.deepEqual(
        out,
        input.map((m, i) => ({ id: m.id, seq: [1, 1, 2, 3, 2][i], duplicate: false })),
      );
      assert.deepEqual(
        (await repo.insertMessages([msg(a), msg(b)])).map((o) => o.seq),
        [4, 3],
        "numbering continues across batches",
      );
      assert.equal((await repo.get(a))?.lastSeq, 4);
      assert.equal((await repo.get(b))?.lastSeq, 3);

      const first = { id: input[0]!.id, roomId: a, senderId: "", content: input[0]!.content, tags: input[0]!.tags };
      assert.deepEqual((await repo.listMessages(a, "forward", 0, 1))[0], {
        ...first,
        createdAt: at,
        updatedAt: at,
        seq: 1,
        deleted: false,
      });
      const events = await repo.eventsAfter(a, 0, 10);
      assert.deepEqual(
        events.map((e) => [e.seq, e.kind, e.message.id, e.message.seq]),
        [
          [1, "message", input[0]!.id, 1],
          [2, "message", input[2]!.id, 2],
          [3, "message", input[3]!.id, 3],
          [4, "message", events[3]!.message.id, 4],
        ],
      );
      assert.deepEqual(events[0], {
        roomId: a,
        seq: 1,
        kind: "message",
        message: { ...first, createdAt: at, updatedAt: at, seq: 1, deleted: false },
        previousContent: null,
        previousTags: null,
        time: at,
        persistent: true,
      });
      assert.deepEqual(events[1]!.message.content, { n: 2 });
      assert.deepEqual(events[1]!.message.tags, {});
    });

    test("a repeated idempotency key, stored before or earlier in the same batch, stores nothing, returns the first message and spends no seq", async () => {
      const a = newRoomId();
      const b = newRoomId();
      await repo.create(a, options(), new Date());
      await repo.create(b, options(), new Date());
      const [k1] = await repo.insertMessages([msg(a, { idempotencyKey: "k1" })]);
      const batch = [
        msg(a, { idempotencyKey: "k1", content: { other: true } }), // stored before
        msg(a, { idempotencyKey: "k2" }),
        msg(b, { idempotencyKey: "k1" }), // same key, other room: a different message
        msg(a, { idempotencyKey: "k2" }), // earlier in this batch
        msg(a),
      ];
      const out = await repo.insertMessages(batch);
      assert.deepEqual(out, [
        { id: k1!.id, seq: 1, duplicate: true },
        { id: batch[1]!.id, seq: 2, duplicate: false },
        { id: batch[2]!.id, seq: 1, duplicate: false },
        { id: batch[1]!.id, seq: 2, duplicate: true },
        { id: batch[4]!.id, seq: 3, duplicate: false },
      ]);
      assert.equal((await repo.get(a))?.lastSeq, 3);
      assert.deepEqual(
        (await repo.listMessages(a, "forward", 0, 10)).map((m) => [m.seq, m.id]),
        [
          [1, k1!.id],
          [2, batch[1]!.id],
          [3, batch[4]!.id],
        ],
      );
      assert.deepEqual((await repo.listMessages(a, "forward", 0, 1))[0]!.content, msg(a).content, "the first message's content is kept");
    });

    test("a batch naming a missing room fails whole, naming the message, and stores nothing (no message, event or seq)", async () => {
      const a = newRoomId();
      await repo.create(a, options(), new Date());
      await repo.insertMessages([msg(a)]);
      const missing = newRoomId();
      await rejectsWith(repo.insertMessages([msg(a), msg(a, { idempotencyKey: "x" }), msg(missing)]), "not_found", "messages[2].room_id");
      assert.equal((await repo.get(a))?.lastSeq, 1);
      assert.equal(await rowCount("room_messages", a), 1);
      assert.equal(await rowCount("room_events", a), 1);
      for (const table of ["room_messages", "room_events", "room_counters"]) assert.equal(await rowCount(table, missing), 0, table);
      assert.deepEqual(
        (await repo.insertMessages([msg(a, { idempotencyKey: "x" })])).map((o) => o.seq),
        [2],
      );
    });

    test("20 concurrent batches over 3 rooms, some with idempotency keys: each room's seqs are 1..n, each message stored once with its event", async () => {
      const rooms = [newRoomId(), newRoomId(), newRoomId()];
      for (const r of rooms) await repo.create(r, options(), new Date());
      const batches = Array.from({ length: 20 }, (_, w) =>
        Array.from({ length: 10 }, (_, j) =>
          // Every writer repeats the keys "shared-0..2" of each room: each must be stored once.
          msg(rooms[(w + j) % 3]!, { idempotencyKey: j < 3 ? `shared-${j}` : j % 2 === 0 ? `w${w}-${j}` : "" }),
        ),
      );
      const results = await Promise.all(batches.map((b) => repo.insertMessages(b)));
      for (const r of rooms) {
        const stored = results.flatMap((out, w) => out.filter((o, j) => batches[w]![j]!.roomId === r && !o.duplicate));
        const seqs = stored.map((o) => o.seq).sort((x, y) => x - y);
        assert.deepEqual(
          seqs,
          Array.from({ length: seqs.length }, (_, i) => i + 1),
          `room ${r} is gapless`,
        );
        const events = await repo.eventsAfter(r, 0, 1000);
        assert.deepEqual(
          events.map((e) => [e.seq, e.message.id]),
          stored.sort((x, y) => x.seq - y.seq).map((o) => [o.seq, o.id]),
        );
        assert.equal((await repo.get(r))?.lastSeq, seqs.length);
        // Keys repeated by every writer: one message each, and every duplicate names it.
        for (let j = 0; j < 3; j++) {
          const named = results.flatMap((out, w) =>
            out.filter((_, i) => batches[w]![i]!.roomId === r && batches[w]![i]!.idempotencyKey === `shared-${j}`),
          );
          assert.equal(new Set(named.map((o) => `${o.id}/${o.seq}`)).size, 1);
          assert.equal(named.filter((o) => !o.duplicate).length, 1);
        }
      }
      assert.equal(results.flat().filter((o) => !o.duplicate).length, 20 * 10 - 20 * 3 + 9);
    });

    test("an update and a delete are events with the next seq, carry the content before, and the message becomes a tombstone", async () => {
      const a = newRoomId();
      await repo.create(a, options(), new Date());
      const original = msg(a, { content: { text: "v1" }, tags: { t: "1" } });
      const [m] = await repo.insertMessages([original, msg(a)]);
      const t1 = new Date("2026-05-06T07:08:09.010Z");
      const seen: unknown[] = [];
      const update = await repo.changeMessage(
        { roomId: a, messageId: m!.id, kind: "message_update", content: { text: "v2" }, tags: { t: "2" }, now: t1 },
        (current) => seen.push(current),
      );
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0], {
        id: m!.id,
        roomId: a,
        senderId: "alice",
        content: { text: "v1" },
        tags: { t: "1" },
        createdAt: original.createdAt,
        updatedAt: original.createdAt,
        seq: 1,
        deleted: false,
      });
      const updated = { id: m!.id, roomId: a, senderId: "alice", createdAt: original.createdAt, seq: 1 };
      assert.deepEqual(update, {
        roomId: a,
        seq: 3,
        kind: "message_update",
        message: { ...updated, content: { text: "v2" }, tags: { t: "2" }, updatedAt: t1, deleted: false },
        previousContent: { text: "v1" },
        previousTags: { t: "1" },
        time: t1,
        persistent: true,
      });
      const t2 = new Date("2026-05-06T07:09:00.000Z");
      const del = await repo.changeMessage(
        { roomId: a, messageId: m!.id, kind: "message_delete", content: {}, tags: {}, now: t2 },
        () => {},
      );
      assert.deepEqual(del, {
        roomId: a,
        seq: 4,
        kind: "message_delete",
        message: { ...updated, content: {}, tags: {}, updatedAt: t2, deleted: true },
        previousContent: { text: "v2" },
        previousTags: { t: "2" },
        time: t2,
        persistent: true,
      });
      assert.deepEqual(await repo.eventsAfter(a, 2, 10), [update, del], "the log holds both, as returned");
      assert.deepEqual((await repo.listMessages(a, "forward", 0, 1))[0], {
        ...updated,
        content: {},
        tags: {},
        updatedAt: t2,
        deleted: true,
      });
      assert.equal((await repo.get(a))?.lastSeq, 4);

      const change = { roomId: a, messageId: m!.id, kind: "message_update" as const, content: { x: 1 }, tags: {}, now: t2 };
      await rejectsWith(
        repo.changeMessage(change, () => {}),
        "not_found",
        "message_id",
      );
      await rejectsWith(
        repo.changeMessage({ ...change, kind: "message_delete" }, () => {}),
        "not_found",
        "message_id",
      );
      await rejectsWith(
        repo.changeMessage({ ...change, messageId: uuidv7() }, () => {}),
        "not_found",
        "message_id",
      );
      await rejectsWith(
        repo.changeMessage({ ...change, roomId: newRoomId() }, () => {}),
        "not_found",
        "room_id",
      );
      assert.equal((await repo.get(a))?.lastSeq, 4, "refused changes spend no seq");
    });

    test("a check that refuses writes nothing and spends no seq", async () => {
      const a = newRoomId();
      await repo.create(a, options(), new Date());
      const [m] = await repo.insertMessages([msg(a, { senderId: "alice", content: { v: 1 } })]);
      const notSender = (current: { senderId: string }) => {
        if (current.senderId !== "bob") throw new HeraldError("permission_denied", "only the sender may change this message");
      };
      const change = { roomId: a, messageId: m!.id, content: { v: 2 }, tags: {}, now: new Date() };
      await rejectsWith(repo.changeMessage({ ...change, kind: "message_update" }, notSender), "permission_denied");
      await rejectsWith(repo.changeMessage({ ...change, kind: "message_delete" }, notSender), "permission_denied");
      assert.equal((await repo.get(a))?.lastSeq, 1);
      assert.deepEqual(
        (await repo.listMessages(a, "forward", 0, 10)).map((x) => [x.content, x.deleted]),
        [[{ v: 1 }, false]],
      );
      assert.equal((await repo.eventsAfter(a, 0, 10)).length, 1);
      const ok = await repo.changeMessage({ ...change, kind: "message_update" }, () => {});
      assert.equal(ok.seq, 2, "the next change takes the next seq: none was spent");
    });

    test("eventsAfter and listMessages page forward and backward; messages keep their creation seq and tombstones are listed", async () => {
      const a = newRoomId();
      await repo.create(a, options(), new Date());
      const out = await repo.insertMessages(Array.from({ length: 7 }, (_, i) => msg(a, { content: { i } })));
      await repo.changeMessage(
        { roomId: a, messageId: out[2]!.id, kind: "message_delete", content: {}, tags: {}, now: new Date() },
        () => {},
      );
      await repo.changeMessage(
        { roomId: a, messageId: out[4]!.id, kind: "message_update", content: { i: 40 }, tags: {}, now: new Date() },
        () => {},
      );
      assert.deepEqual(
        (await repo.eventsAfter(a, 0, 4)).map((e) => e.seq),
        [1, 2, 3, 4],
      );
      assert.deepEqual(
        (await repo.eventsAfter(a, 4, 100)).map((e) => [e.seq, e.kind]),
        [
          [5, "message"],
          [6, "message"],
          [7, "message"],
          [8, "message_delete"],
          [9, "message_update"],
        ],
      );
      assert.deepEqual(await repo.eventsAfter(a, 9, 100), []);

      const fwd = await repo.listMessages(a, "forward", 2, 3);
      assert.deepEqual(
        fwd.map((m) => [m.seq, m.content, m.deleted]),
        [
          [3, {}, true],
          [4, { i: 3 }, false],
          [5, { i: 40 }, false],
        ],
      );
      assert.deepEqual((await repo.listMessages(a, "forward", 7, 3)).length, 0, "seqs of updates are not message positions");
      assert.deepEqual(
        (await repo.listMessages(a, "backward", 0, 3)).map((m) => m.seq),
        [7, 6, 5],
      );
      assert.deepEqual(
        (await repo.listMessages(a, "backward", 5, 10)).map((m) => m.seq),
        [4, 3, 2, 1],
      );
      assert.deepEqual(await repo.listMessages(a, "backward", 1, 10), []);
      assert.deepEqual(await repo.listMessages(newRoomId(), "backward", 0, 10), []);
    });

    test("members: add counts the new ones, remove returns who were members, list pages by user id; a missing room is not_found", async () => {
      const a = newRoomId();
      await repo.create(a, options(), new Date());
      assert.equal(await repo.addMembers(a, ["carol", "alice", "bob"], new Date()), 3);
      assert.equal(await repo.addMembers(a, ["bob", "dave", "dave"], new Date()), 1);
      assert.deepEqual(await repo.listMembers(a, "", 10), ["alice", "bob", "carol", "dave"]);
      assert.deepEqual(await repo.listMembers(a, "", 2), ["alice", "bob"]);
      assert.deepEqual(await repo.listMembers(a, "bob", 2), ["carol", "dave"]);
      assert.deepEqual(await repo.listMembers(a, "dave", 2), []);
      assert.equal(await repo.isMember(a, "bob"), true);
      assert.deepEqual((await repo.removeMembers(a, ["bob", "erin"])).sort(), ["bob"]);
      assert.equal(await repo.isMember(a, "bob"), false);
      assert.equal(await repo.isMember(a, "erin"), false);
      assert.deepEqual(await repo.listMembers(a, "", 10), ["alice", "carol", "dave"]);
      const missing = newRoomId();
      await rejectsWith(repo.addMembers(missing, ["alice"], new Date()), "not_found", "room_id");
      assert.equal(await rowCount("room_members", missing), 0);
      assert.deepEqual(await repo.removeMembers(missing, ["alice"]), []);
    });

    test("deleting a room removes its members, messages, events, counter and presence; a room created again starts at seq 1", async () => {
      const a = newRoomId();
      const other = newRoomId();
      for (const r of [a, other]) {
        await repo.create(r, options(), new Date());
        await repo.addMembers(r, ["alice", "bob"], new Date());
        const [m] = await repo.insertMessages([msg(r, { idempotencyKey: "k" }), msg(r)]);
        await repo.changeMessage({ roomId: r, messageId: m!.id, kind: "message_update", content: {}, tags: {}, now: new Date() }, () => {});
        await store.db("room_presence").insert({ room_id: r, user_id: "alice", node_id: "n1", connections: 1 });
      }
      const tables = ["room_members", "room_messages", "room_events", "room_counters", "room_presence"];
      assert.equal(await repo.delete(a), true);
      for (const t of tables) assert.equal(await rowCount(t, a), 0, `${t} of the deleted room`);
      for (const t of tables) assert.ok((await rowCount(t, other)) > 0, `${t} of the other room is kept`);
      assert.equal((await repo.get(other))?.lastSeq, 3);

      assert.equal((await repo.create(a, options(), new Date())).lastSeq, 0);
      assert.deepEqual(await repo.insertMessages([msg(a, { idempotencyKey: "k" })]).then((o) => o.map((x) => [x.seq, x.duplicate])), [
        [1, false],
      ]);
      assert.deepEqual(await repo.listMembers(a, "", 10), []);
    });

    test("a room deleted while batches are being published into it keeps no message, event or counter: each batch is stored before or refused", async () => {
      for (let round = 0; round < 5; round++) {
        const a = newRoomId();
        await repo.create(a, options(), new Date());
        const inserts = Array.from({ length: 8 }, (_, i) =>
          repo.insertMessages(Array.from({ length: 20 }, (_, j) => msg(a, { idempotencyKey: j % 2 === 0 ? `k${i}-${j}` : "" }))),
        );
        const [deleted, ...outcomes] = await Promise.allSettled([repo.delete(a), ...inserts]);
        assert.deepEqual(deleted, { status: "fulfilled", value: true });
        for (const o of outcomes) if (o.status === "rejected") assert.equal((o.reason as HeraldError).code, "not_found", String(o.reason));
        for (const table of ["room_messages", "room_events", "room_counters"])
          assert.equal(await rowCount(table, a), 0, `${table} after round ${round}`);
      }
    });

    test("retention by count purges the oldest messages in slices, their events up to the cutoff, and raises purgedThroughSeq", async () => {
      const a = newRoomId();
      const unlimited = newRoomId();
      await repo.create(a, options({ historyMaxCount: 3 }), new Date());
      await repo.create(unlimited, options(), new Date());
      const out = await repo.insertMessages(Array.from({ length: 8 }, () => msg(a)));
      await repo.insertMessages(Array.from({ length: 8 }, () => msg(unlimited)));
      // An update of a message that stays (seq 9) and one of a message that goes (seq 10).
      for (const i of [6, 1])
        await repo.changeMessage(
          { roomId: a, messageId: out[i]!.id, kind: "message_update", content: { u: i }, tags: {}, now: new Date() },
          () => {},
        );

      assert.equal(await repo.purgeExpired(new Date(), 2), 2, "one slice deletes at most its size");
      assert.deepEqual(
        (await repo.listMessages(a, "forward", 0, 100)).map((m) => m.seq),
        [3, 4, 5, 6, 7, 8],
      );
      assert.equal((await repo.get(a))?.purgedThroughSeq, 2);
      assert.deepEqual(
        (await repo.eventsAfter(a, 0, 100)).map((e) => e.seq),
        [3, 4, 5, 6, 7, 8, 9, 10],
      );

      while ((await repo.purgeExpired(new Date(), 2)) > 0);
      assert.deepEqual(
        (await repo.listMessages(a, "forward", 0, 100)).map((m) => m.seq),
        [6, 7, 8],
      );
      const room = await repo.get(a);
      assert.equal(room?.purgedThroughSeq, 5);
      assert.equal(room?.lastSeq, 10, "purging never lowers the room's seq");
      assert.deepEqual(
        (await repo.eventsAfter(a, 0, 100)).map((e) => e.seq),
        [6, 7, 8, 9, 10],
        "later events are kept",
      );
      assert.equal((await repo.listMessages(unlimited, "forward", 0, 100)).length, 8, "a room without limits keeps everything");
      assert.equal((await repo.get(unlimited))?.purgedThroughSeq, 0);
      assert.equal(await repo.purgeExpired(new Date(), 100), 0);
      assert.deepEqual(
        (await repo.insertMessages([msg(a)])).map((o) => o.seq),
        [11],
      );
      await repo.delete(a); // the next test counts what a purge deletes
    });

    test("retention by age purges messages older than the limit, never a younger one, and raises purgedThroughSeq", async () => {
      const a = newRoomId();
      await repo.create(a, options({ historyMaxAgeSeconds: 60 }), new Date());
      const now = new Date();
      const ago = (s: number) => new Date(now.getTime() - s * 1000);
      // Seq 1..5: 300, 200, 120, 30 (young), 61 s old: seq 5 is old but after a young one, so it stays (a purge is a prefix).
      await repo.insertMessages([ago(300), ago(200), ago(120), ago(30), ago(61)].map((createdAt) => msg(a, { createdAt })));
      assert.equal(await repo.purgeExpired(now, 2), 2);
      assert.equal((await repo.get(a))?.purgedThroughSeq, 2);
      while ((await repo.purgeExpired(now, 2)) > 0);
      assert.deepEqual(
        (await repo.listMessages(a, "forward", 0, 100)).map((m) => m.seq),
        [4, 5],
      );
      assert.equal((await repo.get(a))?.purgedThroughSeq, 3);
      assert.deepEqual(
        (await repo.eventsAfter(a, 0, 100)).map((e) => e.seq),
        [4, 5],
      );
      // Later, everything is old.
      while ((await repo.purgeExpired(new Date(now.getTime() + 120_000), 10)) > 0);
      assert.deepEqual(await repo.listMessages(a, "forward", 0, 100), []);
      assert.equal((await repo.get(a))?.purgedThroughSeq, 5);
    });

    test("purges running on several nodes at once, while rooms are deleted, all succeed and leave each room at its limit", async () => {
      const rooms = Array.from({ length: 6 }, () => newRoomId());
      for (const r of rooms) {
        await repo.create(r, options({ historyMaxCount: 2 }), new Date());
        await repo.insertMessages(Array.from({ length: 40 }, () => msg(r)));
      }
      const purgeAll = async () => {
        let total = 0;
        for (let n = 1; n > 0; total += n) n = await repo.purgeExpired(new Date(), 15);
        return total;
      };
      const [purged] = await Promise.all([
        Promise.all([purgeAll(), purgeAll(), purgeAll()]),
        repo.delete(rooms[0]!),
        repo.delete(rooms[3]!),
      ]);
      while ((await purgeAll()) > 0);
      assert.ok(purged.reduce((x, y) => x + y, 0) <= 6 * 38, "no message counted twice");
      for (const r of [rooms[1]!, rooms[2]!, rooms[4]!, rooms[5]!]) {
        assert.deepEqual(
          (await repo.listMessages(r, "forward", 0, 100)).map((m) => m.seq),
          [39, 40],
        );
        assert.equal((await repo.get(r))?.purgedThroughSeq, 38);
      }
      for (const r of [rooms[0]!, rooms[3]!]) assert.equal(await rowCount("room_messages", r), 0);
      for (const r of rooms) await repo.delete(r); // the next test counts what a purge deletes
    });

    test("a database failure is a HeraldError without SQL in its message", async () => {
      const a = newRoomId();
      await repo.create(a, options(), new Date());
      // jsonb cannot hold a NUL character: the insert fails in the database.
      const err = await rejectsWith(repo.insertMessages([msg(a, { content: { text: "a\u0000b" } })]), "internal");
      assert.doesNotMatch(`${err.message} ${String((err.cause as Error)?.message)}`, /insert into|room_messages|json_to_recordset/i);
      assert.equal((await repo.get(a))?.lastSeq, 0);
    });
  });
}
