import assert from "node:assert/strict";
import { Metadata } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, test } from "vitest";
import { ListDirection } from "../../../gen/herald/v1/notification.js";
import { JoinPolicy, type RoomMessage, type RoomMessageQuery } from "../../../gen/herald/v1/room.js";
import type { OutgoingRoomMessage } from "../../../gen/herald/v1/room_service.js";
import { BACKENDS } from "../../support/databases.js";
import { assertGrpcError, status } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { dynamicUnaryCall, ReflectionClient } from "../../support/reflection-client.js";
import { connectRoomClient, type RoomRpc, roomMessage, roomOptions } from "../../support/room-grpc.js";

const FORWARD = ListDirection.LIST_DIRECTION_FORWARD;
const BACKWARD = ListDirection.LIST_DIRECTION_BACKWARD;

const q = (o: Partial<RoomMessageQuery> = {}): RoomMessageQuery => ({ limit: 0, cursor: "", direction: FORWARD, afterSeq: "0", ...o });

async function page(rooms: RoomRpc, roomId: string, query: Partial<RoomMessageQuery> = {}) {
  const res = await rooms.listRoomMessages({ roomId, query: q(query) });
  assert.ok(res.page, "ListRoomMessages answered without a page");
  return res.page;
}
/** Every stored message of a room, oldest first. */
async function allMessages(rooms: RoomRpc, roomId: string): Promise<RoomMessage[]> {
  const all: RoomMessage[] = [];
  for (let cursor = ""; ; ) {
    const p = await page(rooms, roomId, { limit: 100, cursor });
    all.push(...p.messages);
    if (p.messages.length < 100) return all;
    cursor = p.nextCursor;
  }
}
const seqs = (list: RoomMessage[]) => list.map((m) => Number(m.seq));
const lastSeq = async (rooms: RoomRpc, roomId: string) => (await rooms.getRoom({ roomId })).room?.lastSeq;

for (const backend of BACKENDS) {
  describe(`herald.v1.RoomService over gRPC on ${backend.name}`, () => {
    let node: TestHeraldWithDatabase;
    let rooms: RoomRpc;
    let client: { close(): void } | undefined;

    beforeAll(async () => {
      node = await startTestHeraldOnNewDatabase(backend);
      ({ client, rooms } = connectRoomClient(node.grpcPort, node.apiKey));
    });

    afterAll(async () => {
      client?.close();
      await node?.stop();
    });

    test("create, get, update and delete round-trip options and metadata; a taken id is ALREADY_EXISTS", async () => {
      const metadata = { title: "Team 42", n: 3, nested: { a: [1, "x", true, null] } };
      const first = roomOptions({
        joinPolicy: JoinPolicy.JOIN_POLICY_OPEN,
        membersCanPublish: true,
        presence: true,
        historyMaxCount: 500,
        metadata,
      });
      const created = (await rooms.createRoom({ roomId: "team:42", options: first })).room!;
      assert.equal(created.roomId, "team:42");
      assert.deepEqual(created.options, first);
      assert.equal(created.lastSeq, "0");
      assert.ok(created.createTime && !Number.isNaN(Date.parse(created.createTime)));
      assert.deepEqual((await rooms.getRoom({ roomId: "team:42" })).room, created);

      await assertGrpcError(rooms.createRoom({ roomId: "team:42", options: roomOptions() }), status.ALREADY_EXISTS);
      assert.deepEqual((await rooms.getRoom({ roomId: "team:42" })).room?.options, first, "a refused create changes nothing");

      const second = roomOptions({ membersCanEdit: true, historyMaxAgeSeconds: 3600, metadata: { title: "renamed" } });
      const updated = (await rooms.updateRoom({ roomId: "team:42", options: second })).room!;
      assert.deepEqual(updated.options, second);
      assert.equal(updated.createTime, created.createTime);
      assert.ok(Date.parse(updated.updateTime!) >= Date.parse(created.updateTime!));
      assert.deepEqual((await rooms.getRoom({ roomId: "team:42" })).room, updated);

      await rooms.deleteRoom({ roomId: "team:42" });
      await assertGrpcError(rooms.getRoom({ roomId: "team:42" }), status.NOT_FOUND);
      await assertGrpcError(rooms.deleteRoom({ roomId: "team:42" }), status.NOT_FOUND);
      const again = (await rooms.createRoom({ roomId: "team:42", options: roomOptions() })).room!;
      assert.equal(again.lastSeq, "0", "a deleted id can be created again, empty");
    });

    test("bad room ids and options are INVALID_ARGUMENT naming the field", async () => {
      for (const roomId of ["", "has space", "x".repeat(257), "nul\u0000"])
        await assertGrpcError(rooms.createRoom({ roomId, options: roomOptions() }), status.INVALID_ARGUMENT, /room_id/);
      const big = { s: "x".repeat(5 * 1024) };
      await assertGrpcError(
        rooms.createRoom({ roomId: "meta", options: roomOptions({ metadata: big }) }),
        status.INVALID_ARGUMENT,
        /options\.metadata/,
      );
      await assertGrpcError(
        rooms.createRoom({ roomId: "meta", options: roomOptions({ joinPolicy: 99 as JoinPolicy }) }),
        status.INVALID_ARGUMENT,
        /options\.join_policy/,
      );
      await assertGrpcError(rooms.getRoom({ roomId: "meta" }), status.NOT_FOUND);
    });

    test("every RPC naming a missing room is NOT_FOUND", async () => {
      const roomId = "no:such:room";
      const id = crypto.randomUUID();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["UpdateRoom", () => rooms.updateRoom({ roomId, options: roomOptions() })],
        ["DeleteRoom", () => rooms.deleteRoom({ roomId })],
        ["GetRoom", () => rooms.getRoom({ roomId })],
        ["AddRoomMembers", () => rooms.addRoomMembers({ roomId, userIds: ["alice"] })],
        ["RemoveRoomMembers", () => rooms.removeRoomMembers({ roomId, userIds: ["alice"] })],
        ["ListRoomMembers", () => rooms.listRoomMembers({ roomId, limit: 0, cursor: "" })],
        ["PublishRoomMessages", () => rooms.publishRoomMessages({ messages: [roomMessage({ roomId })] })],
        ["UpdateRoomMessage", () => rooms.updateRoomMessage({ roomId, messageId: id, content: { a: 1 }, tags: {} })],
        ["DeleteRoomMessage", () => rooms.deleteRoomMessage({ roomId, messageId: id })],
        ["ListRoomMessages", () => rooms.listRoomMessages({ roomId, query: q() })],
        ["GetRoomPresence", () => rooms.getRoomPresence({ roomId })],
        ["UnsubscribeUser", () => rooms.unsubscribeUser({ roomId, userId: "alice" })],
      ];
      for (const [name, call] of calls)
        await assertGrpcError(call(), status.NOT_FOUND).catch((err: Error) => {
          throw new Error(`${name}: ${err.message}`);
        });
      // A batch naming one missing room stores nothing in the rooms that exist.
      await rooms.createRoom({ roomId: "exists", options: roomOptions() });
      await assertGrpcError(
        rooms.publishRoomMessages({ messages: [roomMessage({ roomId: "exists" }), roomMessage({ roomId })] }),
        status.NOT_FOUND,
      );
      assert.deepEqual(await allMessages(rooms, "exists"), []);
      assert.equal(await lastSeq(rooms, "exists"), "0");
    });

    test("members: add counts the new ones, list pages by id with a cursor, remove counts the members removed", async () => {
      const roomId = "members";
      await rooms.createRoom({ roomId, options: roomOptions() });
      assert.equal((await rooms.addRoomMembers({ roomId, userIds: ["carol", "alice", "bob"] })).addedCount, 3);
      assert.equal((await rooms.addRoomMembers({ roomId, userIds: ["bob", "dave", "dave"] })).addedCount, 1);
      const p1 = await rooms.listRoomMembers({ roomId, limit: 2, cursor: "" });
      assert.deepEqual(p1.userIds, ["alice", "bob"]);
      assert.notEqual(p1.nextCursor, "");
      const p2 = await rooms.listRoomMembers({ roomId, limit: 2, cursor: p1.nextCursor });
      assert.deepEqual(p2.userIds, ["carol", "dave"]);
      assert.equal(p2.nextCursor, "", "the last page has no cursor");
      assert.equal((await rooms.removeRoomMembers({ roomId, userIds: ["bob", "zed"] })).removedCount, 1);
      assert.deepEqual((await rooms.listRoomMembers({ roomId, limit: 0, cursor: "" })).userIds, ["alice", "carol", "dave"]);

      await assertGrpcError(rooms.addRoomMembers({ roomId, userIds: [] }), status.INVALID_ARGUMENT, /user_ids/);
      await assertGrpcError(rooms.addRoomMembers({ roomId, userIds: ["ok", ""] }), status.INVALID_ARGUMENT, /user_ids\[1\]/);
      await assertGrpcError(rooms.removeRoomMembers({ roomId, userIds: ["a\u0000"] }), status.INVALID_ARGUMENT, /user_ids\[0\]/);
      await assertGrpcError(rooms.listRoomMembers({ roomId, limit: 1001, cursor: "" }), status.INVALID_ARGUMENT, /limit/);
      await assertGrpcError(rooms.listRoomMembers({ roomId, limit: 10, cursor: "!!!" }), status.INVALID_ARGUMENT, /cursor/);
    });

    test("a batch across two rooms gets gapless seqs per room in order; a resent idempotency key is a duplicate", async () => {
      await rooms.createRoom({ roomId: "pub:a", options: roomOptions() });
      await rooms.createRoom({ roomId: "pub:b", options: roomOptions() });
      const first = await rooms.publishRoomMessages({
        messages: [
          roomMessage({ roomId: "pub:a", content: { n: "a1" } }),
          roomMessage({ roomId: "pub:b", content: { n: "b1" }, senderId: "alice" }),
          roomMessage({ roomId: "pub:a", content: { n: "a2" }, idempotencyKey: "k1", tags: { lang: "en" } }),
          roomMessage({ roomId: "pub:b", content: { n: "b2" } }),
          roomMessage({ roomId: "pub:a", content: { n: "ephemeral" }, persistent: false }),
        ],
      });
      assert.deepEqual(
        first.results.map((r) => [r.index, r.seq, r.duplicate]),
        [
          [0, "1", false],
          [1, "1", false],
          [2, "2", false],
          [3, "2", false],
          [4, "0", false],
        ],
      );
      for (const r of first.results) assert.match(r.messageId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/, "UUIDv7 ids");

      const second = await rooms.publishRoomMessages({
        messages: [
          roomMessage({ roomId: "pub:a", content: { n: "resent" }, idempotencyKey: "k1" }),
          roomMessage({ roomId: "pub:a", content: { n: "a3" } }),
          roomMessage({ roomId: "pub:b", content: { n: "b3" }, idempotencyKey: "k1" }),
        ],
      });
      assert.deepEqual(second.results[0], { index: 0, messageId: first.results[2]!.messageId, seq: "2", duplicate: true });
      assert.deepEqual(
        second.results.slice(1).map((r) => [r.seq, r.duplicate]),
        [
          ["3", false],
          ["3", false],
        ],
        "keys are per room",
      );

      const a = await allMessages(rooms, "pub:a");
      assert.deepEqual(seqs(a), [1, 2, 3]);
      assert.deepEqual(
        a.map((m) => m.content),
        [{ n: "a1" }, { n: "a2" }, { n: "a3" }],
        "the ephemeral one and the duplicate are not stored",
      );
      assert.deepEqual(a[1]!.tags, { lang: "en" });
      assert.equal(a[1]!.messageId, first.results[2]!.messageId);
      const b = await allMessages(rooms, "pub:b");
      assert.deepEqual(seqs(b), [1, 2, 3]);
      assert.equal(b[0]!.senderId, "alice");
      assert.equal(await lastSeq(rooms, "pub:a"), "3");
      assert.equal(await lastSeq(rooms, "pub:b"), "3");
    });

    test("a batch with one invalid message is INVALID_ARGUMENT naming messages[i] and stores nothing", async () => {
      const roomId = "strict";
      await rooms.createRoom({ roomId, options: roomOptions() });
      const good = roomMessage({ roomId, content: { ok: true } });
      const bad: Array<[OutgoingRoomMessage, RegExp]> = [
        [roomMessage({ roomId: "bad room" }), /messages\[1\]\.room_id/],
        [roomMessage({ roomId, content: { s: "x".repeat(16 * 1024 + 1) } }), /messages\[1\]\.content/],
        [roomMessage({ roomId, tags: { k: "a\u0000b" } }), /messages\[1\]\.tags/],
        [roomMessage({ roomId, persistent: false, idempotencyKey: "k" }), /messages\[1\]\.idempotency_key/],
        [roomMessage({ roomId, senderId: "bad\u0001" }), /messages\[1\]\.sender_id/],
      ];
      for (const [m, field] of bad)
        await assertGrpcError(rooms.publishRoomMessages({ messages: [good, m] }), status.INVALID_ARGUMENT, field);
      await assertGrpcError(rooms.publishRoomMessages({ messages: [] }), status.INVALID_ARGUMENT, /messages/);
      assert.deepEqual(await allMessages(rooms, roomId), []);
      assert.equal(await lastSeq(rooms, roomId), "0");
    });

    test("update then delete a message: the listing shows the new content, then a tombstone; each is the next seq", async () => {
      const roomId = "edits";
      await rooms.createRoom({ roomId, options: roomOptions() });
      const [sent] = (await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { text: "helo" }, tags: { t: "1" } })] }))
        .results;
      const messageId = sent!.messageId;
      const upd = await rooms.updateRoomMessage({ roomId, messageId, content: { text: "hello" }, tags: { t: "2" } });
      assert.equal(upd.seq, "2");
      const [edited] = await allMessages(rooms, roomId);
      assert.equal(edited!.messageId, messageId);
      assert.equal(edited!.seq, "1", "a message keeps the seq that created it");
      assert.deepEqual(edited!.content, { text: "hello" });
      assert.deepEqual(edited!.tags, { t: "2" });
      assert.equal(edited!.deleted, false);
      assert.ok(Date.parse(edited!.updateTime!) >= Date.parse(edited!.createTime!));

      assert.equal((await rooms.deleteRoomMessage({ roomId, messageId })).seq, "3");
      const [gone] = await allMessages(rooms, roomId);
      assert.equal(gone!.messageId, messageId);
      assert.equal(gone!.deleted, true);
      assert.equal(gone!.content, undefined, "a tombstone has no content");
      assert.equal(await lastSeq(rooms, roomId), "3");

      await assertGrpcError(rooms.updateRoomMessage({ roomId, messageId, content: { a: 1 }, tags: {} }), status.NOT_FOUND);
      await assertGrpcError(rooms.deleteRoomMessage({ roomId, messageId: crypto.randomUUID() }), status.NOT_FOUND);
      await assertGrpcError(rooms.deleteRoomMessage({ roomId, messageId: "nope" }), status.INVALID_ARGUMENT, /message_id/);
      const big = { s: "x".repeat(16 * 1024 + 1) };
      await assertGrpcError(rooms.updateRoomMessage({ roomId, messageId, content: big, tags: {} }), status.INVALID_ARGUMENT, /content/);
      assert.equal(await lastSeq(rooms, roomId), "3", "refused changes spend no seq");
    });

    test("ListRoomMessages: forward from after_seq, backward paging with cursors, at most 100 per page", async () => {
      const roomId = "history";
      await rooms.createRoom({ roomId, options: roomOptions() });
      await rooms.publishRoomMessages({ messages: Array.from({ length: 7 }, (_, i) => roomMessage({ roomId, content: { n: i + 1 } })) });

      const f1 = await page(rooms, roomId, { afterSeq: "3", limit: 2 });
      assert.deepEqual(seqs(f1.messages), [4, 5]);
      const f2 = await page(rooms, roomId, { cursor: f1.nextCursor, limit: 2 });
      assert.deepEqual(seqs(f2.messages), [6, 7]);
      const f3 = await page(rooms, roomId, { cursor: f2.nextCursor, limit: 2 });
      assert.deepEqual(f3.messages, []);
      assert.notEqual(f3.nextCursor, "", "a forward cursor stays usable at the end");
      await rooms.publishRoomMessages({ messages: [roomMessage({ roomId, content: { n: 8 } })] });
      assert.deepEqual(seqs((await page(rooms, roomId, { cursor: f3.nextCursor })).messages), [8]);

      const b1 = await page(rooms, roomId, { direction: BACKWARD, limit: 3 });
      assert.deepEqual(seqs(b1.messages), [8, 7, 6]);
      const b2 = await page(rooms, roomId, { direction: BACKWARD, limit: 3, cursor: b1.nextCursor });
      assert.deepEqual(seqs(b2.messages), [5, 4, 3]);
      const b3 = await page(rooms, roomId, { direction: BACKWARD, limit: 3, cursor: b2.nextCursor });
      assert.deepEqual(seqs(b3.messages), [2, 1]);
      assert.equal(b3.nextCursor, "");
      assert.deepEqual(
        b3.messages.map((m) => m.content),
        [{ n: 2 }, { n: 1 }],
      );

      for (const direction of [FORWARD, BACKWARD])
        await assertGrpcError(page(rooms, roomId, { limit: 101, direction }), status.INVALID_ARGUMENT, /query\.limit/);
      assert.equal((await page(rooms, roomId, { limit: 100 })).messages.length, 8);
      await rooms.createRoom({ roomId: "history:other", options: roomOptions() });
      await assertGrpcError(page(rooms, "history:other", { cursor: f1.nextCursor }), status.INVALID_ARGUMENT, /query\.cursor/);
      await assertGrpcError(page(rooms, roomId, { cursor: f1.nextCursor, direction: BACKWARD }), status.INVALID_ARGUMENT, /query\.cursor/);
      const forged = `${Buffer.from("1.f.0").toString("base64url")}.${f1.nextCursor.split(".")[1]}`;
      await assertGrpcError(page(rooms, roomId, { cursor: forged }), status.INVALID_ARGUMENT, /query\.cursor/);
      await assertGrpcError(page(rooms, roomId, { afterSeq: "-1" }), status.INVALID_ARGUMENT, /query\.after_seq/);
    });

    test("presence of a room nobody joined (presence off or on) is zero users; UnsubscribeUser answers", async () => {
      await rooms.createRoom({ roomId: "quiet", options: roomOptions() });
      await rooms.createRoom({ roomId: "lively", options: roomOptions({ presence: true }) });
      for (const roomId of ["quiet", "lively"])
        assert.deepEqual((await rooms.getRoomPresence({ roomId })).presence, { roomId, users: [], userCount: 0 });
      assert.deepEqual(await rooms.unsubscribeUser({ roomId: "lively", userId: "alice" }), {});
      await assertGrpcError(rooms.unsubscribeUser({ roomId: "lively", userId: "" }), status.INVALID_ARGUMENT, /user_id/);
      await assertGrpcError(rooms.getRoomPresence({ roomId: "" }), status.INVALID_ARGUMENT, /room_id/);
    });

    test("a call without the API key (or with a wrong one) is UNAUTHENTICATED and changes nothing", async () => {
      for (const apiKey of [null, "wrong-key-xxxxxxxxxxxxxxxx"]) {
        await assertGrpcError(rooms.createRoom({ roomId: "keyless", options: roomOptions() }, { apiKey }), status.UNAUTHENTICATED);
        await assertGrpcError(rooms.getRoom({ roomId: "keyless" }, { apiKey }), status.UNAUTHENTICATED);
        await assertGrpcError(
          rooms.publishRoomMessages({ messages: [roomMessage({ roomId: "keyless" })] }, { apiKey }),
          status.UNAUTHENTICATED,
        );
      }
      await assertGrpcError(rooms.getRoom({ roomId: "keyless" }), status.NOT_FOUND);
    });

    test("server reflection lists herald.v1.RoomService and a pool from it calls GetRoom", async () => {
      await rooms.createRoom({ roomId: "reflected", options: roomOptions({ presence: true }) });
      const md = new Metadata();
      md.set("authorization", `Bearer ${node.apiKey}`);
      const address = `127.0.0.1:${node.grpcPort}`;
      const refl = new ReflectionClient(address, "v1", md);
      try {
        assert.ok((await refl.listServices()).includes("herald.v1.RoomService"));
        const [file] = await refl.fetchFiles({ file_containing_symbol: "herald.v1.RoomService" });
        assert.equal(file?.name, "herald/v1/room_service.proto");
        await refl.resolveImports();
        const res = (await dynamicUnaryCall(
          refl.pool(file.name),
          address,
          "herald.v1.RoomService",
          "GetRoom",
          { roomId: "reflected" },
          md,
        )) as {
          room: { roomId: string; options: { presence?: boolean } };
        };
        assert.equal(res.room.roomId, "reflected");
        assert.equal(res.room.options.presence, true);
      } finally {
        refl.close();
      }
    });
  });
}
