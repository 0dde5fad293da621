import type { Knex } from "knex";
import type { PresenceUser } from "../domain/room.js";
import type { PresenceStore } from "../domain/room-ports.js";
import { withDb } from "./db-errors.js";

/**
 * The first key of the two-key advisory locks that serialise presence changes
 * per room (the second is `hashtext(room_id)`). Two-key locks never collide
 * with single-key ones (the migration lock).
 */
const PRESENCE_LOCK = 0x70726573; // "pres"

const LOCK_ROOM = `select pg_advisory_xact_lock(${PRESENCE_LOCK}, hashtext(?))`;

// A room's distinct users: the primary key (room_id, user_id, node_id) yields them in order.
const USER_COUNT = "(select count(*) from (select distinct p.user_id from room_presence p where p.room_id = ?) u)::int";

/**
 * Presence in Postgres or PGlite: one row per (room, user, node) with that
 * node's subscription count, and one heartbeat per node. Changes to a room's
 * presence (a node's change, a sweep) run under the room's transaction-scoped
 * advisory lock, so "first join" and "last leave" are decided once over all
 * nodes and the reported user counts follow one another.
 */
export class PresenceRepository implements PresenceStore {
  readonly #db: Knex;

  constructor(options: { db: Knex }) {
    this.#db = options.db;
  }

  async change(roomId: string, userId: string, nodeId: string, delta: 1 | -1): Promise<{ changed: boolean; userCount: number }> {
    return withDb(() =>
      this.#db.transaction(async (trx) => {
        await trx.raw(LOCK_ROOM, [roomId]);
        const applied = delta === 1 ? await join(trx, roomId, userId, nodeId) : await leave(trx, roomId, userId, nodeId);
        const { rows } = await trx.raw(
          `select (select coalesce(sum(connections), 0) from room_presence where room_id = ? and user_id = ?)::int as mine, ${USER_COUNT} as users`,
          [roomId, userId, roomId],
        );
        const { mine, users } = rows[0] as { mine: number; users: number };
        const changed = applied && (delta === 1 ? mine === 1 : mine === 0);
        return { changed, userCount: users };
      }),
    );
  }

  async get(roomId: string, limit: number): Promise<{ users: PresenceUser[]; userCount: number }> {
    return withDb(async () => {
      // The window counts the groups before the limit applies; an empty room has no row, hence the count's own query.
      const { rows } = await this.#db.raw(
        `select user_id, sum(connections)::int as connections, count(*) over ()::int as users
         from room_presence where room_id = ? group by user_id order by user_id limit ?`,
        [roomId, limit],
      );
      const list = rows as Array<{ user_id: string; connections: number; users: number }>;
      const userCount =
        list.length > 0 ? list[0]!.users : ((await this.#db.raw(`select ${USER_COUNT} as users`, [roomId])).rows[0].users as number);
      return { users: list.map((r) => ({ userId: r.user_id, connections: r.connections })), userCount };
    });
  }

  async beat(nodeId: string, now: Date): Promise<void> {
    await withDb(() => this.#db("node_heartbeats").insert({ node_id: nodeId, seen_at: now }).onConflict("node_id").merge(["seen_at"]));
  }

  /**
   * One transaction: takes the heartbeats of stale nodes (skipping those a
   * concurrent sweep holds), locks their rooms (in lock-key order: no deadlock
   * between sweeps), deletes their presence rows and reports each (room, user)
   * that this sweep's deletes left with no row. A pair deleted by a concurrent
   * sweep is that sweep's to report: each leave is reported once.
   */
  async sweep(
    staleBefore: Date,
    alsoNode?: string,
    orphans = false,
  ): Promise<Array<{ roomId: string; userId: string; userCount: number }>> {
    return withDb(() =>
      this.#db.transaction(async (trx) => {
        const { rows: beats } = await trx.raw(
          `delete from node_heartbeats where node_id in (
             select node_id from node_heartbeats where seen_at < ? or node_id = ? for update skip locked)
           returning node_id`,
          [staleBefore, alsoNode ?? null],
        );
        const nodes = new Set((beats as Array<{ node_id: string }>).map((b) => b.node_id));
        if (alsoNode !== undefined) nodes.add(alsoNode);
        if (orphans) {
          // Rows of a node without a heartbeat (a +1 that landed after its last sweep at shutdown).
          const { rows } = await trx.raw(
            "select distinct node_id from room_presence p where not exists (select 1 from node_heartbeats h where h.node_id = p.node_id)",
          );
          for (const r of rows as Array<{ node_id: string }>) nodes.add(r.node_id);
        }
        if (nodes.size === 0) return [];
        const list = JSON.stringify([...nodes]);
        const ofNodes = "node_id in (select value from json_array_elements_text(?::json))";
        await trx.raw(
          `select pg_advisory_xact_lock(${PRESENCE_LOCK}, h) from (
             select distinct hashtext(room_id) as h from room_presence where ${ofNodes} order by 1) k`,
          [list],
        );
        const { rows: gone } = await trx.raw(
          `with gone as (delete from room_presence where ${ofNodes} returning room_id, user_id)
           select distinct room_id, user_id from gone`,
          [list],
        );
        if (gone.length === 0) return [];
        const { rows } = await trx.raw(
          `select g.room_id, g.user_id,
             (select count(*) from (select distinct p.user_id from room_presence p where p.room_id = g.room_id) u)::int as users
           from json_to_recordset(?::json) as g(room_id text, user_id text)
           where not exists (select 1 from room_presence p where p.room_id = g.room_id and p.user_id = g.user_id)
           order by g.room_id, g.user_id`,
          [JSON.stringify(gone)],
        );
        return (rows as Array<{ room_id: string; user_id: string; users: number }>).map((r) => ({
          roomId: r.room_id,
          userId: r.user_id,
          userCount: r.users,
        }));
      }),
    );
  }
}

/** One more subscription of the user on the node. */
async function join(trx: Knex.Transaction, roomId: string, userId: string, nodeId: string): Promise<boolean> {
  await trx.raw(
    `insert into room_presence (room_id, user_id, node_id, connections) values (?, ?, ?, 1)
     on conflict (room_id, user_id, node_id) do update set connections = room_presence.connections + 1`,
    [roomId, userId, nodeId],
  );
  return true;
}

/** One subscription fewer (the row goes at 0); false when the node held none (already swept). */
async function leave(trx: Knex.Transaction, roomId: string, userId: string, nodeId: string): Promise<boolean> {
  const key = [roomId, userId, nodeId];
  const where = "room_id = ? and user_id = ? and node_id = ?";
  const { rows: last } = await trx.raw(`delete from room_presence where ${where} and connections <= 1 returning 1`, key);
  if (last.length > 0) return true;
  const { rows } = await trx.raw(`update room_presence set connections = connections - 1 where ${where} returning 1`, key);
  return rows.length > 0;
}
