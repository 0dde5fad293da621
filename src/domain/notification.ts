/** A notification as the domain sees it; transports convert to and from gen/ types. */
export interface Notification {
  /** UUIDv7. */
  id: string;
  userId: string;
  /** Per-user gapless sequence for persistent notifications; 0 for ephemeral ones. */
  seq: number;
  code: number;
  subject: string;
  content: Record<string, unknown>;
  /** Empty string means the server. */
  senderId: string;
  persistent: boolean;
  createdAt: Date;
  readAt: Date | null;
  expireAt: Date | null;
  ackAt: Date | null;
}

/** One notification to send to one or more users, already validated. */
export interface OutgoingNotification {
  userIds: string[];
  code: number;
  subject: string;
  content: Record<string, unknown>;
  senderId: string;
  persistent: boolean;
  /** Empty string means none. */
  idempotencyKey: string;
  expireAt: Date | null;
}

/** What happened to one notification for one recipient. */
export interface SendResult {
  index: number;
  userId: string;
  notificationId: string;
  seq: number;
  duplicate: boolean;
}

/** Reserved codes (<= 0) that only the server emits. Mirrors proto `herald.v1.SystemCode`. */
export const SystemCode = {
  SESSION_REPLACED: -1,
  DISCONNECTED: -2,
  BANNED: -3,
  TOKEN_EXPIRED: -4,
  READ_ELSEWHERE: -5,
  DELETED_ELSEWHERE: -6,
  UNBANNED: -7,
  ROOM_MESSAGE: -8,
} as const;
export type SystemCode = (typeof SystemCode)[keyof typeof SystemCode];

/** A pushed-only state-sync signal; never stored. */
export interface SystemEvent {
  code: SystemCode;
  reason: string;
  notificationIds: string[];
  upToSeq: number;
  unreadCount: number;
  time: Date;
}

export type ListDirection = "forward" | "backward";
export type SystemFilter = "include" | "exclude" | "only";

/** A validated inbox query. `position` comes from a decoded cursor (0 without one). */
export interface InboxQuery {
  limit: number;
  direction: ListDirection;
  /** Forward: return seq > this. Backward: return seq < this (0 = from the newest). */
  position: number;
  unreadOnly: boolean;
  systemFilter: SystemFilter;
}

export interface InboxPage {
  notifications: Notification[];
  nextCursor: string;
  syncCursor: string;
  hasMore: boolean;
}

export type MarkReadTarget = { ids: string[] } | { upToSeq: number };
