import { HeraldError } from "../domain/errors.js";
import type {
  JoinPolicy as DomainJoinPolicy,
  OutgoingRoomMessage as DomainOutgoing,
  Room as DomainRoom,
  RoomEvent as DomainEvent,
  RoomEventKind as DomainKind,
  RoomMessage as DomainMessage,
  RoomMessagePage as DomainPage,
  RoomOptions as DomainOptions,
  RoomPresence as DomainPresence,
  UnsubscribeReason as DomainReason,
} from "../domain/room.js";
import type { RoomListRequest } from "../domain/room-service.js";
import { ListDirection } from "../../gen/herald/v1/notification.js";
import {
  JoinPolicy,
  type Room,
  type RoomEvent,
  RoomEventKind,
  type RoomMessage,
  type RoomMessagePage,
  type RoomMessageQuery,
  type RoomOptions,
  type RoomPresence,
  UnsubscribeReason,
} from "../../gen/herald/v1/room.js";
import type { OutgoingRoomMessage } from "../../gen/herald/v1/room_service.js";

/** Conversions between gen/ room types and domain room types (gRPC, WebSocket, broker codec). */

const POLICIES: Record<number, DomainJoinPolicy> = {
  [JoinPolicy.JOIN_POLICY_UNSPECIFIED]: "members",
  [JoinPolicy.JOIN_POLICY_MEMBERS]: "members",
  [JoinPolicy.JOIN_POLICY_OPEN]: "open",
};

const KIND_TO_PROTO: Record<DomainKind, RoomEventKind> = {
  message: RoomEventKind.ROOM_EVENT_KIND_MESSAGE,
  message_update: RoomEventKind.ROOM_EVENT_KIND_MESSAGE_UPDATE,
  message_delete: RoomEventKind.ROOM_EVENT_KIND_MESSAGE_DELETE,
};
const PROTO_TO_KIND = new Map<number, DomainKind>(Object.entries(KIND_TO_PROTO).map(([k, v]) => [v, k as DomainKind]));

export const REASON_TO_PROTO: Record<DomainReason, UnsubscribeReason> = {
  removed: UnsubscribeReason.UNSUBSCRIBE_REASON_REMOVED,
  room_deleted: UnsubscribeReason.UNSUBSCRIBE_REASON_ROOM_DELETED,
  unsubscribed: UnsubscribeReason.UNSUBSCRIBE_REASON_UNSUBSCRIBED,
  token_expired: UnsubscribeReason.UNSUBSCRIBE_REASON_TOKEN_EXPIRED,
  not_allowed: UnsubscribeReason.UNSUBSCRIBE_REASON_NOT_ALLOWED,
  history_purged: UnsubscribeReason.UNSUBSCRIBE_REASON_HISTORY_PURGED,
};
const PROTO_TO_REASON = new Map<number, DomainReason>(Object.entries(REASON_TO_PROTO).map(([k, v]) => [v, k as DomainReason]));

export function reasonFromProto(r: UnsubscribeReason): DomainReason | undefined {
  return PROTO_TO_REASON.get(r);
}

export function roomOptionsFromProto(o: RoomOptions | undefined, field: string): DomainOptions {
  const p: RoomOptions = o ?? {
    joinPolicy: 0,
    membersCanPublish: false,
    membersCanEdit: false,
    presence: false,
    historyMaxCount: 0,
    historyMaxAgeSeconds: 0,
    notifyOffline: false,
  };
  const joinPolicy = POLICIES[p.joinPolicy];
  if (!joinPolicy) throw HeraldError.invalid(`${field}.join_policy`, "unknown join policy");
  return {
    joinPolicy,
    membersCanPublish: p.membersCanPublish,
    membersCanEdit: p.membersCanEdit,
    presence: p.presence,
    historyMaxCount: p.historyMaxCount,
    historyMaxAgeSeconds: p.historyMaxAgeSeconds,
    notifyOffline: p.notifyOffline,
    metadata: (p.metadata ?? {}) as Record<string, unknown>,
  };
}

export function roomToProto(r: DomainRoom): Room {
  const o = r.options;
  return {
    roomId: r.id,
    options: {
      joinPolicy: o.joinPolicy === "open" ? JoinPolicy.JOIN_POLICY_OPEN : JoinPolicy.JOIN_POLICY_MEMBERS,
      membersCanPublish: o.membersCanPublish,
      membersCanEdit: o.membersCanEdit,
      presence: o.presence,
      historyMaxCount: o.historyMaxCount,
      historyMaxAgeSeconds: o.historyMaxAgeSeconds,
      notifyOffline: o.notifyOffline,
      metadata: o.metadata,
    },
    createTime: r.createdAt.toISOString(),
    updateTime: r.updatedAt.toISOString(),
    lastSeq: String(r.lastSeq),
  };
}

export function roomMessageToProto(m: DomainMessage): RoomMessage {
  return {
    messageId: m.id,
    roomId: m.roomId,
    senderId: m.senderId,
    content: m.deleted ? undefined : m.content,
    tags: m.tags,
    createTime: m.createdAt.toISOString(),
    updateTime: m.updatedAt.toISOString(),
    seq: String(m.seq),
    deleted: m.deleted,
  };
}

export function roomMessageFromProto(p: RoomMessage): DomainMessage {
  return {
    id: p.messageId,
    roomId: p.roomId,
    senderId: p.senderId,
    content: (p.content ?? {}) as Record<string, unknown>,
    tags: p.tags,
    createdAt: new Date(p.createTime ?? 0),
    updatedAt: new Date(p.updateTime ?? 0),
    seq: Number(p.seq),
    deleted: p.deleted,
  };
}

export function roomEventToProto(e: DomainEvent): RoomEvent {
  return {
    roomId: e.roomId,
    seq: String(e.seq),
    kind: KIND_TO_PROTO[e.kind],
    message: roomMessageToProto(e.message),
    time: e.time.toISOString(),
  };
}

/** Null for an event kind this node does not know. The previous content is not in the public event (the broker's codec carries it). */
export function roomEventFromProto(p: RoomEvent): DomainEvent | null {
  const kind = PROTO_TO_KIND.get(p.kind);
  if (!kind || !p.message) return null;
  const seq = Number(p.seq);
  return {
    roomId: p.roomId,
    seq,
    kind,
    message: roomMessageFromProto(p.message),
    previousContent: null,
    previousTags: null,
    time: new Date(p.time ?? 0),
    persistent: seq > 0,
  };
}

export function roomPageToProto(p: DomainPage): RoomMessagePage {
  return { messages: p.messages.map(roomMessageToProto), nextCursor: p.nextCursor };
}

export function roomPresenceToProto(p: DomainPresence): RoomPresence {
  return { roomId: p.roomId, users: p.users.map((u) => ({ userId: u.userId, connections: u.connections })), userCount: p.userCount };
}

export function roomQueryFromProto(q: RoomMessageQuery | undefined, field: string): RoomListRequest {
  const query = q ?? { limit: 0, cursor: "", direction: 0, afterSeq: "0" };
  const direction = query.direction === ListDirection.LIST_DIRECTION_BACKWARD ? "backward" : "forward";
  if (!(query.direction in ListDirection) || query.direction < 0) throw HeraldError.invalid(`${field}.direction`, "unknown direction");
  const afterSeq = Number(query.afterSeq);
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw HeraldError.invalid(`${field}.after_seq`, "must be a non-negative integer");
  return { limit: query.limit, cursor: query.cursor, direction, afterSeq };
}

export function outgoingRoomMessageFromProto(o: OutgoingRoomMessage): DomainOutgoing {
  return {
    roomId: o.roomId,
    content: (o.content ?? {}) as Record<string, unknown>,
    tags: o.tags,
    senderId: o.senderId,
    persistent: o.persistent,
    idempotencyKey: o.idempotencyKey,
  };
}
