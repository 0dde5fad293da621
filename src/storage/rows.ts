import type { Notification } from "../domain/notification.js";

/** Row types of the database, in one place. Column names are snake_case. */

/** A notification as read: its `notifications` row with its body (its own, or the shared one in `notification_contents`). */
export interface NotificationRow {
  id: string;
  user_id: string;
  /** bigint: pg returns it as a string, PGlite as a number or bigint. */
  seq: string | number | bigint;
  code: number;
  subject: string;
  content: Record<string, unknown> | string;
  sender_id: string;
  created_at: Date | string;
  read_at: Date | string | null;
  ack_at: Date | string | null;
  expire_at: Date | string | null;
  idempotency_key: string | null;
}

export interface UserCounterRow {
  user_id: string;
  last_seq: string | number | bigint;
}

export interface BanRow {
  user_id: string;
  reason: string;
  created_at: Date | string;
}

/** Body of one sent item, shared by the rows of its recipients (`notifications.content_id`). */
export interface NotificationContentRow {
  id: string;
  subject: string;
  content: Record<string, unknown> | string;
  sender_id: string;
}

/**
 * What reads select, from `notifications n left join notification_contents c
 * on c.id = n.content_id`: a shared body when the row references one, else the
 * row's own.
 */
export const NOTIFICATION_SELECT = `n.id, n.user_id, n.seq, n.code,
  coalesce(c.subject, n.subject) as subject, coalesce(c.content, n.content) as content,
  coalesce(c.sender_id, n.sender_id) as sender_id, n.created_at, n.read_at, n.ack_at, n.expire_at`;

function toDate(v: Date | string): Date {
  return v instanceof Date ? v : new Date(v);
}

function toDateOrNull(v: Date | string | null): Date | null {
  return v === null ? null : toDate(v);
}

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    userId: row.user_id,
    seq: Number(row.seq),
    code: row.code,
    subject: row.subject,
    content: typeof row.content === "string" ? (JSON.parse(row.content) as Record<string, unknown>) : row.content,
    senderId: row.sender_id,
    persistent: true,
    createdAt: toDate(row.created_at),
    readAt: toDateOrNull(row.read_at),
    ackAt: toDateOrNull(row.ack_at),
    expireAt: toDateOrNull(row.expire_at),
  };
}
