import type { InboxQuery, MarkReadTarget, Notification, SystemEvent } from "./notification.js";
import type { RoomEvent, UnsubscribeReason } from "./room.js";
import type { Topic } from "./topic.js";

/** A notification to store, with its id and time already assigned. */
export interface NewNotification {
  id: string;
  userId: string;
  code: number;
  subject: string;
  /**
   * Rows that share one content object (the same reference) and the same
   * subject, sender, code and times are one sent item: the store keeps its body
   * once, not once per recipient. Pass one object for all recipients of an item.
   */
  content: Record<string, unknown>;
  senderId: string;
  createdAt: Date;
  expireAt: Date | null;
  /** Empty string means none. */
  idempotencyKey: string;
}

/** Outcome of storing one NewNotification, in input order. */
export interface StoredOutcome {
  /** The stored id; for a duplicate idempotency key, the first notification's id. */
  id: string;
  seq: number;
  duplicate: boolean;
}

/**
 * Persistent inbox storage. Implementations must assign each user's seq
 * gaplessly and strictly increasing inside the inserting transaction, so that a
 * reader asking for "seq > N" never misses a row that commits late. Errors are
 * HeraldErrors: a database that cannot be reached is `unavailable`.
 */
export interface NotificationStore {
  /** Stores a batch atomically: all rows or none. */
  insertBatch(rows: NewNotification[]): Promise<StoredOutcome[]>;
  list(userId: string, query: InboxQuery): Promise<Notification[]>;
  /** Persistent notifications with seq > afterSeq, oldest first, unexpired. */
  listAfter(userId: string, afterSeq: number, limit: number): Promise<Notification[]>;
  deleteByIds(userId: string, ids: string[]): Promise<string[]>;
  markRead(userId: string, target: MarkReadTarget): Promise<{ count: number; ids: string[] }>;
  ack(userId: string, ids: string[]): Promise<number>;
  unreadCount(userId: string): Promise<number>;
  lastSeq(userId: string): Promise<number>;
  /** `lastSeq` and `unreadCount` of a user, read together (what a new connection starts from). */
  sessionState(userId: string): Promise<{ lastSeq: number; unreadCount: number }>;
  /** The highest seq of the user's stored notifications that a client acknowledged; 0 if none. */
  lastAcknowledgedSeq(userId: string): Promise<number>;
  purgeExpired(now: Date): Promise<number>;
}

/** Bans survive restarts and hold on every node. */
export interface BanStore {
  ban(userId: string, reason: string): Promise<void>;
  /** Returns false when the user was not banned. */
  unban(userId: string): Promise<boolean>;
  isBanned(userId: string): Promise<boolean>;
}

/** How a user's live connections are told to close. */
export type CloseKind = "disconnected" | "banned" | "session_replaced" | "connection_limit";

export interface CloseCommand {
  kind: CloseKind;
  reason: string;
  /** Sessions to spare. */
  exceptSessionIds: string[];
  /** Only these sessions; empty means all but the spared. */
  sessionIds: string[];
}

/**
 * Events published on a topic. On a user's topic they reach every connection
 * of the user, on whichever node holds it.
 */
export type UserEvent =
  | { kind: "notification"; notification: Notification }
  | { kind: "system_event"; event: SystemEvent /** Session that caused it; it is not told. */; exceptSessionId: string }
  | { kind: "close"; close: CloseCommand }
  | { kind: "opened"; sessionId: string; openedAtMs: number; originNode: string }
  /** A new message in one of the user's rooms (connections not subscribed to the room show it). */
  | { kind: "room_activity"; roomId: string; messageId: string; seq: number; senderId: string };

/** Events published on a room's topic; they reach the room's subscribers on every node. */
export type RoomTopicEvent =
  | { kind: "room_event"; event: RoomEvent }
  | { kind: "typing"; roomId: string; userId: string; typing: boolean /** Not echoed to it. */; exceptSessionId: string }
  | {
      kind: "presence";
      roomId: string;
      userId: string;
      joined: boolean;
      userCount: number;
      volatile: Record<string, unknown> | null;
    }
  /**
   * Ends the subscriptions of these users (empty: everyone's); with
   * `nonMembersOnly`, of every user who is not a member (the room became members-only).
   */
  | { kind: "end_subscriptions"; roomId: string; userIds: string[]; reason: UnsubscribeReason; nonMembersOnly?: boolean };

/** Anything published on a topic. */
export type TopicEvent = UserEvent | RoomTopicEvent;

export interface Subscription {
  ready: Promise<void>;
  unsubscribe(): void;
}

/**
 * The broker (Centrifuge's Broker): publishes a topic's events to every node
 * that holds a subscriber of the topic, this node included. A node listens to
 * a topic only while it holds a local subscriber of it.
 */
export interface Broker {
  /**
   * Delivers to local subscribers and publishes to other nodes. Resolves once
   * handed to the transport; rejects (as `unavailable`) when it could not be.
   */
  publish(topic: Topic, event: TopicEvent): Promise<void>;
  /**
   * Publishes many notifications (each on its user's topic) in one call: the
   * hot path of a send. Resolves with those that could not be handed to the transport.
   */
  publishNotifications(list: Notification[]): Promise<Notification[]>;
  /**
   * Subscribes to one topic's events. `ready` resolves once events published
   * anywhere after it are sure to arrive (the subscription reached the broker).
   * The first local subscriber of a topic starts listening to it on other
   * nodes' publishes; unsubscribing the last one stops.
   */
  subscribe(topic: Topic, listener: (event: TopicEvent) => void): Subscription;
  /** Called after a lost link to other nodes is back; events may have been missed. */
  onReconnect(listener: () => void): () => void;
}

/** How many connections each user has across the nodes, for the per-user connection cap. */
export interface PresenceDirectory {
  /**
   * How many connections of the user other nodes hold (0 for a single node).
   * Best effort: nodes that do not answer in time are not counted.
   */
  remoteConnectionCount(userId: string): Promise<number>;
  /**
   * Which of `userIds` hold at least one connection on any node, this one
   * included. Best effort for other nodes, as above.
   */
  connectedAmong(userIds: string[]): Promise<Set<string>>;
  /** Lets other nodes (and `connectedAmong`) ask this node how many connections of a user it holds. */
  provide(count: (userId: string) => number): void;
}
