import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, test } from "vitest";
import type { Knex } from "knex";
import { ConfigError, loadConfig } from "../../../src/config.js";
import type { NewNotification } from "../../../src/domain/ports.js";
import { migrateLatest, openDatabase } from "../../../src/storage/database.js";
import { NotificationRepository } from "../../../src/storage/notification-repository.js";
import { BACKENDS, type TestDatabase } from "../../support/databases.js";

/**
 * Issue 8, point 5 (last clause): list and resume reads must never hold every
 * database connection, so that a send does not queue behind a flood of them.
 */
const READS = 200;
const POOL = 4;

function row(userId: string, content: Record<string, unknown>): NewNotification {
  return {
    id: randomUUID(),
    userId,
    code: 1,
    subject: "s",
    content,
    senderId: "",
    createdAt: new Date(),
    expireAt: null,
    idempotencyKey: "",
  };
}

for (const backend of BACKENDS) {
  describe(`reads bounded below the pool on ${backend.name}`, () => {
    let tdb: TestDatabase;
    let db: Knex;
    const maxReads = backend.name === "postgres" ? POOL - 2 : 1;

    beforeAll(async () => {
      tdb = await backend.create({ memory: true });
      db = openDatabase(tdb.options.kind === "postgres" ? { ...tdb.options, poolMax: POOL } : tdb.options);
      await migrateLatest(db);
      const seed = new NotificationRepository({ db });
      const blob = "r".repeat(8 * 1024);
      await seed.insertBatch(Array.from({ length: 100 }, (_, i) => row("reader", { i, blob })));
    });

    afterAll(async () => {
      await db?.destroy();
      await tdb?.drop();
    });

    test(`a send issued after ${READS} concurrent 100 x 8 KiB lists is stored while most of them still wait (pool ${POOL}, reads <= ${maxReads})`, async () => {
      const repo = new NotificationRepository({ db, maxConcurrentReads: maxReads, readWaitTimeoutMs: 60_000 });
      let readsDone = 0;
      const reads = Array.from({ length: READS }, () =>
        repo.list("reader", { limit: 100, direction: "forward", position: 0, unreadOnly: false, systemFilter: "include" }).then((page) => {
          readsDone++;
          return page.length;
        }),
      );
      const t0 = performance.now();
      const [stored] = await repo.insertBatch([row("writer", { n: 1 })]);
      const writeMs = performance.now() - t0;
      const doneAtWrite = readsDone;
      assert.equal(stored!.seq, 1);
      assert.deepEqual(await Promise.all(reads), Array(READS).fill(100), "every read is answered in full");
      console.log(
        `read-bound figures: ${JSON.stringify({ backend: backend.name, reads: READS, readsDoneWhenWriteStored: doneAtWrite, writeMs: Math.round(writeMs), readsMs: Math.round(performance.now() - t0) })}`,
      );
      assert.ok(doneAtWrite < READS / 4, `the send waited for ${doneAtWrite} of ${READS} reads (${Math.round(writeMs)} ms)`);
    });

    test("a read that waits longer than the bound's timeout fails UNAVAILABLE; later reads go through", async () => {
      const repo = new NotificationRepository({ db, maxConcurrentReads: 1, readWaitTimeoutMs: 1 });
      const q = { limit: 100, direction: "forward" as const, position: 0, unreadOnly: false, systemFilter: "include" as const };
      const settled = await Promise.allSettled(Array.from({ length: 50 }, () => repo.list("reader", q)));
      const refused = settled.filter((s) => s.status === "rejected").map((s) => (s as PromiseRejectedResult).reason as { code?: string });
      assert.ok(refused.length > 0, "some reads waited over 1 ms");
      assert.ok(
        refused.every((e) => e.code === "unavailable"),
        JSON.stringify(refused.slice(0, 3)),
      );
      assert.equal((await repo.list("reader", q)).length, 100);
    });
  });
}

describe("HERALD_DB_MAX_CONCURRENT_READS", () => {
  test("defaults to the pool size minus two on Postgres (at least 1), 1 on PGlite; must stay below the pool", () => {
    const pg = (env: Record<string, string>) => loadConfig({ DATABASE_URL: "postgres://h/db", ...env }).database.maxConcurrentReads;
    assert.equal(pg({}), 8);
    assert.equal(pg({ HERALD_DB_POOL_MAX: "3" }), 1);
    assert.equal(pg({ HERALD_DB_POOL_MAX: "1" }), 1);
    assert.equal(pg({ HERALD_DB_POOL_MAX: "20", HERALD_DB_MAX_CONCURRENT_READS: "19" }), 19);
    assert.throws(
      () => pg({ HERALD_DB_MAX_CONCURRENT_READS: "10" }),
      (e: unknown) => e instanceof ConfigError && /HERALD_DB_MAX_CONCURRENT_READS/.test(e.message),
    );
    assert.throws(() => pg({ HERALD_DB_MAX_CONCURRENT_READS: "0" }), ConfigError);
    assert.equal(loadConfig({}).database.maxConcurrentReads, 1);
  });
});
