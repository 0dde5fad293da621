import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import type { Knex } from "knex";
import { migrateDownAll, migrateLatest, migrateStep, migrationStatus } from "../../../src/storage/database.js";
import { NotificationRepository } from "../../../src/storage/notification-repository.js";
import { BACKENDS, POSTGRES, type TestDatabase } from "../../support/databases.js";

const MIGRATIONS = [
  "20261125120000_inbox",
  "20261125120100_bans",
  "20261204120000_notification_contents",
  "20261204130000_rooms",
  "20261205090000_acked_index",
];
const TABLES = [
  "notifications",
  "user_counters",
  "bans",
  "notification_contents",
  "rooms",
  "room_members",
  "room_counters",
  "room_messages",
  "room_events",
  "room_presence",
  "node_heartbeats",
];

async function existingTables(db: Knex): Promise<string[]> {
  const res = await db.raw(
    "select table_name::text as name from information_schema.tables where table_schema = current_schema() and table_name = any(?) order by 1",
    [TABLES],
  );
  return (res.rows as Array<{ name: string }>).map((r) => r.name);
}

function row(userId: string, n: number) {
  return {
    id: crypto.randomUUID(),
    userId,
    code: 1,
    subject: `s${n}`,
    content: { n },
    senderId: "",
    createdAt: new Date(),
    expireAt: null,
    idempotencyKey: `k${n}`,
  };
}

for (const backend of BACKENDS) {
  describe(`migrations on ${backend.name}`, () => {
    let tdb: TestDatabase;
    let db: Knex;

    beforeAll(async () => {
      tdb = await backend.create({ memory: true });
      db = tdb.open();
    });

    afterAll(async () => {
      await db?.destroy();
      await tdb?.drop();
    });

    test("up, down and up again", async () => {
      assert.deepEqual(await migrationStatus(db), { applied: [], pending: MIGRATIONS });
      assert.deepEqual(await existingTables(db), []);

      assert.deepEqual(await migrateLatest(db), MIGRATIONS, "first up applies every migration");
      assert.deepEqual(await existingTables(db), [...TABLES].sort());
      assert.deepEqual(await migrationStatus(db), { applied: MIGRATIONS, pending: [] });
      assert.deepEqual(await migrateLatest(db), [], "a second up applies nothing");

      const repo = new NotificationRepository({ db });
      const stored = await repo.insertBatch([row("alice", 1), row("alice", 2)]);
      assert.deepEqual(
        stored.map((s) => s.seq),
        [1, 2],
      );
      await db("bans").insert({ user_id: "mallory", reason: "spam", created_at: new Date() });

      const undone = await migrateDownAll(db);
      assert.deepEqual([...undone].sort(), MIGRATIONS, "down undoes every migration");
      assert.deepEqual(await existingTables(db), [], "down drops every Herald table");
      assert.deepEqual(await migrationStatus(db), { applied: [], pending: MIGRATIONS });
      assert.deepEqual(await migrateDownAll(db), [], "a second down undoes nothing");

      assert.deepEqual(await migrateLatest(db), MIGRATIONS, "up again applies every migration");
      assert.deepEqual(await existingTables(db), [...TABLES].sort());
      // The schema is fresh and fully working: counters restart, constraints are back.
      const again = await repo.insertBatch([row("alice", 1), row("alice", 1)]);
      assert.deepEqual(
        again.map((s) => [s.seq, s.duplicate]),
        [
          [1, false],
          [1, true],
        ],
      );
      assert.equal(await repo.lastSeq("alice"), 1);
      assert.equal(Number((await db("bans").count<{ n: string }>({ n: "*" }).first())?.n), 0);
    });
  });
}

for (const backend of BACKENDS) {
  describe(`the notification_contents migration on ${backend.name}`, () => {
    let tdb: TestDatabase;
    let db: Knex;

    beforeAll(async () => {
      tdb = await backend.create({ memory: true });
      db = tdb.open();
    });

    afterAll(async () => {
      await db?.destroy();
      await tdb?.drop();
    });

    test("rows stored before it read as before; shared bodies written after it are copied back into their rows on down", async () => {
      assert.deepEqual(await migrateStep(db, "up"), [MIGRATIONS[0]]);
      assert.deepEqual(await migrateStep(db, "up"), [MIGRATIONS[1]]);
      // Rows as the previous schema stored them: subject, content and sender on each row.
      const old = [
        {
          id: crypto.randomUUID(),
          user_id: "alice",
          seq: 1,
          code: 1,
          subject: "a1",
          content: { n: 1, deep: { k: ["v"] } },
          sender_id: "svc",
          idempotency_key: "k1",
        },
        {
          id: crypto.randomUUID(),
          user_id: "alice",
          seq: 2,
          code: -2,
          subject: "",
          content: { reason: "r" },
          sender_id: "",
          idempotency_key: null,
        },
        { id: crypto.randomUUID(), user_id: "bob", seq: 1, code: 7, subject: "b1", content: {}, sender_id: "", idempotency_key: null },
      ];
      await db("notifications").insert(old.map((r) => ({ ...r, content: JSON.stringify(r.content), created_at: new Date() })));
      await db("user_counters").insert([
        { user_id: "alice", last_seq: 2 },
        { user_id: "bob", last_seq: 1 },
      ]);

      assert.deepEqual(await migrateStep(db, "up"), [MIGRATIONS[2]]);
      const repo = new NotificationRepository({ db });
      const alice = await repo.listAfter("alice", 0, 10);
      assert.deepEqual(
        alice.map((n) => [n.id, n.seq, n.code, n.subject, n.content, n.senderId]),
        old.slice(0, 2).map((r) => [r.id, r.seq, r.code, r.subject, r.content, r.sender_id]),
      );
      // After it: a stored idempotency key is still found; an item to two users shares one body.
      const shared = { n: 3 };
      const now = new Date();
      const [again, a3, b2] = await repo.insertBatch([
        {
          id: crypto.randomUUID(),
          userId: "alice",
          code: 1,
          subject: "x",
          content: {},
          senderId: "",
          createdAt: now,
          expireAt: null,
          idempotencyKey: "k1",
        },
        {
          id: crypto.randomUUID(),
          userId: "alice",
          code: 1,
          subject: "both",
          content: shared,
          senderId: "svc",
          createdAt: now,
          expireAt: null,
          idempotencyKey: "",
        },
        {
          id: crypto.randomUUID(),
          userId: "bob",
          code: 1,
          subject: "both",
          content: shared,
          senderId: "svc",
          createdAt: now,
          expireAt: null,
          idempotencyKey: "",
        },
      ]);
      assert.deepEqual([again!.id, again!.duplicate, a3!.seq, b2!.seq], [old[0]!.id, true, 3, 2]);
      assert.equal(Number((await db("notification_contents").count<{ n: string }>({ n: "*" }).first())?.n), 1, "one shared body");

      assert.deepEqual(await migrateStep(db, "down"), [MIGRATIONS[2]]);
      const back = await db("notifications").orderBy(["user_id", "seq"]).select("user_id", "seq", "subject", "content", "sender_id");
      assert.deepEqual(
        back.map((r: { user_id: string; seq: unknown; subject: string; content: unknown; sender_id: string }) => [
          r.user_id,
          Number(r.seq),
          r.subject,
          r.content,
          r.sender_id,
        ]),
        [
          ["alice", 1, "a1", { n: 1, deep: { k: ["v"] } }, "svc"],
          ["alice", 2, "", { reason: "r" }, ""],
          ["alice", 3, "both", { n: 3 }, "svc"],
          ["bob", 1, "b1", {}, ""],
          ["bob", 2, "both", { n: 3 }, "svc"],
        ],
      );
      assert.deepEqual(await existingTables(db), ["bans", "notifications", "user_counters"]);
    });
  });
}

describe("migrations when several nodes start at once on one Postgres database", () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  test("six concurrent first starts all succeed and leave one knex lock row; a stale or doubled lock does not block later starts", async () => {
    const tdb = await POSTGRES.create();
    dbs.push(tdb);
    const nodes = Array.from({ length: 6 }, () => tdb.open());
    try {
      const results = await Promise.all(nodes.map((k) => migrateLatest(k)));
      assert.deepEqual(results.flat().sort(), MIGRATIONS, "each migration applied exactly once");
      const lock = await nodes[0]!.raw("select count(*)::int as n from herald_migrations_lock");
      assert.equal(lock.rows[0].n, 1);
      // A migrator that died holding the lock, and the doubled lock row a racing setup could leave.
      await nodes[0]!.raw("insert into herald_migrations_lock (is_locked) values (1)");
      await nodes[0]!.raw("update herald_migrations_lock set is_locked = 1");
      const again = await Promise.all(nodes.slice(0, 3).map((k) => migrateLatest(k)));
      assert.deepEqual(again.flat(), []);
      assert.deepEqual((await migrationStatus(nodes[0]!)).pending, []);
    } finally {
      await Promise.all(nodes.map((k) => k.destroy()));
    }
  });
});
