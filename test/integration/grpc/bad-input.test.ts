import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { ListDirection } from "../../../gen/herald/v1/notification.js";
import { BACKENDS } from "../../support/databases.js";
import { assertGrpcError, connectClient, listAll, listPage, outgoing, query, status } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";

const KEY_A = "test-key-aaaaaaaaaaaaaaaa";
const KEY_B = "test-key-bbbbbbbbbbbbbbbb";
const MAX_MESSAGE = 65_536;

for (const backend of BACKENDS) {
  describe(`bad input over gRPC on ${backend.name}`, () => {
    let node: TestHeraldWithDatabase;

    beforeAll(async () => {
      node = await startTestHeraldOnNewDatabase(backend, {
        HERALD_API_KEYS: `${KEY_A},${KEY_B}`,
        HERALD_GRPC_MAX_MESSAGE_BYTES: String(MAX_MESSAGE),
      });
    });

    afterAll(() => node?.stop());

    test("code <= 0 is INVALID_ARGUMENT naming the field, and nothing of the batch is stored", async () => {
      for (const code of [0, -1, -3, -2147483648]) {
        await assertGrpcError(
          node.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["codes"], code })] }),
          status.INVALID_ARGUMENT,
          /notifications\[0\]\.code/,
        );
      }
      await assertGrpcError(
        node.rpc.sendNotifications({
          notifications: [outgoing({ userIds: ["codes"], code: 1 }), outgoing({ userIds: ["codes"], code: 0 })],
        }),
        status.INVALID_ARGUMENT,
        /notifications\[1\]\.code/,
      );
      assert.deepEqual(await listAll(node.rpc, "codes"), [], "a refused batch stores nothing, not even its valid items");
    });

    test("empty user is INVALID_ARGUMENT naming the field", async () => {
      await assertGrpcError(
        node.rpc.sendNotifications({ notifications: [outgoing({ userIds: [""] })] }),
        status.INVALID_ARGUMENT,
        /notifications\[0\]\.user_ids\[0\]/,
      );
      await assertGrpcError(
        node.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["ok", ""] })] }),
        status.INVALID_ARGUMENT,
        /notifications\[0\]\.user_ids\[1\]/,
      );
      await assertGrpcError(
        node.rpc.sendNotifications({ notifications: [outgoing({ userIds: [] })] }),
        status.INVALID_ARGUMENT,
        /notifications\[0\]\.user_ids/,
      );
      await assertGrpcError(node.rpc.sendNotifications({ notifications: [] }), status.INVALID_ARGUMENT, /notifications/);
      await assertGrpcError(node.rpc.listNotifications({ userId: "", query: query() }), status.INVALID_ARGUMENT, /user_id/);
      await assertGrpcError(node.rpc.getUnreadCount({ userId: "" }), status.INVALID_ARGUMENT, /user_id/);
      await assertGrpcError(node.rpc.deleteNotifications({ userId: "", ids: [crypto.randomUUID()] }), status.INVALID_ARGUMENT, /user_id/);
      await assertGrpcError(
        node.rpc.markNotificationsRead({ userId: "", ids: [crypto.randomUUID()], upToSeq: "0" }),
        status.INVALID_ARGUMENT,
        /user_id/,
      );
    });

    test("limit 101 is INVALID_ARGUMENT naming query.limit (not silently cut); 100 is fine", async () => {
      for (const direction of [ListDirection.LIST_DIRECTION_FORWARD, ListDirection.LIST_DIRECTION_BACKWARD]) {
        await assertGrpcError(listPage(node.rpc, "limits", { limit: 101, direction }), status.INVALID_ARGUMENT, /query\.limit/);
      }
      await assertGrpcError(listPage(node.rpc, "limits", { limit: 1_000_000 }), status.INVALID_ARGUMENT, /query\.limit/);
      const page = await listPage(node.rpc, "limits", { limit: 100 });
      assert.deepEqual(page.notifications, []);
    });

    test("forged, tampered, foreign-user and wrong-direction cursors are INVALID_ARGUMENT naming query.cursor", async () => {
      const { rpc } = node;
      await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["alice", "bob"] })] });
      const alicePage = await listPage(rpc, "alice", { limit: 1 });
      const aliceCursor = alicePage.nextCursor;
      assert.notEqual(aliceCursor, "");
      const [body, mac] = aliceCursor.split(".") as [string, string];
      const forgedBody = Buffer.from("1.f.0").toString("base64url");
      const forged = [
        "not-a-cursor",
        "a.b.c",
        `${forgedBody}.${mac}`, // another position under alice's MAC
        `${body}.${Buffer.alloc(18).toString("base64url")}`, // made-up MAC
        `${body}.${mac.slice(0, -2)}`, // truncated MAC
        "x".repeat(500),
      ];
      for (const cursor of forged) {
        await assertGrpcError(listPage(rpc, "alice", { cursor }), status.INVALID_ARGUMENT, /query\.cursor/);
      }
      // Alice's valid cursor, presented for bob: refused, even though bob has a notification at that seq.
      await assertGrpcError(listPage(rpc, "bob", { cursor: aliceCursor }), status.INVALID_ARGUMENT, /query\.cursor/);
      // A forward cursor used backward.
      await assertGrpcError(
        listPage(rpc, "alice", { cursor: aliceCursor, direction: ListDirection.LIST_DIRECTION_BACKWARD }),
        status.INVALID_ARGUMENT,
        /query\.cursor/,
      );
      // The genuine cursor still works for its owner.
      assert.equal((await listPage(rpc, "alice", { cursor: aliceCursor })).notifications.length, 0);
    });

    test("oversized content (> 16 KiB) is INVALID_ARGUMENT naming the field; just under the limit is fine", async () => {
      const { rpc } = node;
      await assertGrpcError(
        rpc.sendNotifications({ notifications: [outgoing({ userIds: ["big"], content: { blob: "x".repeat(16 * 1024) } })] }),
        status.INVALID_ARGUMENT,
        /notifications\[0\]\.content/,
      );
      const ok = await rpc.sendNotifications({
        notifications: [outgoing({ userIds: ["big"], content: { blob: "x".repeat(16 * 1024 - 100) } })],
      });
      assert.equal(ok.results.length, 1);
      await assertGrpcError(
        rpc.sendNotifications({ notifications: [outgoing({ userIds: ["big"], subject: "s".repeat(1025) })] }),
        status.INVALID_ARGUMENT,
        /notifications\[0\]\.subject/,
      );
      assert.equal((await listAll(rpc, "big")).length, 1);
    });

    test(`a gRPC message over the configured maximum (${MAX_MESSAGE} bytes) is RESOURCE_EXHAUSTED and stores nothing`, async () => {
      const notifications = Array.from({ length: 10 }, (_, i) =>
        outgoing({ userIds: ["huge"], subject: `${i}`, content: { blob: "y".repeat(10 * 1024) } }),
      );
      await assertGrpcError(node.rpc.sendNotifications({ notifications }), status.RESOURCE_EXHAUSTED);
      assert.deepEqual(await listAll(node.rpc, "huge"), []);
      // The server is still fine after refusing it.
      await node.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["huge"] })] });
      assert.equal((await listAll(node.rpc, "huge")).length, 1);
    });

    test("no API key, a wrong key or a malformed header is UNAUTHENTICATED; every configured key works", async () => {
      const req = { notifications: [outgoing({ userIds: ["auth-user"] })] };
      await assertGrpcError(node.rpc.sendNotifications(req, { apiKey: null }), status.UNAUTHENTICATED);
      await assertGrpcError(node.rpc.sendNotifications(req, { apiKey: "wrong-key-0123456789abcdef" }), status.UNAUTHENTICATED);
      await assertGrpcError(node.rpc.sendNotifications(req, { apiKey: `${KEY_A}x` }), status.UNAUTHENTICATED);
      await assertGrpcError(node.rpc.sendNotifications(req, { apiKey: "" }), status.UNAUTHENTICATED);
      await assertGrpcError(node.rpc.sendNotifications(req, { authorization: KEY_A }), status.UNAUTHENTICATED);
      await assertGrpcError(node.rpc.sendNotifications(req, { authorization: `Basic ${KEY_A}` }), status.UNAUTHENTICATED);
      await assertGrpcError(node.rpc.listNotifications({ userId: "auth-user", query: query() }, { apiKey: null }), status.UNAUTHENTICATED);
      await assertGrpcError(node.rpc.getUnreadCount({ userId: "auth-user" }, { apiKey: "nope-nope-nope-nope" }), status.UNAUTHENTICATED);
      assert.deepEqual(await listAll(node.rpc, "auth-user"), [], "refused calls stored nothing");

      await node.rpc.sendNotifications(req, { apiKey: KEY_A });
      await node.rpc.sendNotifications(req, { apiKey: KEY_B });
      await node.rpc.sendNotifications(req, { authorization: `bearer   ${KEY_B}` });
      assert.equal((await listAll(node.rpc, "auth-user")).length, 3);
    });

    test("deleting or marking read another user's ids: OK with 0 changed, the owner's data untouched", async () => {
      const { rpc } = node;
      const sent = await rpc.sendNotifications({
        notifications: [outgoing({ userIds: ["owner"], subject: "one" }), outgoing({ userIds: ["owner"], subject: "two" })],
      });
      const ids = sent.results.map((r) => r.notificationId);
      await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["intruder"] })] });
      const before = await listAll(rpc, "owner");

      const del = await rpc.deleteNotifications({ userId: "intruder", ids });
      assert.equal(del.deletedCount, 0);
      assert.deepEqual(del.deletedIds, []);
      assert.equal(del.unreadCount, 1, "the intruder's own unread count");

      const read = await rpc.markNotificationsRead({ userId: "intruder", ids, upToSeq: "0" });
      assert.equal(read.updatedCount, 0);
      assert.deepEqual(read.updatedIds, []);

      const delUnknown = await rpc.deleteNotifications({ userId: "nobody", ids: [crypto.randomUUID()] });
      assert.equal(delUnknown.deletedCount, 0);

      assert.deepEqual(await listAll(rpc, "owner"), before, "the owner's notifications are unchanged");
      assert.equal((await rpc.getUnreadCount({ userId: "owner" })).unreadCount, 2);
      assert.equal((await rpc.getUnreadCount({ userId: "intruder" })).unreadCount, 1);

      // The owner can delete them.
      const own = await rpc.deleteNotifications({ userId: "owner", ids: [ids[0]!] });
      assert.equal(own.deletedCount, 1);
      assert.deepEqual(own.deletedIds, [ids[0]]);
    });

    test("NUL (U+0000), which Postgres refuses, is INVALID_ARGUMENT naming the field wherever it is; nothing is stored", async () => {
      const { rpc } = node;
      const sends: Array<[Parameters<typeof outgoing>[0], RegExp]> = [
        [{ userIds: ["nul"], subject: "a\u0000b" }, /notifications\[0\]\.subject: contains U\+0000/],
        [{ userIds: ["nul"], content: { "k\u0000": 1 } }, /notifications\[0\]\.content: a key at the top level contains U\+0000/],
        [
          { userIds: ["nul"], content: { a: { b: [1, { c: "x\u0000" }] } } },
          /notifications\[0\]\.content: the string at \.a\.b\[1\]\.c contains U\+0000/,
        ],
        [{ userIds: ["nul"], senderId: "svc\u0000" }, /notifications\[0\]\.sender_id/],
        [{ userIds: ["nul"], idempotencyKey: "key\u0000" }, /notifications\[0\]\.idempotency_key: contains U\+0000/],
        [{ userIds: ["nul", "nul\u0000x"] }, /notifications\[0\]\.user_ids\[1\]/],
      ];
      for (const [o, message] of sends) {
        const err = await assertGrpcError(rpc.sendNotifications({ notifications: [outgoing(o)] }), status.INVALID_ARGUMENT, message);
        assert.doesNotMatch(err.details, /\u0000/, "the message does not echo the NUL");
      }
      await assertGrpcError(rpc.listNotifications({ userId: "nul\u0000", query: query() }), status.INVALID_ARGUMENT, /user_id/);
      await assertGrpcError(rpc.getUnreadCount({ userId: "\u0000" }), status.INVALID_ARGUMENT, /user_id/);
      await assertGrpcError(
        rpc.disconnectUser({ userId: "nul", reason: "why\u0000" }),
        status.INVALID_ARGUMENT,
        /reason: contains U\+0000/,
      );
      await assertGrpcError(rpc.banUser({ userId: "nul", reason: "\u0000" }), status.INVALID_ARGUMENT, /reason: contains U\+0000/);
      assert.deepEqual(await listAll(rpc, "nul"), [], "nothing was stored, not even a system notification");
      // The server is fine and the user usable.
      await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["nul"], subject: "fine", content: { ok: "\t\n" } })] });
      assert.equal((await listAll(rpc, "nul")).length, 1);
    });

    test("ill-formed UTF-16 (a lone surrogate) in any user id or text is INVALID_ARGUMENT: bob\\ud800 never reaches bob\\ufffd's inbox", async () => {
      // gRPC carries UTF-8, which cannot hold a lone surrogate: the domain services (shared with the WebSocket side) are called directly.
      const { inbox, moderation } = node.herald;
      const invalid = async (p: Promise<unknown>, field: RegExp) =>
        assert.rejects(p, (e: { code?: string; field?: string }) => e.code === "invalid_argument" && field.test(e.field ?? ""));
      const send = (o: Partial<Parameters<typeof inbox.send>[0][0]>) =>
        inbox.send([
          {
            userIds: ["bob\ufffd"],
            code: 1,
            subject: "",
            content: {},
            senderId: "",
            persistent: true,
            idempotencyKey: "",
            expireAt: null,
            ...o,
          },
        ]);
      await invalid(send({ userIds: ["bob\ud800"] }), /^notifications\[0\]\.user_ids\[0\]$/);
      await invalid(send({ subject: "\udc00" }), /^notifications\[0\]\.subject$/);
      await invalid(send({ content: { k: ["\ud83d"] } }), /^notifications\[0\]\.content$/);
      await invalid(send({ senderId: "svc\ud800" }), /^notifications\[0\]\.sender_id$/);
      await invalid(send({ idempotencyKey: "\ud800k" }), /^notifications\[0\]\.idempotency_key$/);
      await invalid(
        inbox.list("bob\ud800", { limit: 10, cursor: "", direction: "forward", unreadOnly: false, systemFilter: "include" }),
        /^user_id$/,
      );
      await invalid(inbox.unreadCount("bob\ud800"), /^user_id$/);
      await invalid(inbox.ack("bob\ud800", [crypto.randomUUID()]), /^user_id$/);
      await invalid(inbox.markRead("bob\ud800", { upToSeq: 1 }), /^user_id$/);
      await invalid(inbox.delete("bob\ud800", [crypto.randomUUID()]), /^user_id$/);
      await invalid(moderation.ban("bob\ud800", ""), /^user_id$/);
      await invalid(moderation.disconnect("bob", "\ud800"), /^reason$/);
      await send({ subject: "for bob\ufffd" });
      const page = await listPage(node.rpc, "bob\ufffd", {});
      assert.deepEqual(
        page.notifications.map((n) => n.subject),
        ["for bob\ufffd"],
        "only the well-formed id's own notification",
      );
    });

    test("malformed ids and mark-read arguments are INVALID_ARGUMENT naming the field", async () => {
      const { rpc } = node;
      await assertGrpcError(rpc.deleteNotifications({ userId: "u", ids: [] }), status.INVALID_ARGUMENT, /ids/);
      await assertGrpcError(
        rpc.deleteNotifications({ userId: "u", ids: [crypto.randomUUID(), "not-a-uuid"] }),
        status.INVALID_ARGUMENT,
        /ids\[1\]/,
      );
      await assertGrpcError(rpc.markNotificationsRead({ userId: "u", ids: [], upToSeq: "0" }), status.INVALID_ARGUMENT, /ids/);
      await assertGrpcError(
        rpc.markNotificationsRead({ userId: "u", ids: [crypto.randomUUID()], upToSeq: "3" }),
        status.INVALID_ARGUMENT,
        /ids/,
      );
      await assertGrpcError(
        rpc.sendNotifications({ notifications: [outgoing({ userIds: ["u"], expireTime: new Date(Date.now() - 1000).toISOString() })] }),
        status.INVALID_ARGUMENT,
        /notifications\[0\]\.expire_time/,
      );
      await assertGrpcError(
        rpc.sendNotifications({ notifications: [outgoing({ userIds: ["u", "u"] })] }),
        status.INVALID_ARGUMENT,
        /notifications\[0\]\.user_ids\[1\]/,
      );
      await assertGrpcError(
        rpc.sendNotifications({ notifications: Array.from({ length: 1001 }, () => outgoing({ userIds: ["u"] })) }),
        status.INVALID_ARGUMENT,
        /notifications/,
      );
    });
  });
}

describe("gRPC client without credentials", () => {
  test("a client that never sends metadata is refused (UNAUTHENTICATED)", async () => {
    const node = await startTestHeraldOnNewDatabase(BACKENDS[0]!);
    const bare = connectClient(node.grpcPort, "unused");
    try {
      await assertGrpcError(
        new Promise((resolve, reject) => bare.client.getUnreadCount({ userId: "u" }, (err, res) => (err ? reject(err) : resolve(res)))),
        status.UNAUTHENTICATED,
        /API key/,
      );
    } finally {
      bare.client.close();
      await node.stop();
    }
  });
});
