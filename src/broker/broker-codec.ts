import type { CloseKind, UserEvent } from "../domain/ports.js";
import { parseTopic, type Topic } from "../domain/topic.js";
import { CloseKind as ProtoCloseKind, FanoutMessage } from "../../gen/herald/internal/v1/fanout.js";
import { notificationFromProto, notificationToProto, systemEventFromProto, systemEventToProto } from "../codec/proto-convert.js";

const KIND_TO_PROTO: Record<CloseKind, ProtoCloseKind> = {
  disconnected: ProtoCloseKind.CLOSE_KIND_DISCONNECTED,
  banned: ProtoCloseKind.CLOSE_KIND_BANNED,
  session_replaced: ProtoCloseKind.CLOSE_KIND_SESSION_REPLACED,
  connection_limit: ProtoCloseKind.CLOSE_KIND_CONNECTION_LIMIT,
};
const PROTO_TO_KIND = new Map<number, CloseKind>(Object.entries(KIND_TO_PROTO).map(([k, v]) => [v, k as CloseKind]));

/** Encodes an event on a topic as the binary internal protobuf `herald.internal.v1.FanoutMessage`. */
export function encodeEvent(originNode: string, topic: Topic, e: UserEvent): Uint8Array {
  const msg: FanoutMessage = { originNode, topic, exceptSessionId: "", kind: undefined };
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
  }
  return FanoutMessage.encode(msg).finish();
}

/** Decodes a FanoutMessage; returns null for a message this node cannot understand (unknown kind or topic). */
export function decodeEvent(data: Uint8Array): { topic: Topic; event: UserEvent } | null {
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
  }
}
