import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, test } from "vitest";
import type { NewNotification } from "../../../src/domain/ports.js";
import { NotificationRepository } from "../../../src/storage/notification-repository.js";
import { BACKENDS, openMigratedDatabase, type OpenTestDatabase } from "../../support/databases.js";

/** An item sent to several users: one content object for all its rows, as InboxService builds them. */
function item(users: string[], subject: string, content: Record<string, unknown>, o: Partial<NewNotification> = {}): NewNotification[] {
  const now = new Date();
  return users.map((userId) => ({
    id: randomUUID(),
    userId,
    code: 1,
    subject,
    content,
    senderId: "svc",
    createdAt: now,
    expireAt: null,
    idempotencyKey: "",
    ...o,
  }));
}

for (const backend of BACKENDS) {
  describe(`bodies stored once per item on ${backend.name}`, () => {
    let store: OpenTestDatabase;
    let repo: NotificationRepository;
    const bodies = async () => Number((await store.db("notification_contents").count<{ n: string | number }>({ n: "*" }).first())?.n);
    const rowBytes = async () =>
      Number((await store.db.raw("select coalesce(sum(pg_column_size(content)), 0)::int as n from notifications")).rows[0].n);

    beforeAll(async () => {
      store = await openMigratedDatabase(backend);
      repo = new NotificationRepository({ db: store.db });
    });

    afterAll(() => store?.close());

    test("a 16 KiB item to 1,000 users stores one body; every user reads it whole; lone sends keep their own", async () => {
      const users = Array.from({ length: 1000 }, (_, i) => `fan-${i}`);
      const blob = "z".repeat(16 * 1024 - 20);
      const before = await bodies();
      await repo.insertBatch([...item(users, "shared", { blob }), ...item(["lone"], "lone", { mine: true })]);
      assert.equal((await bodies()) - before, 1, "one body for the 1,000 recipients, none for the lone send");
      assert.ok((await rowBytes()) < 100 * 1024, "the 1,000 rows do not carry the 16 KiB each");
      for (const u of ["fan-0", "fan-999"]) {
        const [n] = await repo.listAfter(u, 0, 10);
        assert.deepEqual([n!.subject, n!.senderId, (n!.content as { blob: string }).blob.length], ["shared", "svc", blob.length]);
      }
      const [lone] = await repo.list("lone", { limit: 10, direction: "backward", position: 0, unreadOnly: false, systemFilter: "include" });
      assert.deepEqual([lone!.subject, lone!.content], ["lone", { mine: true }]);
    });

    test("a shared body goes with the last row that references it: user deletes and the purge of expired rows", async () => {
      const start = await bodies();
      const deleted = item(["d-1", "d-2", "d-3"], "to delete", { d: 1 });
      const expiring = item(["e-1", "e-2"], "to expire", { e: 1 }, { expireAt: new Date(Date.now() + 60_000) });
      await repo.insertBatch([...deleted, ...expiring]);
      assert.equal((await bodies()) - start, 2);

      assert.deepEqual(await repo.deleteByIds("d-1", [deleted[0]!.id]), [deleted[0]!.id]);
      assert.deepEqual(await repo.deleteByIds("d-2", [deleted[1]!.id]), [deleted[1]!.id]);
      assert.equal((await bodies()) - start, 2, "d-3 still reads it");
      assert.equal((await repo.listAfter("d-3", 0, 10))[0]!.subject, "to delete");
      await repo.deleteByIds("d-3", [deleted[2]!.id]);
      assert.equal((await bodies()) - start, 1, "gone with its last row");

      assert.equal(await repo.purgeExpired(new Date(Date.now() + 120_000)), 2);
      assert.equal((await bodies()) - start, 0, "the purge takes the expired rows' body too");
    });

    test("repeated idempotency keys: a resend stores no new body", async () => {
      const start = await bodies();
      const content = { k: 1 };
      const first = await repo.insertBatch(item(["k-1", "k-2"], "keyed", content, { idempotencyKey: "same" }));
      const again = await repo.insertBatch(item(["k-1", "k-2"], "keyed", content, { idempotencyKey: "same" }));
      assert.deepEqual(
        again.map((o) => [o.id, o.duplicate]),
        first.map((o) => [o.id, true]),
      );
      assert.equal((await bodies()) - start, 1);
    });
  });
}
