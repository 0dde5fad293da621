import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, test } from "vitest";
import { pino } from "pino";
import { loadConfig } from "../../../src/config.js";
import { startHerald, type RunningHerald } from "../../../src/main.js";
import { BACKENDS, type TestDatabase } from "../../support/databases.js";
import { connectClient, listAll, outgoing, status } from "../../support/grpc.js";

/**
 * Issue 8, point 4: concurrent sends are coalesced into one statement, and one
 * send the database refuses used to fail every innocent send of its batch with
 * INTERNAL. Here the database refuses code 666 with a trigger (a failure no
 * validator can see); every innocent send must succeed, and neither the
 * client nor the log at info carries the SQL.
 */
const INNOCENT = 300;
const POISONED = 20;
const USERS = 30;
const POISON_CODE = 666;
const SQL_TEXT = /json_to_recordset|insert into|select .+ from|on conflict|returning/i;

for (const backend of BACKENDS) {
  describe(`a send the database refuses, coalesced with innocent ones, on ${backend.name}`, () => {
    let tdb: TestDatabase;
    let herald: RunningHerald;
    const logLines: string[] = [];

    beforeAll(async () => {
      tdb = await backend.create();
      const config = loadConfig({
        HERALD_GRPC_PORT: "0",
        HERALD_HTTP_PORT: "0",
        HERALD_HOST: "127.0.0.1",
        HERALD_SHUTDOWN_GRACE_MS: "2000",
        ...tdb.env,
      });
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(
            ...chunk
              .toString()
              .split("\n")
              .filter((l) => l !== ""),
          );
          done();
        },
      });
      herald = await startHerald(config, pino({ level: "info", base: { node: config.nodeId } }, sink));
      await herald.db.raw(`
        create function herald_test_poison() returns trigger language plpgsql as $$
        begin
          if new.code = ${POISON_CODE} then raise exception 'refused by the test trigger'; end if;
          return new;
        end $$`);
      await herald.db.raw(
        "create trigger herald_test_poison before insert on notifications for each row execute function herald_test_poison()",
      );
    });

    afterAll(async () => {
      await herald?.stop();
      await tdb?.drop();
    });

    test(`${POISONED} refused sends among ${INNOCENT} concurrent innocent ones: every innocent one is stored, the refused ones fail INTERNAL without SQL`, async () => {
      const { client, rpc } = connectClient(herald.grpcPort);
      try {
        const calls: Array<{ poisoned: boolean; user: string; subject: string; call: Promise<unknown> }> = [];
        for (let i = 0; i < INNOCENT + POISONED; i++) {
          const poisoned = i % Math.floor((INNOCENT + POISONED) / POISONED) === 7 && calls.filter((c) => c.poisoned).length < POISONED;
          const user = `user-${i % USERS}`;
          const subject = `${poisoned ? "poison" : "innocent"} ${i}`;
          // Every fifth innocent send carries an idempotency key: the two-statement path is isolated too.
          const idempotencyKey = !poisoned && i % 5 === 0 ? `key-${i}` : "";
          const call = rpc.sendNotifications({
            notifications: [outgoing({ userIds: [user], subject, code: poisoned ? POISON_CODE : 1, idempotencyKey })],
          });
          call.catch(() => undefined);
          calls.push({ poisoned, user, subject, call });
        }
        assert.equal(calls.filter((c) => c.poisoned).length, POISONED);
        const settled = await Promise.allSettled(calls.map((c) => c.call));

        const innocentFailures = settled.flatMap((s, i) =>
          !calls[i]!.poisoned && s.status === "rejected" ? [`${calls[i]!.subject}: ${(s.reason as Error).message}`] : [],
        );
        assert.deepEqual(innocentFailures, [], `${innocentFailures.length} of ${INNOCENT} innocent sends failed`);
        for (const [i, s] of settled.entries()) {
          if (!calls[i]!.poisoned) continue;
          assert.equal(s.status, "rejected", `${calls[i]!.subject} was stored`);
          const err = (s as PromiseRejectedResult).reason as { code: number; details: string };
          assert.equal(err.code, status.INTERNAL);
          assert.doesNotMatch(err.details, SQL_TEXT, "the client is told no SQL");
          assert.doesNotMatch(err.details, /test trigger/, "nor the database's message");
        }

        // Each user's inbox holds exactly its innocent sends, seq 1..n without a gap.
        for (let u = 0; u < USERS; u++) {
          const user = `user-${u}`;
          const inbox = await listAll(rpc, user);
          const expected = calls.filter((c) => c.user === user && !c.poisoned).map((c) => c.subject);
          assert.deepEqual(inbox.map((n) => n.subject).sort(), [...expected].sort(), user);
          assert.deepEqual(
            inbox.map((n) => n.seq),
            inbox.map((_, k) => String(k + 1)),
            `${user}: gapless seq`,
          );
        }

        // The failures were logged (at error level), without the statement.
        const failures = logLines.filter((l) => l.includes("gRPC handler failed"));
        assert.ok(failures.length >= POISONED, `${failures.length} failure log lines`);
        assert.match(failures[0]!, /refused by the test trigger/, "the log keeps the database's own message");
        assert.match(failures[0]!, /P0001/, "and its SQLSTATE");
        const leaking = logLines.filter((l) => SQL_TEXT.test(l));
        assert.deepEqual(leaking, [], "no SQL text in the log at info");
      } finally {
        client.close();
      }
    });
  });
}
