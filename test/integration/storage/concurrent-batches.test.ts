import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, test } from "vitest";
import type { NewNotification } from "../../../src/domain/ports.js";
import { NotificationRepository } from "../../../src/storage/notification-repository.js";
import { BACKENDS, openMigratedDatabase, type OpenTestDatabase } from "../../support/databases.js";

function row(userId: string, idempotencyKey = ""): NewNotification {
  return {
    id: randomUUID(),
    userId,
    code: 1,
    subject: "",
    content: {},
    senderId: "",
    createdAt: new Date(),
    expireAt: null,
    idempotencyKey,
  };
}

for (const backend of BACKENDS) {
  describe(`concurrent multi-user batches on ${backend.name}`, () => {
    let store: OpenTestDatabase;
    let repo: NotificationRepository;

    beforeAll(async () => {
      store = await openMigratedDatabase(backend);
      repo = new NotificationRepository({ db: store.db });
    });
    afterAll(() => store?.close());

    test("8 concurrent batches of 500 rows over 40 users, with and without idempotency keys: every user's seqs are 1..n, each returned once", async () => {
      const users = Array.from({ length: 40 }, (_, i) => `cb-${i}`);
      const batches = Array.from({ length: 8 }, (_, b) =>
        // Odd batches carry idempotency keys (the two-statement path), even ones do not (one statement).
        Array.from({ length: 500 }, (_, i) => row(users[(i * 7 + b) % users.length]!, b % 2 === 1 ? `k-${b}-${i}` : "")),
      );
      const outcomes = await Promise.all(batches.map((b) => repo.insertBatch(b)));
      const returned = new Map<string, number[]>();
      batches.forEach((b, bi) => {
        b.forEach((r, i) => {
          const o = outcomes[bi]![i]!;
          assert.equal(o.id, r.id);
          assert.equal(o.duplicate, false);
          returned.set(r.userId, [...(returned.get(r.userId) ?? []), o.seq]);
        });
      });
      for (const u of users) {
        const stored = (await repo.listAfter(u, 0, 1000)).map((n) => n.seq);
        const n = stored.length;
        assert.deepEqual(
          stored,
          Array.from({ length: n }, (_, i) => i + 1),
          `user ${u} stored seqs are gapless`,
        );
        assert.deepEqual(
          [...returned.get(u)!].sort((a, b) => a - b),
          stored,
          `user ${u} returned seqs match the stored ones`,
        );
        assert.equal(await repo.lastSeq(u), n);
      }
    });
  });
}
