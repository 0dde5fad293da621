import type { NewRoomMessage } from "../domain/room-ports.js";
import type { Room, RoomEvent, RoomEventKind, RoomMessage, RoomOptions } from "../domain/room.js";
import { counterTable, counterUpsert } from "./stream-counters.js";

/*
 * The SQL of RoomRepository and the rows it reads (migration 20261204130000_rooms).
 * Every value travels as a parameter; batches as one JSON parameter
 * (`json_to_recordset`), never one statement per row.
 */

/** Each room's last assigned seq. */
export const ROOM_COUNTERS = counterTable("room_counters", "room_id");

/** bigint: pg returns a string, PGlite a number. jsonb: an object (a string from some drivers). */
type Int8 = string | number | bigint;
type Json = Record<string, unknown> | string;
type Time = Date | string;

export interface RoomRow {
  id: string;
  options: Json;
  metadata: Json;
  created_at: Time;
  updated_at: Time;
  purged_through_seq: Int8;
  last_seq: Int8 | null;
}

export interface RoomMessageRow {
  id: string;
  room_id: string;
  seq: Int8;
  sender_id: string;
  content: Json;
  tags: Json;
  created_at: Time;
  updated_at: Time;
  deleted: boolean;
}

export interface RoomEventRow {
  room_id: string;
  seq: Int8;
  kind: RoomEventKind;
  message_id: string;
  sender_id: string;
  content: Json;
  tags: Json;
  previous_content: Json | null;
  previous_tags: Json | null;
  message_created_at: Time;
  message_seq: Int8;
  time: Time;
}

/** What `rooms.options` holds: every option but the metadata, snake_case. */
export function optionsJson(o: RoomOptions): string {
  return JSON.stringify({
    join_policy: o.joinPolicy,
    members_can_publish: o.membersCanPublish,
    members_can_edit: o.membersCanEdit,
    presence: o.presence,
    history_max_count: o.historyMaxCount,
    history_max_age_seconds: o.historyMaxAgeSeconds,
    notify_offline: o.notifyOffline,
  });
}

function json<T = Record<string, unknown>>(v: Json): T {
  return (typeof v === "string" ? JSON.parse(v) : v) as T;
}

function time(v: Time): Date {
  return v instanceof Date ? v : new Date(v);
}

/** A room's row; options missing from it (stored before they existed) read as their defaults. */
export function toRoom(r: RoomRow): Room {
  const o = json(r.options);
  return {
    id: r.id,
    options: {
      joinPolicy: o.join_policy === "open" ? "open" : "members",
      membersCanPublish: o.members_can_publish === true,
      membersCanEdit: o.members_can_edit === true,
      presence: o.presence === true,
      historyMaxCount: Number(o.history_max_count ?? 0),
      historyMaxAgeSeconds: Number(o.history_max_age_seconds ?? 0),
      notifyOffline: o.notify_offline === true,
      metadata: json(r.metadata),
    },
    createdAt: time(r.created_at),
    updatedAt: time(r.updated_at),
    lastSeq: Number(r.last_seq ?? 0),
    purgedThroughSeq: Number(r.purged_through_seq),
  };
}

export function toRoomMessage(r: RoomMessageRow): RoomMessage {
  return {
    id: r.id,
    roomId: r.room_id,
    senderId: r.sender_id,
    content: json(r.content),
    tags: json<Record<string, string>>(r.tags),
    createdAt: time(r.created_at),
    updatedAt: time(r.updated_at),
    seq: Number(r.seq),
    deleted: r.deleted,
  };
}

/** A stored event; its message is as of the event (updated at the event's time). */
export function toRoomEvent(r: RoomEventRow): RoomEvent {
  const at = time(r.time);
  return {
    roomId: r.room_id,
    seq: Number(r.seq),
    kind: r.kind,
    message: {
      id: r.message_id,
      roomId: r.room_id,
      senderId: r.sender_id,
      content: json(r.content),
      tags: json<Record<string, string>>(r.tags),
      createdAt: time(r.message_created_at),
      updatedAt: at,
      seq: Number(r.message_seq),
      deleted: r.kind === "message_delete",
    },
    previousContent: r.previous_content === null ? null : json(r.previous_content),
    previousTags: r.previous_tags === null ? null : json<Record<string, string>>(r.previous_tags),
    time: at,
    persistent: true,
  };
}

export const ROOM_SELECT = `r.id, r.options, r.metadata, r.created_at, r.updated_at, r.purged_through_seq, c.last_seq`;

/**
 * Statement 1 of a message batch: takes a key-share lock on each room of the
 * batch (a concurrent room delete waits, or is seen) and each room's counter
 * row lock (the counter upsert by 0, in room order), and returns the rooms
 * that exist. It comes first so that statement 2's snapshot sees every
 * committed message of these rooms: a key stored by a racing batch is found,
 * and no seq is spent on a row that is not inserted.
 */
export const LOCK_ROOMS = `
with r as (
  select id from rooms where id in (select value from json_array_elements_text(?::json)) order by id for key share
),
c as (
  ${counterUpsert(ROOM_COUNTERS, "select id, 0 from r")}
)
select id from r`;

/**
 * Statement 2: finds rows whose (room, key) is already stored (returning the
 * first message's id and seq), numbers the others per room after the locked
 * counter, inserts each as a message and its `message` event, and advances
 * the counters by what it inserted.
 */
export const INSERT_MESSAGES = `
with input as (
  select * from json_to_recordset(?::json) as t(ord int, id uuid, room_id text, sender_id text, content jsonb, tags jsonb,
    created_at timestamptz, idempotency_key text)
),
existing as (
  select i.ord, m.id, m.seq from input i
  join room_messages m on m.room_id = i.room_id and m.idempotency_key = i.idempotency_key and m.idempotency_key <> ''
  where i.idempotency_key <> ''
),
fresh as (
  select i.*, row_number() over (partition by i.room_id order by i.ord) as rn
  from input i where not exists (select 1 from existing e where e.ord = i.ord)
),
numbered as (
  select f.*, c.last_seq + f.rn as seq from fresh f join room_counters c on c.room_id = f.room_id
),
messages as (
  insert into room_messages (id, room_id, seq, sender_id, content, tags, created_at, updated_at, idempotency_key)
  select id, room_id, seq, sender_id, content, tags, created_at, created_at, idempotency_key from numbered
  returning 1
),
events as (
  insert into room_events (room_id, seq, kind, message_id, sender_id, content, tags, message_created_at, message_seq, time)
  select room_id, seq, 'message', id, sender_id, content, tags, created_at, seq, created_at from numbered
  returning 1
),
bump as (
  ${counterUpsert(ROOM_COUNTERS, "select room_id, count(*) from fresh group by room_id")}
)
select ord, id::text as id, seq::text as seq, false as duplicate from numbered
union all
select ord, id::text, seq::text, true from existing`;

/** The JSON parameter of INSERT_MESSAGES, and for each input row the earlier row of the same (room, key) it repeats (-1: none). */
export function buildMessagePayload(input: NewRoomMessage[]): { rows: string; rooms: string[]; aliasOf: number[] } {
  const firstByKey = new Map<string, number>();
  const aliasOf = new Array<number>(input.length).fill(-1);
  const rows: unknown[] = [];
  input.forEach((m, ord) => {
    if (m.idempotencyKey !== "") {
      const key = JSON.stringify([m.roomId, m.idempotencyKey]);
      const first = firstByKey.get(key);
      if (first !== undefined) {
        aliasOf[ord] = first;
        return;
      }
      firstByKey.set(key, ord);
    }
    rows.push({
      ord,
      id: m.id,
      room_id: m.roomId,
      sender_id: m.senderId,
      content: m.content,
      tags: m.tags,
      created_at: m.createdAt.toISOString(),
      idempotency_key: m.idempotencyKey,
    });
  });
  return { rows: JSON.stringify(rows), rooms: [...new Set(input.map((m) => m.roomId))], aliasOf };
}

/**
 * An update or delete of a locked message: takes the room's next seq (the
 * counter upsert), rewrites the message and inserts the event, returning it.
 * Parameters: room id; content, tags, updated_at, deleted, message id; kind,
 * previous content, previous tags, time.
 */
export const CHANGE_MESSAGE = `
with bump as (
  ${counterUpsert(ROOM_COUNTERS, "select ?::text, 1::bigint")}
),
upd as (
  update room_messages set content = ?::jsonb, tags = ?::jsonb, updated_at = ?::timestamptz, deleted = ?::boolean
  where id = ?::uuid
  returning id, room_id, seq, sender_id, content, tags, created_at
)
insert into room_events (room_id, seq, kind, message_id, sender_id, content, tags, previous_content, previous_tags,
  message_created_at, message_seq, time)
select u.room_id, b.last_seq, ?, u.id, u.sender_id, u.content, u.tags, ?::jsonb, ?::jsonb, u.created_at, u.seq, ?::timestamptz
from upd u cross join bump b
returning *`;

/**
 * Retention, one slice: for each room with a max count or age, the cutoff is
 * the highest creation seq beyond either limit (by age: everything before the
 * room's oldest message young enough to keep, so a purge is always a prefix of
 * the room's seqs). Deletes at most `slice` of the oldest such messages (over
 * all rooms), every event up to the highest deleted seq of each room, and
 * raises the rooms' `purged_through_seq` to it. Parameters: now, slice.
 * `cut` is materialized: inlined into the join, each room's cutoff would be
 * computed once per message joined to it (1.5 s instead of 15 ms for 20,000 messages).
 *
 * It locks the rooms first, in id order (`for no key update`: publishers'
 * key-share locks do not wait for it): a room delete, which deletes the room's
 * row and then its messages, waits for it instead of deadlocking with it, and
 * purges on several nodes take turns.
 */
export const PURGE_SLICE = `
with limited as (
  select id, coalesce((options->>'history_max_count')::bigint, 0) as max_count,
    coalesce((options->>'history_max_age_seconds')::bigint, 0) as max_age
  from rooms
  where coalesce((options->>'history_max_count')::bigint, 0) > 0 or coalesce((options->>'history_max_age_seconds')::bigint, 0) > 0
  order by id for no key update
),
cut as materialized (
  select l.id as room_id, greatest(
    case when l.max_count > 0 then coalesce(
      (select m.seq from room_messages m where m.room_id = l.id order by m.seq desc offset l.max_count limit 1), 0) else 0 end,
    case when l.max_age > 0 then coalesce(
      (select min(m.seq) - 1 from room_messages m where m.room_id = l.id and m.created_at >= ?::timestamptz - l.max_age * interval '1 second'),
      (select max(m.seq) from room_messages m where m.room_id = l.id), 0) else 0 end
  ) as cutoff
  from limited l
),
victims as (
  select m.id, m.room_id, m.seq from room_messages m join cut c on c.room_id = m.room_id
  where m.seq <= c.cutoff order by m.room_id, m.seq limit ?
),
gone as (
  delete from room_messages m using victims v where m.id = v.id returning m.room_id, m.seq
),
through as (
  select room_id, max(seq) as seq from gone group by room_id
),
events as (
  delete from room_events e using through t where e.room_id = t.room_id and e.seq <= t.seq returning 1
),
raised as (
  update rooms r set purged_through_seq = greatest(r.purged_through_seq, t.seq) from through t where r.id = t.room_id returning 1
)
select count(*)::int as n from gone`;
