import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, test } from "vitest";
import type { NewNotification } from "../../../src/domain/ports.js";
import { SendCoalescer } from "../../../src/domain/send-coalescer.js";
import { NotificationRepository } from "../../../src/storage/notification-repository.js";
import { BACKENDS, openMigratedDatabase, type OpenTestDatabase } from "../../support/databases.js";

function rows(users: string[], content: Record<string, unknown> = {}, subject = ""): NewNotification[] {
  const now = new Date();
  return users.map((userId) => ({
    id: randomUUID(),
    userId,
    code: 1,
    subject,
    content,
    senderId: "",
    createdAt: now,
    expireAt: null,
    idempotencyKey: "",
  }));
}

for (const backend of BACKENDS) {
  describe(`SendCoalescer over the real store on ${backend.name}`, () => {
    let store: OpenTestDatabase;
    let repo: NotificationRepository;

    beforeAll(async () => {
      store = await openMigratedDatabase(backend);
      repo = new NotificationRepository({ db: store.db });
    });

    afterAll(() => store?.close());

    test("a send larger than a batch is stored in parts that take turns: small sends queued after it finish first; its seqs stay in input order", async () => {
      const coalescer = new SendCoalescer({ store: repo, maxRows: 100, maxInFlight: 1 });
      const finished: string[] = [];
      // 5 items to the same 200 users: 1,000 rows, 10 parts.
      const users = Array.from({ length: 200 }, (_, i) => `big-${i}`);
      const bigRows = [0, 1, 2, 3, 4].flatMap((item) => rows(users, { item }, `item ${item}`));
      const big = coalescer.store(bigRows).then((out) => {
        finished.push("big");
        return out;
      });
      const small = Array.from({ length: 5 }, (_, i) =>
        coalescer.store(rows([`small-${i}`])).then((out) => {
          finished.push(`small-${i}`);
          return out;
        }),
      );
      const [bigOut] = await Promise.all([big, ...small]);
      assert.equal(finished.at(-1), "big", `order: ${finished.join(", ")}`);
      assert.deepEqual(
        bigOut.map((o) => o.id),
        bigRows.map((r) => r.id),
      );
      // Every user got items 0..4 as seq 1..5, in input order, though the items were stored in parts.
      for (const u of ["big-0", "big-199"]) {
        const inbox = await repo.listAfter(u, 0, 10);
        assert.deepEqual(
          inbox.map((n) => [n.seq, n.subject]),
          [0, 1, 2, 3, 4].map((i) => [i + 1, `item ${i}`]),
        );
      }
      // One body per item, not per recipient.
      const bodies = await store
        .db("notification_contents")
        .whereIn(
          "subject",
          [0, 1, 2, 3, 4].map((i) => `item ${i}`),
        )
        .count<{ n: string | number }>({ n: "*" })
        .first();
      assert.ok(Number(bodies?.n) <= 5 * 2, `a body per item and part at most, got ${bodies?.n}`);
    });

    test("a batch that fails because of one send is retried in halves: only that send fails", async () => {
      await store.db.raw(`
        create or replace function herald_test_refuse() returns trigger language plpgsql as $$
        begin if new.code = 13 then raise exception 'refused'; end if; return new; end $$`);
      await store.db.raw(
        "create trigger herald_test_refuse before insert on notifications for each row execute function herald_test_refuse()",
      );
      try {
        const coalescer = new SendCoalescer({ store: repo, maxRows: 1000, maxInFlight: 1 });
        // The first send occupies the only slot; the 40 that follow are coalesced into one batch.
        const first = coalescer.store(rows(["warm"]));
        const sends = Array.from({ length: 40 }, (_, i) => {
          const r = rows([`iso-${i}`]);
          if (i % 13 === 5) r[0]!.code = 13;
          return coalescer.store(r);
        });
        await first;
        const settled = await Promise.allSettled(sends);
        const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [i] : []));
        assert.deepEqual(failed, [5, 18, 31]);
        for (const i of failed) assert.equal(((settled[i] as PromiseRejectedResult).reason as { code: string }).code, "internal");
        assert.equal((await repo.listAfter("iso-0", 0, 10)).length, 1);
        assert.equal((await repo.listAfter("iso-5", 0, 10)).length, 0);
        assert.equal(await repo.lastSeq("iso-5"), 0, "no seq spent on the refused send");
      } finally {
        await store.db.raw("drop trigger herald_test_refuse on notifications");
      }
    });
  });
}
