import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, test } from "vitest";
import type { InboxQuery } from "../../../src/domain/notification.js";
import type { NewNotification } from "../../../src/domain/ports.js";
import { NotificationRepository } from "../../../src/storage/notification-repository.js";
import { BACKENDS, openMigratedDatabase, type OpenTestDatabase } from "../../support/databases.js";

let userCounter = 0;
/** A user id no other test of this file uses. */
function newUser(): string {
  return `user-${++userCounter}-${randomUUID().slice(0, 8)}`;
}

function row(userId: string, o: Partial<NewNotification> = {}): NewNotification {
  return {
    id: randomUUID(),
    userId,
    code: 1,
    subject: "hello",
    content: { a: 1, nested: { b: [1, "two", null] } },
    senderId: "",
    createdAt: new Date(),
    expireAt: null,
    idempotencyKey: "",
    ...o,
  };
}

function q(o: Partial<InboxQuery> = {}): InboxQuery {
  return { limit: 100, direction: "forward", position: 0, unreadOnly: false, systemFilter: "include", ...o };
}

for (const backend of BACKENDS) {
  describe(`NotificationRepository on ${backend.name}`, () => {
    let store: OpenTestDatabase;
    let repo: NotificationRepository;

    beforeAll(async () => {
      store = await openMigratedDatabase(backend);
      repo = new NotificationRepository({ db: store.db });
    });

    afterAll(() => store?.close());

    test("insertBatch stores every field and numbers each user's rows 1, 2, 3... in input order", async () => {
      const alice = newUser();
      const bob = newUser();
      const expireAt = new Date(Date.now() + 3_600_000);
      const input = [
        row(alice, { subject: "a1", senderId: "svc", code: 7 }),
        row(bob, { subject: "b1" }),
        row(alice, { subject: "a2", expireAt }),
        row(alice, { subject: "a3" }),
        row(bob, { subject: "b2" }),
      ];
      const out = await repo.insertBatch(input);
      assert.deepEqual(
        out.map((o) => [o.seq, o.duplicate]),
        [
          [1, false],
          [1, false],
          [2, false],
          [3, false],
          [2, false],
        ],
      );
      assert.deepEqual(
        out.map((o) => o.id),
        input.map((r) => r.id),
      );
      const more = await repo.insertBatch([row(alice), row(bob)]);
      assert.deepEqual(
        more.map((o) => o.seq),
        [4, 3],
        "numbering continues across batches",
      );
      assert.equal(await repo.lastSeq(alice), 4);
      assert.equal(await repo.lastSeq(bob), 3);
      assert.equal(await repo.lastSeq(newUser()), 0);

      const listed = await repo.list(alice, q());
      assert.deepEqual(
        listed.map((n) => n.subject),
        ["a1", "a2", "a3", "hello"],
      );
      const first = listed[0]!;
      assert.equal(first.id, input[0]!.id);
      assert.equal(first.userId, alice);
      assert.equal(first.code, 7);
      assert.equal(first.senderId, "svc");
      assert.deepEqual(first.content, { a: 1, nested: { b: [1, "two", null] } });
      assert.equal(first.persistent, true);
      assert.equal(first.readAt, null);
      assert.equal(first.ackAt, null);
      assert.equal(first.expireAt, null);
      assert.equal(first.createdAt.getTime(), input[0]!.createdAt.getTime());
      assert.equal(listed[1]!.expireAt?.getTime(), expireAt.getTime());
    });

    test("a batch is atomic: a failing row stores nothing and advances no counter", async () => {
      const alice = newUser();
      await repo.insertBatch([row(alice)]);
      const dupId = randomUUID();
      await assert.rejects(repo.insertBatch([row(alice, { id: dupId }), row(alice, { id: dupId })]));
      assert.equal((await repo.list(alice, q())).length, 1);
      assert.equal(await repo.lastSeq(alice), 1);
      const [next] = await repo.insertBatch([row(alice)]);
      assert.equal(next!.seq, 2, "no gap after a failed batch");
    });

    test("list: forward after a position, backward before a position, limit", async () => {
      const u = newUser();
      await repo.insertBatch(Array.from({ length: 10 }, (_, i) => row(u, { subject: `n${i + 1}` })));
      const seqs = async (o: Partial<InboxQuery>) => (await repo.list(u, q(o))).map((n) => n.seq);
      assert.deepEqual(await seqs({}), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(await seqs({ position: 7 }), [8, 9, 10]);
      assert.deepEqual(await seqs({ position: 2, limit: 3 }), [3, 4, 5]);
      assert.deepEqual(await seqs({ position: 10 }), []);
      assert.deepEqual(await seqs({ direction: "backward", limit: 3 }), [10, 9, 8]);
      assert.deepEqual(await seqs({ direction: "backward", position: 4 }), [3, 2, 1]);
      assert.deepEqual(await seqs({ direction: "backward", position: 1 }), []);
      assert.deepEqual(await repo.listAfter(u, 8, 100).then((l) => l.map((n) => n.seq)), [9, 10]);
      assert.deepEqual(await repo.list(newUser(), q()), [], "another user's inbox is empty");
    });

    test("list filters: unread only, system notifications excluded or only", async () => {
      const u = newUser();
      const out = await repo.insertBatch([
        row(u, { code: 5 }),
        row(u, { code: -3 }),
        row(u, { code: 6 }),
        row(u, { code: -2 }),
        row(u, { code: 0 }),
      ]);
      const codes = async (o: Partial<InboxQuery>) => (await repo.list(u, q(o))).map((n) => n.code);
      assert.deepEqual(await codes({}), [5, -3, 6, -2, 0]);
      assert.deepEqual(await codes({ systemFilter: "exclude" }), [5, 6]);
      assert.deepEqual(await codes({ systemFilter: "only" }), [-3, -2, 0]);
      await repo.markRead(u, { ids: [out[0]!.id, out[1]!.id] });
      assert.deepEqual(await codes({ unreadOnly: true }), [6, -2, 0]);
      assert.deepEqual(await codes({ unreadOnly: true, systemFilter: "exclude" }), [6]);
      assert.deepEqual(await codes({ unreadOnly: true, direction: "backward" }), [0, -2, 6]);
    });

    test("markRead by ids and up to a seq, unreadCount, only for the owner", async () => {
      const u = newUser();
      const other = newUser();
      const out = await repo.insertBatch(Array.from({ length: 6 }, () => row(u)));
      const otherOut = await repo.insertBatch([row(other)]);
      assert.equal(await repo.unreadCount(u), 6);

      const r1 = await repo.markRead(u, { ids: [out[0]!.id, out[2]!.id] });
      assert.equal(r1.count, 2);
      assert.deepEqual([...r1.ids].sort(), [out[0]!.id, out[2]!.id].sort());
      assert.equal(await repo.unreadCount(u), 4);

      const again = await repo.markRead(u, { ids: [out[0]!.id] });
      assert.deepEqual(again, { count: 0, ids: [] }, "already read: nothing changes");

      const foreign = await repo.markRead(other, { ids: [out[1]!.id, out[3]!.id] });
      assert.deepEqual(foreign, { count: 0, ids: [] }, "another user's ids change nothing");
      assert.equal(await repo.unreadCount(u), 4);

      const r2 = await repo.markRead(u, { upToSeq: 4 });
      assert.equal(r2.count, 2, "seq 2 and 4 were still unread");
      assert.deepEqual(r2.ids, []);
      assert.equal(await repo.unreadCount(u), 2);
      const readSeqs = (await repo.list(u, q())).filter((n) => n.readAt !== null).map((n) => n.seq);
      assert.deepEqual(readSeqs, [1, 2, 3, 4]);
      assert.equal(await repo.unreadCount(other), 1, "the other user's notification stays unread");
      assert.equal((await repo.list(other, q()))[0]!.id, otherOut[0]!.id);
    });

    test("deleteByIds deletes only the owner's rows; seq is not reused", async () => {
      const u = newUser();
      const other = newUser();
      const out = await repo.insertBatch([row(u), row(u), row(u)]);
      assert.deepEqual(await repo.deleteByIds(other, [out[0]!.id, out[1]!.id]), [], "another user deletes nothing");
      assert.equal((await repo.list(u, q())).length, 3);
      assert.deepEqual(await repo.deleteByIds(u, [out[1]!.id, randomUUID()]), [out[1]!.id]);
      assert.deepEqual(
        (await repo.list(u, q())).map((n) => n.seq),
        [1, 3],
      );
      const [next] = await repo.insertBatch([row(u)]);
      assert.equal(next!.seq, 4);
      assert.equal(await repo.unreadCount(u), 3);
    });

    test("ack sets ack time once, only for the owner", async () => {
      const u = newUser();
      const other = newUser();
      const out = await repo.insertBatch([row(u), row(u)]);
      assert.equal(await repo.ack(other, [out[0]!.id]), 0);
      assert.equal(await repo.ack(u, [out[0]!.id]), 1);
      assert.equal(await repo.ack(u, [out[0]!.id, out[1]!.id]), 1, "already acknowledged rows are not counted");
      const listed = await repo.list(u, q());
      assert.ok(listed.every((n) => n.ackAt instanceof Date));
      assert.equal(await repo.unreadCount(u), 2, "acknowledged is not read");
    });

    test("idempotency keys: one row per (user, key), within a batch and across batches", async () => {
      const u = newUser();
      const v = newUser();
      const [a, aDup, b, vA] = await repo.insertBatch([
        row(u, { idempotencyKey: "k" }),
        row(u, { idempotencyKey: "k" }),
        row(u, { idempotencyKey: "k2" }),
        row(v, { idempotencyKey: "k" }),
      ]);
      assert.deepEqual([a!.duplicate, aDup!.duplicate, b!.duplicate, vA!.duplicate], [false, true, false, false]);
      assert.equal(aDup!.id, a!.id);
      assert.equal(aDup!.seq, a!.seq);
      assert.notEqual(vA!.id, a!.id, "the same key for another user is another notification");
      const [resend, fresh] = await repo.insertBatch([row(u, { idempotencyKey: "k" }), row(u)]);
      assert.deepEqual(resend, { id: a!.id, seq: a!.seq, duplicate: true });
      assert.equal(fresh!.seq, 3, "a duplicate consumes no seq");
      assert.equal((await repo.list(u, q())).length, 3);
    });

    test("concurrent batches to one user: gapless seq, one row per idempotency key", async () => {
      const u = newUser();
      const batches = Array.from({ length: 20 }, (_, i) =>
        Array.from({ length: 10 }, (_, j) => row(u, { subject: `${i}/${j}`, idempotencyKey: j === 0 ? "same" : "" })),
      );
      const outs = await Promise.all(batches.map((b) => repo.insertBatch(b)));
      const firsts = outs.map((o) => o[0]!);
      const winners = firsts.filter((o) => !o.duplicate);
      assert.equal(winners.length, 1, "exactly one insert of the shared key wins");
      assert.ok(firsts.every((o) => o.id === winners[0]!.id && o.seq === winners[0]!.seq));
      const listed = await repo.list(u, q({ limit: 1000 }));
      assert.equal(listed.length, 20 * 9 + 1);
      assert.deepEqual(
        listed.map((n) => n.seq),
        Array.from({ length: listed.length }, (_, i) => i + 1),
      );
      // Each batch's own rows are numbered in input order.
      for (const o of outs) {
        const seqs = o.slice(1).map((x) => x.seq);
        assert.deepEqual(
          seqs,
          [...seqs].sort((x, y) => x - y),
        );
      }
    });

    test("expired notifications are never returned and purgeExpired deletes only them", async () => {
      const u = newUser();
      const past = new Date(Date.now() - 60_000);
      const future = new Date(Date.now() + 3_600_000);
      const out = await repo.insertBatch([
        row(u, { subject: "live" }),
        row(u, { subject: "expired", expireAt: past }),
        row(u, { subject: "later", expireAt: future }),
        row(u, { subject: "expired2", expireAt: past }),
      ]);
      const subjects = async (o: Partial<InboxQuery>) => (await repo.list(u, q(o))).map((n) => n.subject);
      assert.deepEqual(await subjects({}), ["live", "later"]);
      assert.deepEqual(await subjects({ direction: "backward" }), ["later", "live"]);
      assert.deepEqual(await subjects({ unreadOnly: true }), ["live", "later"]);
      assert.deepEqual(
        (await repo.listAfter(u, 0, 100)).map((n) => n.subject),
        ["live", "later"],
      );
      assert.equal(await repo.unreadCount(u), 2);

      const expiredIds = [out[1]!.id, out[3]!.id];
      const stored = async () =>
        (await store.db("notifications").where("user_id", u).orderBy("seq").select("id")).map((r: { id: string }) => r.id);
      assert.equal((await stored()).length, 4, "expired rows are hidden, still stored until purged");

      // Only this test stores already-expired rows, so the purge count is exact.
      const purged = await repo.purgeExpired(new Date());
      assert.equal(purged, 2, "purgeExpired returns how many rows it deleted");
      const left = await stored();
      assert.deepEqual(left, [out[0]!.id, out[2]!.id]);
      assert.ok(expiredIds.every((id) => !left.includes(id)));
      assert.equal(await repo.purgeExpired(new Date()), 0, "nothing left to purge");
      const purgedLater = await repo.purgeExpired(new Date(future.getTime() + 1));
      assert.ok(purgedLater >= 1, `purges as of the given time (purged ${purgedLater})`);
      assert.deepEqual(await stored(), [out[0]!.id]);
    });
  });
}
