import type { CloseKind, TopicEvent } from "../domain/ports.js";
import { parseTopic, type Topic } from "../domain/topic.js";
import { CloseKind as ProtoCloseKind, FanoutMessage } from "../../gen/herald/internal/v1/fanout.js";
import { notificationFromProto, notificationToProto, systemEventFromProto, systemEventToProto } from "../codec/proto-convert.js";
import { REASON_TO_PROTO, reasonFromProto, roomEventFromProto, roomEventToProto } from "../codec/room-convert.js";

const KIND_TO_PROTO: Record<CloseKind, ProtoCloseKind> = {
  disconnected: ProtoCloseKind.CLOSE_KIND_DISCONNECTED,
  banned: ProtoCloseKind.CLOSE_KIND_BANNED,
  session_replaced: ProtoCloseKind.CLOSE_KIND_SESSION_REPLACED,
  connection_limit: ProtoCloseKind.CLOSE_KIND_CONNECTION_LIMIT,
};
const PROTO_TO_KIND = new Map<number, CloseKind>(Object.entries(KIND_TO_PROTO).map(([k, v]) => [v, k as CloseKind]));

/** Encodes an event on a topic as the binary internal protobuf `herald.internal.v1.FanoutMessage`. */
export function encodeEvent(originNode: string, topic: Topic, e: TopicEvent): Uint8Array {
  const msg: FanoutMessage = {
    originNode,
    topic,
    exceptSessionId: "",
    previousContent: undefined,
    previousTags: {},
    hasPrevious: false,
    kind: undefined,
  };
  switch (e.kind) {
    case "notification":
      msg.kind = { $case: "notification", value: notificationToProto(e.notification) };
      break;
    case "system_event":
      msg.exceptSessionId = e.exceptSessionId;
      msg.kind = { $case: "systemEvent", value: systemEventToProto(e.event) };
      break;
    case "close":
      msg.kind = {
        $case: "close",
        value: {
          kind: KIND_TO_PROTO[e.close.kind],
          reason: e.close.reason,
          exceptSessionIds: e.close.exceptSessionIds,
          sessionIds: e.close.sessionIds,
        },
      };
      break;
    case "opened":
      msg.kind = { $case: "opened", value: { sessionId: e.sessionId, openedAtMs: String(e.openedAtMs) } };
      break;
    default:
      msg.kind = encodeRoomKind(e);
      if (e.kind === "typing") msg.exceptSessionId = e.exceptSessionId;
      if (e.kind === "room_event" && e.event.previousContent !== null) {
        msg.hasPrevious = true;
        msg.previousContent = e.event.previousContent;
        msg.previousTags = e.event.previousTags ?? {};
      }
  }
  return FanoutMessage.encode(msg).finish();
}

/** Decodes a FanoutMessage; returns null for a message this node cannot understand (unknown kind or topic). */
export function decodeEvent(data: Uint8Array): { topic: Topic; event: TopicEvent } | null {
  const m = FanoutMessage.decode(data);
  const k = m.kind;
  if (!k || !parseTopic(m.topic)) return null;
  const topic = m.topic as Topic;
  switch (k.$case) {
    case "notification":
      return { topic, event: { kind: "notification", notification: notificationFromProto(k.value) } };
    case "systemEvent":
      return { topic, event: { kind: "system_event", event: systemEventFromProto(k.value), exceptSessionId: m.exceptSessionId } };
    case "close": {
      const kind = PROTO_TO_KIND.get(k.value.kind);
      if (!kind) return null;
      return {
        topic,
        event: {
          kind: "close",
          close: { kind, reason: k.value.reason, exceptSessionIds: k.value.exceptSessionIds, sessionIds: k.value.sessionIds },
        },
      };
    }
    case "opened":
      return {
        topic,
        event: { kind: "opened", sessionId: k.value.sessionId, openedAtMs: Number(k.value.openedAtMs), originNode: m.originNode },
      };
    default: {
      const event = decodeRoomKind(k, m);
      return event && { topic, event };
    }
  }
}

type Kind = NonNullable<FanoutMessage["kind"]>;
type RoomKindEvent = Exclude<TopicEvent, { kind: "notification" | "system_event" | "close" | "opened" }>;

function encodeRoomKind(e: RoomKindEvent): Kind {
  switch (e.kind) {
    case "room_event":
      return { $case: "roomEvent", value: roomEventToProto(e.event) };
    case "typing":
      return { $case: "typing", value: { userId: e.userId, typing: e.typing } };
    case "presence":
      return {
        $case: "presence",
        value: { userId: e.userId, joined: e.joined, userCount: e.userCount, volatile: e.volatile ?? undefined },
      };
    case "end_subscriptions":
      return {
        $case: "endSubscriptions",
        value: { userIds: e.userIds, reason: REASON_TO_PROTO[e.reason], nonMembersOnly: e.nonMembersOnly === true },
      };
    case "room_activity":
      return {
        $case: "roomActivity",
        value: { roomId: e.roomId, messageId: e.messageId, seq: String(e.seq), senderId: e.senderId },
      };
  }
}

/** The room kinds (and room activity); null for one this node cannot understand. */
function decodeRoomKind(k: Kind, m: FanoutMessage): TopicEvent | null {
  const { topic, exceptSessionId } = m;
  const roomId = topic.slice(topic.indexOf(":") + 1);
  switch (k.$case) {
    case "roomEvent": {
      const event = roomEventFromProto(k.value);
      if (event && m.hasPrevious) {
        event.previousContent = (m.previousContent ?? {}) as Record<string, unknown>;
        event.previousTags = m.previousTags;
      }
      return event && { kind: "room_event", event };
    }
    case "typing":
      return { kind: "typing", roomId, userId: k.value.userId, typing: k.value.typing, exceptSessionId };
    case "presence": {
      const v = k.value;
      return { kind: "presence", roomId, userId: v.userId, joined: v.joined, userCount: v.userCount, volatile: v.volatile ?? null };
    }
    case "endSubscriptions": {
      const reason = reasonFromProto(k.value.reason);
      if (!reason) return null;
      const event: TopicEvent = { kind: "end_subscriptions", roomId, userIds: k.value.userIds, reason };
      if (k.value.nonMembersOnly) event.nonMembersOnly = true;
      return event;
    }
    case "roomActivity": {
      const v = k.value;
      return { kind: "room_activity", roomId: v.roomId, messageId: v.messageId, seq: Number(v.seq), senderId: v.senderId };
    }
    default:
      return null;
  }
}
