import type {
  InboxQuery,
  MarkReadTarget,
  Notification,
  SystemEvent,
} from "./notification.js";

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

/** Events that reach every connection of one user, on whichever node holds it. */
export type UserEvent =
  | { kind: "notification"; notification: Notification }
  | { kind: "system_event"; event: SystemEvent; /** Session that caused it; it is not told. */ exceptSessionId: string }
  | { kind: "close"; close: CloseCommand }
  | { kind: "opened"; sessionId: string; openedAtMs: number; originNode: string };

export interface Subscription {
  ready: Promise<void>;
  unsubscribe(): void;
}

/**
 * The fan-out bus (Centrifuge's Broker): publishes per-user events to every
 * node holding a connection of that user, this node included.
 */
export interface FanoutBus {
  /**
   * Delivers to local subscribers and publishes to other nodes. Resolves once
   * handed to the transport; rejects (as `unavailable`) when it could not be.
   */
  publish(userId: string, event: UserEvent): Promise<void>;
  /**
   * Publishes many notifications (each to its user) in one call: the hot path
   * of a send. Resolves with those that could not be handed to the transport.
   */
  publishNotifications(list: Notification[]): Promise<Notification[]>;
  /**
   * Subscribes to one user's events. `ready` resolves once events published
   * anywhere after it are sure to arrive (the subscription reached the broker).
   */
  subscribe(userId: string, listener: (event: UserEvent) => void): Subscription;
  /**
   * How many connections of the user other nodes hold (0 for a single node).
   * Best effort: nodes that do not answer in time are not counted.
   */
  remoteConnectionCount(userId: string): Promise<number>;
  /** Lets other nodes ask this node how many connections of a user it holds. */
  providePresence(count: (userId: string) => number): void;
  /** Called after a lost link to other nodes is back; events may have been missed. */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}
