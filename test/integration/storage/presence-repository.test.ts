import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, test } from "vitest";
import { PresenceRepository } from "../../../src/storage/presence-repository.js";
import { BACKENDS, openMigratedDatabase, type OpenTestDatabase } from "../../support/databases.js";

let counter = 0;
/** An id no other test of this file uses. */
function fresh(prefix: string): string {
  return `${prefix}-${++counter}-${randomUUID().slice(0, 8)}`;
}

for (const backend of BACKENDS) {
  describe(`PresenceRepository on ${backend.name}`, () => {
    let store: OpenTestDatabase;
    let presence: PresenceRepository;

    beforeAll(async () => {
      store = await openMigratedDatabase(backend);
      presence = new PresenceRepository({ db: store.db });
    });
    afterAll(() => store?.close());

    test("change reports a user's first join and last leave over every node, and the room's distinct users; get lists them with their connections", async () => {
      const room = fresh("room");
      const steps: Array<[string, string, 1 | -1, boolean, number]> = [
        // user, node, delta, changed, users after
        ["u1", "n1", 1, true, 1],
        ["u1", "n2", 1, false, 1],
        ["u1", "n1", 1, false, 1],
        ["u2", "n1", 1, true, 2],
      ];
      for (const [user, node, delta, changed, users] of steps)
        assert.deepEqual(await presence.change(room, user, node, delta), { changed, userCount: users }, `${user}@${node} ${delta}`);
      assert.deepEqual(await presence.get(room, 10), {
        users: [
          { userId: "u1", connections: 3 },
          { userId: "u2", connections: 1 },
        ],
        userCount: 2,
      });
      assert.deepEqual(
        await presence.get(room, 1),
        { users: [{ userId: "u1", connections: 3 }], userCount: 2 },
        "the count ignores the limit",
      );
      assert.deepEqual(await presence.get(fresh("room"), 10), { users: [], userCount: 0 });

      const leaves: Array<[string, string, 1 | -1, boolean, number]> = [
        ["u1", "n1", -1, false, 2],
        ["u1", "n1", -1, false, 2], // n1 holds none now; n2 still one
        ["u1", "n1", -1, false, 2], // nothing left on n1: no change
        ["u1", "n2", -1, true, 1],
        ["u3", "n2", -1, false, 1], // never present
      ];
      for (const [user, node, delta, changed, users] of leaves)
        assert.deepEqual(await presence.change(room, user, node, delta), { changed, userCount: users }, `${user}@${node} ${delta}`);
      assert.deepEqual(await presence.get(room, 10), { users: [{ userId: "u2", connections: 1 }], userCount: 1 });
      assert.equal(Number((await store.db("room_presence").where("room_id", room).count<{ n: string }>({ n: "*" }).first())?.n), 1);
    });

    test("concurrent joins of one user on 12 nodes report one join; concurrent leaves report one leave", async () => {
      const room = fresh("room");
      await presence.change(room, "other", "n0", 1);
      const nodes = Array.from({ length: 12 }, (_, i) => `node-${i}`);
      const joins = await Promise.all(nodes.map((n) => presence.change(room, "u", n, 1)));
      assert.equal(joins.filter((j) => j.changed).length, 1);
      assert.ok(joins.every((j) => j.userCount === 2));
      assert.deepEqual(await presence.get(room, 10), {
        users: [
          { userId: "other", connections: 1 },
          { userId: "u", connections: 12 },
        ],
        userCount: 2,
      });
      const leaves = await Promise.all(nodes.map((n) => presence.change(room, "u", n, -1)));
      assert.equal(leaves.filter((l) => l.changed).length, 1);
      assert.deepEqual(
        leaves.find((l) => l.changed),
        { changed: true, userCount: 1 },
      );
    });

    test("a sweep forgets stale nodes: each user left with no connection is reported once with the count after; fresh nodes stay", async () => {
      const room = fresh("room");
      const room2 = fresh("room");
      const [stale, live] = [fresh("stale"), fresh("live")];
      const t0 = new Date("2026-06-01T00:00:00.000Z");
      await presence.beat(stale, t0);
      await presence.beat(live, new Date(t0.getTime() + 10_000));
      await presence.beat(live, new Date(t0.getTime() + 20_000)); // a beat updates the node's time
      await presence.change(room, "a", stale, 1); // only on the stale node: leaves
      await presence.change(room, "a", stale, 1);
      await presence.change(room, "b", stale, 1); // on both: stays
      await presence.change(room, "b", live, 1);
      await presence.change(room, "c", live, 1);
      await presence.change(room2, "a", stale, 1);

      const left = await presence.sweep(new Date(t0.getTime() + 15_000));
      assert.deepEqual(
        left.filter((l) => l.roomId === room || l.roomId === room2),
        [
          { roomId: room, userId: "a", userCount: 2 },
          { roomId: room2, userId: "a", userCount: 0 },
        ].sort((x, y) => (x.roomId < y.roomId ? -1 : 1)),
      );
      assert.deepEqual(await presence.get(room, 10), {
        users: [
          { userId: "b", connections: 1 },
          { userId: "c", connections: 1 },
        ],
        userCount: 2,
      });
      assert.equal(await store.db("node_heartbeats").where("node_id", stale).first(), undefined, "the stale node's heartbeat is gone");
      assert.ok(await store.db("node_heartbeats").where("node_id", live).first());
      assert.deepEqual(await presence.sweep(new Date(t0.getTime() + 15_000)), [], "a second sweep finds nothing");

      // At shutdown a node sweeps its own rows, fresh or not.
      const left2 = await presence.sweep(new Date(0), live);
      assert.deepEqual(left2, [
        { roomId: room, userId: "b", userCount: 0 },
        { roomId: room, userId: "c", userCount: 0 },
      ]);
      assert.deepEqual(await presence.get(room, 10), { users: [], userCount: 0 });
    });

    test("concurrent sweeps of the same stale nodes report each leave exactly once", async () => {
      const rooms = Array.from({ length: 6 }, () => fresh("room"));
      const nodes = Array.from({ length: 3 }, () => fresh("dead"));
      const t0 = new Date("2026-06-02T00:00:00.000Z");
      for (const n of nodes) await presence.beat(n, t0);
      const expected: string[] = [];
      for (const [i, r] of rooms.entries())
        for (let u = 0; u < 5; u++) {
          await presence.change(r, `u${u}`, nodes[(i + u) % nodes.length]!, 1);
          expected.push(`${r}/u${u}`);
        }
      const results = await Promise.all(Array.from({ length: 4 }, () => presence.sweep(new Date(t0.getTime() + 1))));
      const reported = results
        .flat()
        .filter((l) => rooms.includes(l.roomId))
        .map((l) => `${l.roomId}/${l.userId}`);
      assert.deepEqual([...reported].sort(), expected.sort(), "every leave reported, none twice");
      for (const r of rooms) assert.deepEqual(await presence.get(r, 10), { users: [], userCount: 0 });
    });

    test("rows of a node without any heartbeat are swept only when orphans are asked for, each leave reported once", async () => {
      const room = fresh("room");
      const ghost = fresh("ghost");
      const live = fresh("live");
      await presence.beat(live, new Date());
      await presence.change(room, "gu", ghost, 1);
      await presence.change(room, "lu", live, 1);
      const recent = new Date(Date.now() - 60_000);
      assert.deepEqual(
        (await presence.sweep(recent)).filter((l) => l.roomId === room),
        [],
        "a node with no heartbeat row is not found by staleness",
      );
      assert.deepEqual(
        (await presence.sweep(recent, undefined, true)).filter((l) => l.roomId === room),
        [{ roomId: room, userId: "gu", userCount: 1 }],
      );
      assert.deepEqual(await presence.get(room, 10), { users: [{ userId: "lu", connections: 1 }], userCount: 1 });
    });
  });
}
