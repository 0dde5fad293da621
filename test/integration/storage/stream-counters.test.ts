import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { counterTable, counterUpsert, StreamCounters, USER_COUNTERS } from "../../../src/storage/stream-counters.js";
import { BACKENDS, openMigratedDatabase, type OpenTestDatabase } from "../../support/databases.js";

test("counter tables take plain lower-case identifiers only (their names go into SQL text)", () => {
  assert.deepEqual(USER_COUNTERS, { table: "user_counters", key: "user_id" });
  assert.deepEqual(counterTable("room_counters", "room_id"), { table: "room_counters", key: "room_id" });
  for (const bad of ["Rooms", "room-counters", "x; drop table bans", "", "1x"]) assert.throws(() => counterTable(bad, "room_id"));
  assert.throws(() => counterTable("room_counters", "room id"));
});

for (const backend of BACKENDS) {
  describe(`stream counters on ${backend.name}`, () => {
    const rooms = counterTable("room_counters", "room_id");
    let store: OpenTestDatabase;
    let counters: StreamCounters;

    beforeAll(async () => {
      store = await openMigratedDatabase(backend);
      counters = new StreamCounters({ table: rooms });
    });
    afterAll(() => store?.close());

    test("a new stream starts at seq 1; advancing by 0 creates and locks it without taking a seq; a stream never advanced is at 0", async () => {
      assert.equal(await counters.last(store.db, "fresh"), 0);
      assert.deepEqual(await counters.advance(store.db, new Map([["fresh", 0]])), new Map([["fresh", { first: 1, last: 0 }]]));
      assert.deepEqual(
        await counters.advance(
          store.db,
          new Map([
            ["fresh", 3],
            ["other", 1],
          ]),
        ),
        new Map([
          ["fresh", { first: 1, last: 3 }],
          ["other", { first: 1, last: 1 }],
        ]),
      );
      assert.equal(await counters.last(store.db, "fresh"), 3);
      assert.deepEqual(await counters.advance(store.db, new Map()), new Map());
    });

    test("a rolled-back advance leaves no gap: the next writer takes the same seqs", async () => {
      await assert.rejects(
        store.db.transaction(async (trx) => {
          assert.deepEqual(await counters.advance(trx, new Map([["rb", 2]])), new Map([["rb", { first: 1, last: 2 }]]));
          throw new Error("roll back");
        }),
        /roll back/,
      );
      assert.deepEqual(await counters.advance(store.db, new Map([["rb", 2]])), new Map([["rb", { first: 1, last: 2 }]]));
    });

    test("the counter upsert embeds in a larger statement, whose other parts see the counters as before it", async () => {
      await counters.advance(store.db, new Map([["cte", 5]]));
      const { rows } = await store.db.raw(
        `with bumped as (${counterUpsert(rooms, "select 'cte', 2")})
         select b.last_seq::int as after, r.last_seq::int as before from bumped b join room_counters r on r.room_id = b.room_id`,
      );
      assert.deepEqual(rows, [{ after: 7, before: 5 }]);
    });

    test("24 concurrent transactions over 10 streams, keys in any order: every stream's seqs are 1..n, each taken once", async () => {
      const keys = Array.from({ length: 10 }, (_, i) => `c-${i}`);
      const taken = new Map<string, number[]>(keys.map((k) => [k, []]));
      await Promise.all(
        Array.from({ length: 24 }, (_, w) =>
          store.db.transaction(async (trx) => {
            // Five streams per writer, listed in a writer-specific order, 0..4 seqs each.
            const mine = new Map(Array.from({ length: 5 }, (_, j) => [keys[(w * 3 + j * 7) % keys.length]!, (w + j) % 5]));
            const ranges = await counters.advance(trx, mine);
            assert.equal(ranges.size, mine.size);
            if (backend.name === "postgres") await trx.raw("select pg_sleep(0.005)"); // hold the locks a little
            for (const [k, r] of ranges) for (let s = r.first; s <= r.last; s++) taken.get(k)!.push(s);
          }),
        ),
      );
      for (const k of keys) {
        const seqs = taken.get(k)!.sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: seqs.length }, (_, i) => i + 1),
          `stream ${k} is gapless`,
        );
        assert.equal(await counters.last(store.db, k), seqs.length);
      }
    });
  });
}
