import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { ListDirection, SystemCode, SystemFilter } from "../../../gen/herald/v1/notification.js";
import { BACKENDS } from "../../support/databases.js";
import { listAll, listPage, outgoing, type Rpc } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";
import { waitFor } from "../../support/wait.js";

const FORWARD = ListDirection.LIST_DIRECTION_FORWARD;
const BACKWARD = ListDirection.LIST_DIRECTION_BACKWARD;

async function sendMany(rpc: Rpc, userId: string, count: number, from = 1): Promise<string[]> {
  const res = await rpc.sendNotifications({
    notifications: Array.from({ length: count }, (_, i) => outgoing({ userIds: [userId], subject: `n${from + i}`, code: 100 + from + i })),
  });
  return res.results.map((r) => r.notificationId);
}

const seqs = (page: { notifications: Array<{ seq: string }> }) => page.notifications.map((n) => Number(n.seq));

for (const backend of BACKENDS) {
  describe(`listing over gRPC on ${backend.name}`, () => {
    let node: TestHeraldWithDatabase;

    beforeAll(async () => {
      node = await startTestHeraldOnNewDatabase(backend, { HERALD_PURGE_INTERVAL_MS: "1000" });
    });

    afterAll(() => node?.stop());

    test("forward sync: oldest first, and the cacheable cursor later returns only newer notifications", async () => {
      const { rpc } = node;
      const ids = await sendMany(rpc, "fwd", 5);
      const first = await listPage(rpc, "fwd", {});
      assert.deepEqual(seqs(first), [1, 2, 3, 4, 5]);
      assert.deepEqual(
        first.notifications.map((n) => n.id),
        ids,
      );
      assert.deepEqual(
        first.notifications.map((n) => n.subject),
        ["n1", "n2", "n3", "n4", "n5"],
      );
      assert.equal(first.hasMore, false);
      assert.notEqual(first.nextCursor, "");
      assert.equal(first.syncCursor, "");
      const n1 = first.notifications[0]!;
      assert.equal(n1.userId, "fwd");
      assert.equal(n1.code, 101);
      assert.equal(n1.persistent, true);
      assert.deepEqual(n1.content, {});
      assert.equal(n1.readTime, undefined);
      assert.ok(n1.createTime && !Number.isNaN(Date.parse(n1.createTime)));

      const cached = first.nextCursor;
      const nothingNew = await listPage(rpc, "fwd", { cursor: cached });
      assert.deepEqual(nothingNew.notifications, []);
      assert.equal(nothingNew.hasMore, false);
      assert.notEqual(nothingNew.nextCursor, "", "an empty forward page still returns a cursor to resume from");

      await sendMany(rpc, "fwd", 3, 6);
      const newer = await listPage(rpc, "fwd", { cursor: cached });
      assert.deepEqual(seqs(newer), [6, 7, 8], "only the notifications sent after the cursor");
      const again = await listPage(rpc, "fwd", { cursor: cached });
      assert.deepEqual(seqs(again), [6, 7, 8], "the cursor is cacheable: reusing it gives the same answer");
      const fromEmpty = await listPage(rpc, "fwd", { cursor: nothingNew.nextCursor });
      assert.deepEqual(seqs(fromEmpty), [6, 7, 8]);
      assert.deepEqual(seqs(await listPage(rpc, "fwd", { cursor: newer.nextCursor })), []);
    });

    test("forward paging with a small limit: has_more until the last page", async () => {
      const { rpc } = node;
      await sendMany(rpc, "fwd-pages", 7);
      const pages: number[][] = [];
      const more: boolean[] = [];
      let cursor = "";
      for (let i = 0; i < 10; i++) {
        const p = await listPage(rpc, "fwd-pages", { limit: 3, cursor, direction: FORWARD });
        pages.push(seqs(p));
        more.push(p.hasMore);
        cursor = p.nextCursor;
        if (!p.hasMore) break;
      }
      assert.deepEqual(pages, [[1, 2, 3], [4, 5, 6], [7]]);
      assert.deepEqual(more, [true, true, false]);
    });

    test("backward paging: newest first with next_cursor until exhausted; sync_cursor resumes forward", async () => {
      const { rpc } = node;
      await sendMany(rpc, "back", 7);
      const pages: number[][] = [];
      const more: boolean[] = [];
      let cursor = "";
      let syncCursor = "";
      for (let i = 0; i < 10; i++) {
        const p = await listPage(rpc, "back", { limit: 3, cursor, direction: BACKWARD });
        pages.push(seqs(p));
        more.push(p.hasMore);
        if (i === 0) syncCursor = p.syncCursor;
        else assert.equal(p.syncCursor, "", "only the first backward page carries a sync cursor");
        if (!p.hasMore) {
          assert.equal(p.nextCursor, "", "no next cursor once exhausted");
          break;
        }
        assert.notEqual(p.nextCursor, "");
        cursor = p.nextCursor;
      }
      assert.deepEqual(pages, [[7, 6, 5], [4, 3, 2], [1]]);
      assert.deepEqual(more, [true, true, false]);

      assert.notEqual(syncCursor, "");
      assert.deepEqual(seqs(await listPage(rpc, "back", { cursor: syncCursor })), [], "sync cursor sits at the newest");
      await sendMany(rpc, "back", 2, 8);
      assert.deepEqual(seqs(await listPage(rpc, "back", { cursor: syncCursor })), [8, 9]);

      const exact = await listPage(rpc, "back", { limit: 9, direction: BACKWARD });
      assert.deepEqual(seqs(exact), [9, 8, 7, 6, 5, 4, 3, 2, 1]);
      assert.equal(exact.hasMore, false, "a page that holds exactly the rest has no more");
      assert.equal(exact.nextCursor, "");

      const empty = await listPage(rpc, "nobody-back", { direction: BACKWARD });
      assert.deepEqual(empty.notifications, []);
      assert.equal(empty.hasMore, false);
      assert.equal(empty.nextCursor, "");
    });

    test("unread only: read ones disappear, by ids and by up_to_seq; unread count follows", async () => {
      const { rpc } = node;
      const ids = await sendMany(rpc, "unread", 6);
      assert.equal((await rpc.getUnreadCount({ userId: "unread" })).unreadCount, 6);
      const byIds = await rpc.markNotificationsRead({ userId: "unread", ids: [ids[1]!, ids[4]!], upToSeq: "0" });
      assert.equal(byIds.updatedCount, 2);
      assert.deepEqual([...byIds.updatedIds].sort(), [ids[1]!, ids[4]!].sort());
      assert.equal(byIds.unreadCount, 4);
      assert.deepEqual(seqs(await listPage(rpc, "unread", { unreadOnly: true })), [1, 3, 4, 6]);
      assert.deepEqual(seqs(await listPage(rpc, "unread", { unreadOnly: true, direction: BACKWARD })), [6, 4, 3, 1]);
      const all = await listPage(rpc, "unread", {});
      assert.deepEqual(seqs(all), [1, 2, 3, 4, 5, 6], "without the filter, read ones are still listed");
      assert.ok(all.notifications[1]!.readTime, "a read notification has a read time");
      assert.equal(all.notifications[0]!.readTime, undefined);

      const upTo = await rpc.markNotificationsRead({ userId: "unread", ids: [], upToSeq: "3" });
      assert.equal(upTo.updatedCount, 2, "seq 1 and 3 were still unread");
      assert.equal(upTo.unreadCount, 2);
      assert.deepEqual(seqs(await listPage(rpc, "unread", { unreadOnly: true })), [4, 6]);
      assert.equal((await rpc.getUnreadCount({ userId: "unread" })).unreadCount, 2);
    });

    test("system filter: server-emitted notifications (ban, disconnect, unban) excluded or only", async () => {
      const { rpc } = node;
      await sendMany(rpc, "sys", 1);
      const ban = await rpc.banUser({ userId: "sys", reason: "spam" });
      assert.notEqual(ban.notificationId, "");
      await sendMany(rpc, "sys", 1, 2);
      const disc = await rpc.disconnectUser({ userId: "sys", reason: "maintenance" });
      const unban = await rpc.unbanUser({ userId: "sys" });
      assert.notEqual(unban.notificationId, "", "unbanning a banned user stores an UNBANNED notification");
      const notBanned = await rpc.unbanUser({ userId: "sys" });
      assert.equal(notBanned.notificationId, "", "unbanning a user who is not banned stores nothing");

      const codes = async (systemFilter: SystemFilter, direction = FORWARD) =>
        (await listPage(rpc, "sys", { systemFilter, direction })).notifications.map((n) => n.code);
      const B = SystemCode.SYSTEM_CODE_BANNED;
      const D = SystemCode.SYSTEM_CODE_DISCONNECTED;
      const U = SystemCode.SYSTEM_CODE_UNBANNED;
      assert.deepEqual(await codes(SystemFilter.SYSTEM_FILTER_INCLUDE), [101, B, 102, D, U]);
      assert.deepEqual(await codes(SystemFilter.SYSTEM_FILTER_UNSPECIFIED), [101, B, 102, D, U], "unspecified means include");
      assert.deepEqual(await codes(SystemFilter.SYSTEM_FILTER_EXCLUDE), [101, 102]);
      assert.deepEqual(await codes(SystemFilter.SYSTEM_FILTER_ONLY), [B, D, U]);
      assert.deepEqual(await codes(SystemFilter.SYSTEM_FILTER_ONLY, BACKWARD), [U, D, B]);

      const all = (await listPage(rpc, "sys", {})).notifications;
      const banned = all.find((n) => n.id === ban.notificationId)!;
      assert.equal(banned.code, B);
      assert.deepEqual(banned.content, { reason: "spam" });
      assert.equal(banned.senderId, "", "system notifications come from the server");
      assert.equal(banned.persistent, true);
      assert.deepEqual(all.find((n) => n.id === disc.notificationId)!.content, { reason: "maintenance" });
      assert.deepEqual(seqs({ notifications: all }), [1, 2, 3, 4, 5], "system notifications take seqs like any other");
    });

    test("system notifications emitted in-process (inbox.emitSystem) are stored and filtered the same way", async () => {
      const { rpc } = node;
      await sendMany(rpc, "emit", 2);
      const id = await node.herald.inbox.emitSystem("emit", SystemCode.SYSTEM_CODE_DISCONNECTED, "bye");
      const only = await listPage(rpc, "emit", { systemFilter: SystemFilter.SYSTEM_FILTER_ONLY });
      assert.deepEqual(
        only.notifications.map((n) => [n.id, n.code, n.seq]),
        [[id, SystemCode.SYSTEM_CODE_DISCONNECTED, "3"]],
      );
      assert.equal((await listPage(rpc, "emit", { systemFilter: SystemFilter.SYSTEM_FILTER_EXCLUDE })).notifications.length, 2);
    });

    test("limit 0 means 50; 100 is the most per page", async () => {
      const { rpc } = node;
      await sendMany(rpc, "many", 120);
      const def = await listPage(rpc, "many", { limit: 0 });
      assert.equal(def.notifications.length, 50);
      assert.equal(def.hasMore, true);
      const defBack = await listPage(rpc, "many", { limit: 0, direction: BACKWARD });
      assert.equal(defBack.notifications.length, 50);
      assert.equal(defBack.notifications[0]!.seq, "120");
      const max = await listPage(rpc, "many", { limit: 100 });
      assert.equal(max.notifications.length, 100);
      assert.equal(max.hasMore, true);
      const rest = await listPage(rpc, "many", { limit: 100, cursor: max.nextCursor });
      assert.deepEqual(
        seqs(rest),
        Array.from({ length: 20 }, (_, i) => 101 + i),
      );
      assert.equal(rest.hasMore, false);
      assert.equal((await listAll(rpc, "many")).length, 120);
    });

    test("ephemeral notifications are answered but never stored", async () => {
      const { rpc } = node;
      const res = await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["eph"], persistent: false })] });
      assert.equal(res.results[0]!.seq, "0");
      assert.notEqual(res.results[0]!.notificationId, "");
      assert.deepEqual(await listAll(rpc, "eph"), []);
      assert.equal((await rpc.getUnreadCount({ userId: "eph" })).unreadCount, 0);
    });

    test("an expired notification disappears from listings and counts", async () => {
      const { rpc } = node;
      const expireTime = new Date(Date.now() + 1500).toISOString();
      const res = await rpc.sendNotifications({
        notifications: [outgoing({ userIds: ["exp"], subject: "soon gone", expireTime }), outgoing({ userIds: ["exp"], subject: "stays" })],
      });
      const listed = await listPage(rpc, "exp", {});
      assert.deepEqual(
        listed.notifications.map((n) => n.subject),
        ["soon gone", "stays"],
      );
      assert.equal(listed.notifications[0]!.expireTime, expireTime);
      await waitFor(async () => (await listPage(rpc, "exp", {})).notifications.length === 1, {
        timeoutMs: 15_000,
        intervalMs: 100,
        message: "the expired notification is still listed",
      });
      assert.ok(Date.now() >= Date.parse(expireTime), "it disappeared only after its expire time");
      assert.deepEqual(
        (await listPage(rpc, "exp", { direction: BACKWARD })).notifications.map((n) => n.subject),
        ["stays"],
      );
      assert.equal((await rpc.getUnreadCount({ userId: "exp" })).unreadCount, 1);
      // The node's purge timer (HERALD_PURGE_INTERVAL_MS=1000 here) deletes the stored row.
      const storedIds = async () =>
        (await node.herald.db("notifications").where("user_id", "exp").select("id")).map((r: { id: string }) => r.id);
      await waitFor(async () => (await storedIds()).length === 1, {
        timeoutMs: 10_000,
        intervalMs: 100,
        message: "expired row not purged",
      });
      assert.deepEqual(await storedIds(), [res.results[1]!.notificationId]);
    });
  });
}
