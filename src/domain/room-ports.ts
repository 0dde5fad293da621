import type { OutgoingRoomMessage, Room, RoomEvent, RoomMessage, RoomOptions, PresenceUser } from "./room.js";

/** A message to store, with id and time assigned. */
export interface NewRoomMessage extends OutgoingRoomMessage {
  id: string;
  createdAt: Date;
}

/** Outcome of storing one NewRoomMessage, in input order. */
export interface StoredRoomMessage {
  /** For a duplicate idempotency key: the first message's id. */
  id: string;
  seq: number;
  duplicate: boolean;
}

/**
 * Rooms, members and the room event log. Seqs are gapless per room and
 * assigned inside the inserting transaction (the counter upsert), so that a
 * reader asking for "seq > N" never misses an event that commits late.
 * Errors are HeraldErrors (`not_found` for a missing room or message).
 */
export interface RoomStore {
  /** `already_exists` when the id is taken. */
  create(id: string, options: RoomOptions, now: Date): Promise<Room>;
  /** `not_found` when missing. */
  update(id: string, options: RoomOptions, now: Date): Promise<Room>;
  /** Deletes the room, its members, messages and events; false when it did not exist. */
  delete(id: string): Promise<boolean>;
  get(id: string): Promise<Room | null>;
  /** Returns how many were not members before. `not_found` for a missing room. */
  addMembers(roomId: string, userIds: string[], now: Date): Promise<number>;
  /** Returns the ids that were members. */
  removeMembers(roomId: string, userIds: string[]): Promise<string[]>;
  /** Member ids > `after`, ascending, at most `limit`. */
  listMembers(roomId: string, after: string, limit: number): Promise<string[]>;
  isMember(roomId: string, userId: string): Promise<boolean>;
  /** Which of `userIds` are members of the room. */
  membersAmong(roomId: string, userIds: string[]): Promise<Set<string>>;
  /**
   * Stores a batch of persistent messages (any rooms) atomically: each a
   * `message` event with its room's next seq. A repeated idempotency key (per
   * room) stores nothing and returns the first message's id and seq.
   * `not_found` (field = the index) when a room does not exist.
   */
  insertMessages(rows: NewRoomMessage[]): Promise<StoredRoomMessage[]>;
  /**
   * Applies an update (content and tags) or a delete (tombstone) to a stored
   * message as one event with the room's next seq, and returns that event.
   * `check` runs on the current message inside the transaction (e.g. "is the
   * sender") and may throw to refuse; `not_found` for an unknown message or
   * one already deleted.
   */
  changeMessage(
    change: {
      roomId: string;
      messageId: string;
      kind: "message_update" | "message_delete";
      content: Record<string, unknown>;
      tags: Record<string, string>;
      now: Date;
    },
    check: (current: RoomMessage) => void,
  ): Promise<RoomEvent>;
  /** Stored events with seq > afterSeq, oldest first. */
  eventsAfter(roomId: string, afterSeq: number, limit: number): Promise<RoomEvent[]>;
  /** Stored messages (tombstones included) by creation seq: forward > position, backward < position (0: newest). */
  listMessages(roomId: string, direction: "forward" | "backward", position: number, limit: number): Promise<RoomMessage[]>;
  /**
   * Retention: deletes at most `slice` messages (and their events) of rooms
   * past their max count or age; returns how many. Raises `purged_through_seq`.
   */
  purgeExpired(now: Date, slice: number): Promise<number>;
}

/**
 * Who is subscribed to which room, on every node. Each node reports its own
 * subscriptions and a heartbeat; a node that stops beating is forgotten.
 */
export interface PresenceStore {
  /**
   * Adds (delta 1) or removes (-1) one subscription of `userId` on `nodeId`.
   * Returns whether the user's presence changed (first join, last leave,
   * counted over all nodes) and the room's distinct users after it.
   */
  change(roomId: string, userId: string, nodeId: string, delta: 1 | -1): Promise<{ changed: boolean; userCount: number }>;
  /** Present users (at most `limit`, by id) and the room's distinct user count. */
  get(roomId: string, limit: number): Promise<{ users: PresenceUser[]; userCount: number }>;
  /** Records that `nodeId` is alive. */
  beat(nodeId: string, now: Date): Promise<void>;
  /**
   * Forgets nodes not seen since `staleBefore` (and `nodeId`'s own rows when
   * asked to, at shutdown; with `orphans`, rows of nodes that have no
   * heartbeat at all, a full scan); returns the (room, user) pairs that left,
   * each with the room's user count after.
   */
  sweep(staleBefore: Date, alsoNode?: string, orphans?: boolean): Promise<Array<{ roomId: string; userId: string; userCount: number }>>;
}
