import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { ListDirection } from "../../../gen/herald/v1/notification.js";
import { BACKENDS } from "../../support/databases.js";
import { listPage, outgoing } from "../../support/grpc.js";
import { startTestHeraldOnNewDatabase, type TestHeraldWithDatabase } from "../../support/herald.js";

const SENDERS = 20;
const PER_SENDER = 100;
const TOTAL = SENDERS * PER_SENDER;

for (const backend of BACKENDS) {
  describe(`concurrent sends on ${backend.name}`, () => {
    let node: TestHeraldWithDatabase;

    beforeAll(async () => {
      node = await startTestHeraldOnNewDatabase(backend);
    });

    afterAll(() => node?.stop());

    test(`${SENDERS} senders x ${PER_SENDER} to one user: a polling forward-sync reader sees seq 1..${TOTAL} once, in order`, async () => {
      const user = "hot-user";
      const { rpc } = node;
      const acked = new Map<string, { sender: number; n: number; seq: number }>();
      let sendersDone = false;

      const sender = async (s: number) => {
        let lastSeq = 0;
        for (let n = 0; n < PER_SENDER; n++) {
          const res = await rpc.sendNotifications({
            notifications: [outgoing({ userIds: [user], code: 1, subject: `${s}:${n}`, content: { s, n } })],
          });
          assert.equal(res.results.length, 1);
          const r = res.results[0]!;
          const seq = Number(r.seq);
          assert.ok(seq > lastSeq, `sender ${s}: seq ${seq} after ${lastSeq} (one sender's sends are stored in order)`);
          lastSeq = seq;
          assert.equal(r.duplicate, false);
          acked.set(r.notificationId, { sender: s, n, seq });
        }
      };

      // The reader: forward sync from the start, always resuming from the returned cursor.
      const seen: number[] = [];
      const seenIds: string[] = [];
      let polls = 0;
      let pollsWhileSending = 0;
      const reader = async () => {
        let cursor = "";
        const deadline = Date.now() + 120_000;
        while (seen.length < TOTAL) {
          assert.ok(Date.now() < deadline, `reader saw only ${seen.length} of ${TOTAL} before the deadline`);
          const finishedBefore = sendersDone;
          const page = await listPage(rpc, user, { cursor, limit: 100, direction: ListDirection.LIST_DIRECTION_FORWARD });
          polls++;
          if (!finishedBefore) pollsWhileSending++;
          for (const n of page.notifications) {
            seen.push(Number(n.seq));
            seenIds.push(n.id);
          }
          assert.notEqual(page.nextCursor, "", "a forward page always carries a cursor");
          cursor = page.nextCursor;
          // Nothing new and senders finished, yet not everything seen: a row was skipped.
          if (page.notifications.length === 0 && sendersDone && seen.length < TOTAL) {
            assert.fail(`reader is at seq ${seen.at(-1) ?? 0} with every send answered: ${TOTAL - seen.length} notifications skipped`);
          }
        }
        // One more poll after everything: nothing beyond TOTAL.
        const tail = await listPage(rpc, user, { cursor, limit: 100 });
        assert.deepEqual(tail.notifications, []);
        assert.equal(tail.hasMore, false);
      };

      const reading = reader();
      const sending = Promise.all(Array.from({ length: SENDERS }, (_, s) => sender(s))).finally(() => {
        sendersDone = true;
      });
      const [sent, read] = await Promise.allSettled([sending, reading]);
      if (sent.status === "rejected") throw sent.reason;
      if (read.status === "rejected") throw read.reason;

      assert.equal(acked.size, TOTAL, "every send answered with a distinct id");
      assert.deepEqual(
        seen,
        Array.from({ length: TOTAL }, (_, i) => i + 1),
        "every seq exactly once, in order",
      );
      assert.deepEqual(new Set(seenIds), new Set(acked.keys()), "the reader saw exactly the acknowledged notifications");
      for (let i = 0; i < TOTAL; i++) assert.equal(acked.get(seenIds[i]!)!.seq, seen[i], "listed seq is the acknowledged seq");
      assert.ok(pollsWhileSending > 1, `the reader polled while senders were running (${pollsWhileSending} of ${polls} polls)`);
    });
  });
}
