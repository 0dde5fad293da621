import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { BACKENDS } from "../../support/databases.js";
import { assertGrpcError, listAll, outgoing, status } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";

for (const backend of BACKENDS) {
  describe(`idempotent sends on ${backend.name}`, () => {
    let node: TestHeraldWithDatabase;

    beforeAll(async () => {
      node = await startTestHeraldOnNewDatabase(backend);
    });

    afterAll(() => node?.stop());

    test("sequential resend with the same key stores one row and returns the first id", async () => {
      const { rpc } = node;
      const send = (subject: string) =>
        rpc.sendNotifications({ notifications: [outgoing({ userIds: ["seq-user"], subject, idempotencyKey: "order-42" })] });
      const first = (await send("first")).results[0]!;
      assert.equal(first.duplicate, false);
      assert.equal(first.seq, "1");
      for (const subject of ["second", "third"]) {
        const again = (await send(subject)).results[0]!;
        assert.equal(again.duplicate, true);
        assert.equal(again.notificationId, first.notificationId);
        assert.equal(again.seq, first.seq);
      }
      const stored = await listAll(rpc, "seq-user");
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.id, first.notificationId);
      assert.equal(stored[0]!.subject, "first", "the first send's content is kept");
      const next = await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["seq-user"], idempotencyKey: "order-43" })] });
      assert.equal(next.results[0]!.seq, "2", "duplicates consume no seq");
    });

    test("the key is per recipient: one send to many users, then a resend to a superset", async () => {
      const { rpc } = node;
      const first = await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["ka", "kb"], idempotencyKey: "k" })] });
      assert.deepEqual(
        first.results.map((r) => [r.userId, r.duplicate]),
        [
          ["ka", false],
          ["kb", false],
        ],
      );
      assert.notEqual(first.results[0]!.notificationId, first.results[1]!.notificationId);
      const again = await rpc.sendNotifications({ notifications: [outgoing({ userIds: ["kb", "kc", "ka"], idempotencyKey: "k" })] });
      assert.deepEqual(
        again.results.map((r) => [r.userId, r.duplicate]),
        [
          ["kb", true],
          ["kc", false],
          ["ka", true],
        ],
      );
      assert.equal(again.results[0]!.notificationId, first.results[1]!.notificationId);
      assert.equal(again.results[2]!.notificationId, first.results[0]!.notificationId);
      for (const u of ["ka", "kb", "kc"]) assert.equal((await listAll(rpc, u)).length, 1, u);
    });

    test("the same key twice inside one request resolves to the first", async () => {
      const { rpc } = node;
      const res = await rpc.sendNotifications({
        notifications: [
          outgoing({ userIds: ["batch-user"], subject: "a", idempotencyKey: "dup" }),
          outgoing({ userIds: ["batch-user"], subject: "b" }),
          outgoing({ userIds: ["batch-user"], subject: "c", idempotencyKey: "dup" }),
        ],
      });
      assert.deepEqual(
        res.results.map((r) => [r.index, r.seq, r.duplicate]),
        [
          [0, "1", false],
          [1, "2", false],
          [2, "1", true],
        ],
      );
      assert.equal(res.results[2]!.notificationId, res.results[0]!.notificationId);
      assert.deepEqual(
        (await listAll(rpc, "batch-user")).map((n) => n.subject),
        ["a", "b"],
      );
    });

    test("20 concurrent sends with the same key: one row, the same id everywhere, exactly one not duplicate", async () => {
      const { rpc } = node;
      for (let round = 0; round < 3; round++) {
        const user = `race-user-${round}`;
        const responses = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            rpc.sendNotifications({
              notifications: [outgoing({ userIds: [user], subject: `attempt ${i}`, idempotencyKey: "same-key" })],
            }),
          ),
        );
        const results = responses.map((r) => r.results[0]!);
        const ids = new Set(results.map((r) => r.notificationId));
        assert.equal(ids.size, 1, `round ${round}: every response names the same notification`);
        assert.equal(results.filter((r) => !r.duplicate).length, 1, `round ${round}: exactly one stored it`);
        assert.ok(results.every((r) => r.seq === "1"));
        const stored = await listAll(rpc, user);
        assert.equal(stored.length, 1, `round ${round}: one row stored`);
        assert.equal(stored[0]!.id, [...ids][0]);
        const rows = await node.herald.db("notifications").where({ user_id: user }).count<{ n: string | number }>({ n: "*" }).first();
        assert.equal(Number(rows?.n), 1);
      }
    });

    test("an ephemeral notification cannot carry an idempotency key", async () => {
      await assertGrpcError(
        node.rpc.sendNotifications({ notifications: [outgoing({ userIds: ["eph"], persistent: false, idempotencyKey: "x" })] }),
        status.INVALID_ARGUMENT,
        /notifications\[0\]\.idempotency_key/,
      );
    });
  });
}
