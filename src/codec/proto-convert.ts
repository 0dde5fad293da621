import type {
  InboxPage as DomainPage,
  ListDirection as DomainDirection,
  Notification as DomainNotification,
  OutgoingNotification as DomainOutgoing,
  SystemEvent as DomainSystemEvent,
  SystemFilter as DomainFilter,
  SystemCode as DomainSystemCode,
} from "../domain/notification.js";
import { HeraldError } from "../domain/errors.js";
import type { ListRequest } from "../domain/inbox-service.js";
import {
  type InboxPage,
  type InboxQuery,
  ListDirection,
  type Notification,
  type SystemEvent,
  SystemFilter,
} from "../../gen/herald/v1/notification.js";
import type { OutgoingNotification } from "../../gen/herald/v1/notification_service.js";

/**
 * Conversions between gen/ types and domain types, shared by the gRPC and
 * WebSocket transports and the NATS fan-out (all three speak herald.v1 types).
 */
export function notificationToProto(n: DomainNotification): Notification {
  return {
    id: n.id,
    userId: n.userId,
    seq: String(n.seq),
    code: n.code,
    subject: n.subject,
    content: n.content,
    senderId: n.senderId,
    persistent: n.persistent,
    createTime: n.createdAt.toISOString(),
    readTime: n.readAt?.toISOString(),
    expireTime: n.expireAt?.toISOString(),
    ackTime: n.ackAt?.toISOString(),
  };
}

function dateOrNull(s: string | undefined): Date | null {
  return s === undefined ? null : new Date(s);
}

export function notificationFromProto(p: Notification): DomainNotification {
  return {
    id: p.id,
    userId: p.userId,
    seq: Number(p.seq),
    code: p.code,
    subject: p.subject,
    content: (p.content ?? {}) as Record<string, unknown>,
    senderId: p.senderId,
    persistent: p.persistent,
    createdAt: new Date(p.createTime ?? 0),
    readAt: dateOrNull(p.readTime),
    expireAt: dateOrNull(p.expireTime),
    ackAt: dateOrNull(p.ackTime),
  };
}

export function systemEventToProto(e: DomainSystemEvent): SystemEvent {
  return {
    code: e.code,
    reason: e.reason,
    notificationIds: e.notificationIds,
    upToSeq: String(e.upToSeq),
    unreadCount: e.unreadCount,
    time: e.time.toISOString(),
  };
}

export function systemEventFromProto(p: SystemEvent): DomainSystemEvent {
  return {
    code: p.code as number as DomainSystemCode,
    reason: p.reason,
    notificationIds: p.notificationIds,
    upToSeq: Number(p.upToSeq),
    unreadCount: p.unreadCount,
    time: new Date(p.time ?? 0),
  };
}

export function pageToProto(p: DomainPage): InboxPage {
  return {
    notifications: p.notifications.map(notificationToProto),
    nextCursor: p.nextCursor,
    syncCursor: p.syncCursor,
    hasMore: p.hasMore,
  };
}

const DIRECTIONS: Record<number, DomainDirection> = {
  [ListDirection.LIST_DIRECTION_UNSPECIFIED]: "forward",
  [ListDirection.LIST_DIRECTION_FORWARD]: "forward",
  [ListDirection.LIST_DIRECTION_BACKWARD]: "backward",
};

const FILTERS: Record<number, DomainFilter> = {
  [SystemFilter.SYSTEM_FILTER_UNSPECIFIED]: "include",
  [SystemFilter.SYSTEM_FILTER_INCLUDE]: "include",
  [SystemFilter.SYSTEM_FILTER_EXCLUDE]: "exclude",
  [SystemFilter.SYSTEM_FILTER_ONLY]: "only",
};

export function queryFromProto(q: InboxQuery | undefined, field: string): ListRequest {
  const query = q ?? { limit: 0, cursor: "", direction: 0, unreadOnly: false, systemFilter: 0 };
  const direction = DIRECTIONS[query.direction];
  if (!direction) throw HeraldError.invalid(`${field}.direction`, "unknown direction");
  const systemFilter = FILTERS[query.systemFilter];
  if (!systemFilter) throw HeraldError.invalid(`${field}.system_filter`, "unknown system filter");
  return { limit: query.limit, cursor: query.cursor, direction, unreadOnly: query.unreadOnly, systemFilter };
}

export function outgoingFromProto(o: OutgoingNotification, index: number): DomainOutgoing {
  let expireAt: Date | null = null;
  if (o.expireTime !== undefined) {
    expireAt = new Date(o.expireTime);
    if (Number.isNaN(expireAt.getTime())) throw HeraldError.invalid(`notifications[${index}].expire_time`, "not a valid time");
  }
  return {
    userIds: o.userIds,
    code: o.code,
    subject: o.subject,
    content: (o.content ?? {}) as Record<string, unknown>,
    senderId: o.senderId,
    persistent: o.persistent,
    idempotencyKey: o.idempotencyKey,
    expireAt,
  };
}
