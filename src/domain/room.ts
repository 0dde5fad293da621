import type { ListDirection } from "./notification.js";

/** Who may join a room. */
export type JoinPolicy = "members" | "open";

/** A room's options, set by backends. */
export interface RoomOptions {
  joinPolicy: JoinPolicy;
  /** Members (clients) may publish; backends always may. */
  membersCanPublish: boolean;
  /** Members may edit and delete their own messages. */
  membersCanEdit: boolean;
  /** Presence is tracked: join/leave events and `presence` queries. */
  presence: boolean;
  /** Keep at most this many messages; 0 = no count limit. */
  historyMaxCount: number;
  /** Keep messages at most this long; 0 = no age limit. */
  historyMaxAgeSeconds: number;
  /**
   * A persistent message leaves a `ROOM_MESSAGE` notification in the inbox of
   * each member (but its sender) who has no connection on any node.
   */
  notifyOffline: boolean;
  metadata: Record<string, unknown>;
}

export interface Room {
  id: string;
  options: RoomOptions;
  createdAt: Date;
  updatedAt: Date;
  /** The newest event seq (0: none). */
  lastSeq: number;
  /** Events up to this seq were purged by retention (0: none). */
  purgedThroughSeq: number;
}

/** A message as of an event (or now). A deleted message is a tombstone: empty content and tags. */
export interface RoomMessage {
  /** UUIDv7. */
  id: string;
  roomId: string;
  /** Empty = a backend. */
  senderId: string;
  content: Record<string, unknown>;
  tags: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
  /** The seq of the event that created it; 0 for an ephemeral message. */
  seq: number;
  deleted: boolean;
}

export type RoomEventKind = "message" | "message_update" | "message_delete";

/**
 * One change of a room. Persistent events carry the room's next seq
 * (gapless); ephemeral messages carry seq 0 and are never stored.
 */
export interface RoomEvent {
  roomId: string;
  seq: number;
  kind: RoomEventKind;
  message: RoomMessage;
  /** For an update or delete: the content before it (kept for filters deciding "matched before"). */
  previousContent: Record<string, unknown> | null;
  previousTags: Record<string, string> | null;
  time: Date;
  /** Stored with a seq (false: an ephemeral publish). */
  persistent: boolean;
}

/** One message to publish, validated. */
export interface OutgoingRoomMessage {
  roomId: string;
  content: Record<string, unknown>;
  tags: Record<string, string>;
  /** Empty = a backend. */
  senderId: string;
  persistent: boolean;
  /** Empty = none. */
  idempotencyKey: string;
}

export interface PublishResult {
  index: number;
  messageId: string;
  seq: number;
  duplicate: boolean;
}

/** A validated page request over a room's messages (`position` from a decoded cursor, or `after_seq`). */
export interface RoomMessageQuery {
  limit: number;
  direction: ListDirection;
  /** Forward: seq > this. Backward: seq < this (0 = from the newest). */
  position: number;
}

export interface RoomMessagePage {
  messages: RoomMessage[];
  nextCursor: string;
}

export interface PresenceUser {
  userId: string;
  connections: number;
}

export interface RoomPresence {
  roomId: string;
  users: PresenceUser[];
  userCount: number;
}

/** Why the server ended a subscription. */
export type UnsubscribeReason = "removed" | "room_deleted" | "unsubscribed" | "token_expired" | "not_allowed" | "history_purged";

/** Who acts on a room: a backend (trusted) or a client's user (subject to the room's options). */
export type Actor = { kind: "backend" } | { kind: "user"; userId: string };

/** The `message` event of a published message: stored (seq > 0) or ephemeral (seq 0). */
export function messageEvent(r: OutgoingRoomMessage & { id: string }, seq: number, now: Date): RoomEvent {
  const message: RoomMessage = {
    id: r.id,
    roomId: r.roomId,
    senderId: r.senderId,
    content: r.content,
    tags: r.tags,
    createdAt: now,
    updatedAt: now,
    seq,
    deleted: false,
  };
  return { roomId: r.roomId, seq, kind: "message", message, previousContent: null, previousTags: null, time: now, persistent: seq > 0 };
}
