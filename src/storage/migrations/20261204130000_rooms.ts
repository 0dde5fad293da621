import type { Knex } from "knex";
import { counterTable, createCounterTable } from "../stream-counters.js";

/*
 * Rooms: shared streams with a gapless per-room seq.
 *
 * - `rooms`: the options set by backends (`options`: every RoomOption but the
 *   metadata, snake_case keys), their metadata, and `purged_through_seq`, the
 *   seq up to which retention deleted the room's events.
 * - `room_members`: the server-side member set (by user too: a user's rooms).
 * - `room_counters`: each room's last assigned seq (the counter upsert of
 *   stream-counters.ts: its row lock orders the writers of a room).
 * - `room_messages`: each stored message as of now (a deleted one is a
 *   tombstone), by its creation seq; a partial unique index makes idempotency
 *   keys race-free per room.
 * - `room_events`: the room's event log, one row per seq: the message as of
 *   that event (`{}` for a delete) and, for an update or delete, its content
 *   and tags before.
 * - `room_presence` and `node_heartbeats`: which node holds how many
 *   subscriptions of which user in which room, and when each node last beat.
 */
const ROOM_COUNTERS = counterTable("room_counters", "room_id");

export async function up(knex: Knex): Promise<void> {
  await createRooms(knex);
  await createMessages(knex);
  await createPresence(knex);
}

async function createRooms(knex: Knex): Promise<void> {
  await knex.raw(`
    create table rooms (
      id text primary key,
      options jsonb not null default '{}',
      metadata jsonb not null default '{}',
      created_at timestamptz not null,
      updated_at timestamptz not null,
      purged_through_seq bigint not null default 0
    )`);
  await knex.raw(`
    create table room_members (
      room_id text not null,
      user_id text not null,
      added_at timestamptz not null,
      primary key (room_id, user_id)
    )`);
  await knex.raw("create index room_members_user on room_members (user_id)");
  await createCounterTable(knex.schema, ROOM_COUNTERS);
}

async function createMessages(knex: Knex): Promise<void> {
  await knex.raw(`
    create table room_messages (
      id uuid primary key,
      room_id text not null,
      seq bigint not null,
      sender_id text not null default '',
      content jsonb not null default '{}',
      tags jsonb not null default '{}',
      created_at timestamptz not null,
      updated_at timestamptz not null,
      deleted boolean not null default false,
      idempotency_key text not null default '',
      constraint room_messages_room_seq unique (room_id, seq)
    )`);
  await knex.raw(
    "create unique index room_messages_room_idempotency on room_messages (room_id, idempotency_key) where idempotency_key <> ''",
  );
  await knex.raw(`
    create table room_events (
      room_id text not null,
      seq bigint not null,
      kind text not null check (kind in ('message', 'message_update', 'message_delete')),
      message_id uuid not null,
      sender_id text not null default '',
      content jsonb not null default '{}',
      tags jsonb not null default '{}',
      previous_content jsonb,
      previous_tags jsonb,
      message_created_at timestamptz not null,
      message_seq bigint not null,
      time timestamptz not null,
      primary key (room_id, seq)
    )`);
}

async function createPresence(knex: Knex): Promise<void> {
  await knex.raw(`
    create table room_presence (
      room_id text not null,
      user_id text not null,
      node_id text not null,
      connections integer not null,
      primary key (room_id, user_id, node_id)
    )`);
  await knex.raw("create index room_presence_node on room_presence (node_id)");
  await knex.raw(`
    create table node_heartbeats (
      node_id text primary key,
      seen_at timestamptz not null
    )`);
}

/** Drops every room, message, event and presence row: only for development and tests. */
export async function down(knex: Knex): Promise<void> {
  for (const table of ["node_heartbeats", "room_presence", "room_events", "room_messages", ROOM_COUNTERS.table, "room_members", "rooms"])
    await knex.raw(`drop table ${table}`);
}
