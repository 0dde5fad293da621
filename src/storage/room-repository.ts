import type { Knex } from "knex";
import { HeraldError } from "../domain/errors.js";
import type { Room, RoomEvent, RoomMessage, RoomOptions } from "../domain/room.js";
import type { NewRoomMessage, RoomStore, StoredRoomMessage } from "../domain/room-ports.js";
import { withDb } from "./db-errors.js";
import type { ReadGate } from "./read-gate.js";
import {
  buildMessagePayload,
  CHANGE_MESSAGE,
  INSERT_MESSAGES,
  LOCK_ROOMS,
  optionsJson,
  PURGE_SLICE,
  ROOM_COUNTERS,
  ROOM_SELECT,
  type RoomEventRow,
  type RoomMessageRow,
  type RoomRow,
  toRoom,
  toRoomEvent,
  toRoomMessage,
} from "./room-sql.js";

/** The tables of a room's data, deleted with it (after its `rooms` row). */
const ROOM_DATA = [
  ["room_members", "room_id"],
  ["room_messages", "room_id"],
  ["room_events", "room_id"],
  [ROOM_COUNTERS.table, ROOM_COUNTERS.key],
  ["room_presence", "room_id"],
] as const;

/**
 * Postgres and PGlite implementation of rooms, members and the room event
 * log, through the same knex code. Writers of a room's messages take a
 * key-share lock on its `rooms` row, so a room delete (which deletes that row
 * first, then the room's data in later statements) never leaves rows of a
 * deleted room behind.
 */
export class RoomRepository implements RoomStore {
  readonly #db: Knex;
  readonly #reads: ReadGate | undefined;

  /** `reads` bounds the history reads (eventsAfter, listMessages, listMembers) running at once; share the inbox's gate. */
  constructor(options: { db: Knex; reads?: ReadGate }) {
    this.#db = options.db;
    this.#reads = options.reads;
  }

  #read<T>(fn: () => Promise<T>): Promise<T> {
    return this.#reads ? this.#reads.run(() => withDb(fn)) : withDb(fn);
  }

  async create(id: string, options: RoomOptions, now: Date): Promise<Room> {
    return withDb(async () => {
      const { rows } = await this.#db.raw(
        `insert into rooms (id, options, metadata, created_at, updated_at) values (?, ?::jsonb, ?::jsonb, ?, ?)
         on conflict (id) do nothing
         returning id, options, metadata, created_at, updated_at, purged_through_seq, (select last_seq from room_counters where room_id = ?) as last_seq`,
        [id, optionsJson(options), JSON.stringify(options.metadata), now, now, id],
      );
      if (rows.length === 0) throw new HeraldError("already_exists", `room ${id} already exists`, { field: "room_id" });
      return toRoom(rows[0] as RoomRow);
    });
  }

  async update(id: string, options: RoomOptions, now: Date): Promise<Room> {
    return withDb(async () => {
      const { rows } = await this.#db.raw(
        `with r as (update rooms set options = ?::jsonb, metadata = ?::jsonb, updated_at = ? where id = ? returning *)
         select ${ROOM_SELECT} from r left join room_counters c on c.room_id = r.id`,
        [optionsJson(options), JSON.stringify(options.metadata), now, id],
      );
      if (rows.length === 0) throw roomNotFound(id);
      return toRoom(rows[0] as RoomRow);
    });
  }

  async delete(id: string): Promise<boolean> {
    return withDb(() =>
      this.#db.transaction(async (trx) => {
        // First, on its own: waits for writers holding the room's key-share lock, so the deletes below see their rows.
        const gone = await trx("rooms").where("id", id).delete().returning("id");
        if (gone.length === 0) return false;
        const parts = ROOM_DATA.map(([table, key], i) => `d${i} as (delete from ${table} where ${key} = ? returning 1)`);
        await trx.raw(
          `with ${parts.join(",\n")} select 1`,
          ROOM_DATA.map(() => id),
        );
        return true;
      }),
    );
  }

  async get(id: string): Promise<Room | null> {
    return withDb(async () => {
      const row = await this.#db({ r: "rooms" })
        .leftJoin({ c: ROOM_COUNTERS.table }, "c.room_id", "r.id")
        .where("r.id", id)
        .first(this.#db.raw(ROOM_SELECT));
      return row ? toRoom(row as RoomRow) : null;
    });
  }

  async addMembers(roomId: string, userIds: string[], now: Date): Promise<number> {
    return withDb(() =>
      this.#db.transaction(async (trx) => {
        await lockRoom(trx, roomId);
        if (userIds.length === 0) return 0;
        const added = await trx("room_members")
          .insert([...new Set(userIds)].map((userId) => ({ room_id: roomId, user_id: userId, added_at: now })))
          .onConflict(["room_id", "user_id"])
          .ignore()
          .returning("user_id");
        return added.length;
      }),
    );
  }

  async removeMembers(roomId: string, userIds: string[]): Promise<string[]> {
    return withDb(async () => {
      const rows: Array<{ user_id: string }> = await this.#db("room_members")
        .where("room_id", roomId)
        .whereIn("user_id", userIds)
        .delete()
        .returning("user_id");
      return rows.map((r) => r.user_id);
    });
  }

  async listMembers(roomId: string, after: string, limit: number): Promise<string[]> {
    return this.#read(async () => {
      const rows: Array<{ user_id: string }> = await this.#db("room_members")
        .where("room_id", roomId)
        .where("user_id", ">", after)
        .orderBy("user_id", "asc")
        .limit(limit)
        .select("user_id");
      return rows.map((r) => r.user_id);
    });
  }

  async membersAmong(roomId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    return withDb(async () => {
      const rows: Array<{ user_id: string }> = await this.#db("room_members")
        .where({ room_id: roomId })
        .whereIn("user_id", userIds)
        .select("user_id");
      return new Set(rows.map((r) => r.user_id));
    });
  }

  async isMember(roomId: string, userId: string): Promise<boolean> {
    return withDb(async () => (await this.#db("room_members").where({ room_id: roomId, user_id: userId }).first("user_id")) !== undefined);
  }

  async insertMessages(rows: NewRoomMessage[]): Promise<StoredRoomMessage[]> {
    if (rows.length === 0) return [];
    const p = buildMessagePayload(rows);
    type Out = { ord: number; id: string; seq: string; duplicate: boolean };
    const out = await withDb(() =>
      this.#db.transaction(async (trx) => {
        const found = new Set(((await trx.raw(LOCK_ROOMS, [JSON.stringify(p.rooms)])).rows as Array<{ id: string }>).map((r) => r.id));
        const missing = rows.findIndex((r) => !found.has(r.roomId));
        if (missing >= 0) throw roomNotFound(rows[missing]!.roomId, `messages[${missing}].room_id`);
        return (await trx.raw(INSERT_MESSAGES, [p.rows])).rows as Out[];
      }),
    );
    const byOrd = new Array<StoredRoomMessage>(rows.length);
    for (const r of out) byOrd[r.ord] = { id: r.id, seq: Number(r.seq), duplicate: r.duplicate };
    p.aliasOf.forEach((first, i) => {
      if (first >= 0) byOrd[i] = { id: byOrd[first]!.id, seq: byOrd[first]!.seq, duplicate: true };
    });
    return byOrd;
  }

  async changeMessage(
    change: {
      roomId: string;
      messageId: string;
      kind: "message_update" | "message_delete";
      content: Record<string, unknown>;
      tags: Record<string, string>;
      now: Date;
    },
    check: (current: RoomMessage) => void,
  ): Promise<RoomEvent> {
    const del = change.kind === "message_delete";
    return withDb(() =>
      this.#db.transaction(async (trx) => {
        await lockRoom(trx, change.roomId);
        const row = (await trx("room_messages").where({ id: change.messageId, room_id: change.roomId }).forUpdate().first()) as
          | RoomMessageRow
          | undefined;
        if (!row || row.deleted) throw new HeraldError("not_found", `message ${change.messageId} not found`, { field: "message_id" });
        const current = toRoomMessage(row);
        check(current);
        const { rows } = await trx.raw(CHANGE_MESSAGE, [
          change.roomId,
          JSON.stringify(del ? {} : change.content),
          JSON.stringify(del ? {} : change.tags),
          change.now,
          del,
          change.messageId,
          change.kind,
          JSON.stringify(current.content),
          JSON.stringify(current.tags),
          change.now,
        ]);
        return toRoomEvent(rows[0] as RoomEventRow);
      }),
    );
  }

  async eventsAfter(roomId: string, afterSeq: number, limit: number): Promise<RoomEvent[]> {
    return this.#read(async () => {
      const rows = (await this.#db("room_events")
        .where("room_id", roomId)
        .where("seq", ">", afterSeq)
        .orderBy("seq", "asc")
        .limit(limit)) as RoomEventRow[];
      return rows.map(toRoomEvent);
    });
  }

  async listMessages(roomId: string, direction: "forward" | "backward", position: number, limit: number): Promise<RoomMessage[]> {
    return this.#read(async () => {
      const qb = this.#db("room_messages")
        .select("id", "room_id", "seq", "sender_id", "content", "tags", "created_at", "updated_at", "deleted")
        .where("room_id", roomId);
      if (direction === "forward") qb.where("seq", ">", position).orderBy("seq", "asc");
      else {
        if (position > 0) qb.where("seq", "<", position);
        qb.orderBy("seq", "desc");
      }
      return ((await qb.limit(limit)) as RoomMessageRow[]).map(toRoomMessage);
    });
  }

  async purgeExpired(now: Date, slice: number): Promise<number> {
    return withDb(async () => (await this.#db.raw(PURGE_SLICE, [now, slice])).rows[0].n as number);
  }
}

function roomNotFound(id: string, field = "room_id"): HeraldError {
  return new HeraldError("not_found", `room ${id} not found`, { field });
}

/** Key-share lock on the room's row (a concurrent delete waits for it); `not_found` when the room does not exist. */
async function lockRoom(trx: Knex.Transaction, roomId: string): Promise<void> {
  const row = await trx("rooms").where("id", roomId).forKeyShare().first("id");
  if (!row) throw roomNotFound(roomId);
}
