import type { RoomTopicEvent, UserEvent } from "../../domain/ports.js";
import type { RoomEvent, UnsubscribeReason } from "../../domain/room.js";
import { PresenceAction, PresencePush, RoomActivityPush, TypingPush, UnsubscribedPush } from "../../../gen/herald/gateway/v1/envelope.js";
import { RoomEvent as ProtoRoomEvent } from "../../../gen/herald/v1/room.js";
import { REASON_TO_PROTO, roomEventToProto } from "../../codec/room-convert.js";

/**
 * The push frames of room subscriptions. An event is encoded once, whatever
 * the number of subscriptions it goes to: its body (the push without its
 * subscription id, as proto3 JSON text) is built once per event, and each
 * subscription only wraps it with its id (`subscriptionPush`). The result is
 * exactly what `ServerFrame.toJSON` produces (a unit test holds them together).
 */

/** The push members that belong to one subscription. */
export type SubscriptionPushCase = "roomEvent" | "typingEvent" | "presenceEvent" | "unsubscribed";

/** A subscription id as the first member of its push body: `"subscriptionId":"<id>"`. */
export function subscriptionIdMember(subscriptionId: string): string {
  return `"subscriptionId":${JSON.stringify(subscriptionId)}`;
}

/**
 * A push of one subscription: `{"<case>":{"subscriptionId":"<id>",<body's members>}}`,
 * where `idMember` is `subscriptionIdMember(id)` and `body` a JSON object
 * without a subscription id.
 */
export function subscriptionPush(kind: SubscriptionPushCase, idMember: string, body: string): string {
  return body === "{}" ? `{"${kind}":{${idMember}}}` : `{"${kind}":{${idMember},${body.slice(1)}}`;
}

const eventBodies = new WeakMap<RoomEvent, string>();

/** The body of a `room_event` push (`{"event":{...}}`), encoded once per event object. */
export function roomEventBody(e: RoomEvent): string {
  let text = eventBodies.get(e);
  if (text === undefined) {
    text = `{"event":${JSON.stringify(ProtoRoomEvent.toJSON(roomEventToProto(e)))}}`;
    eventBodies.set(e, text);
  }
  return text;
}

/** The body of a `typing_event` push. */
export function typingBody(roomId: string, userId: string, typing: boolean): string {
  return JSON.stringify(TypingPush.toJSON({ subscriptionId: "", roomId, userId, typing }));
}

/** The body of a `presence_event` push. */
export function presenceBody(e: RoomTopicEvent & { kind: "presence" }): string {
  return JSON.stringify(
    PresencePush.toJSON({
      subscriptionId: "",
      roomId: e.roomId,
      userId: e.userId,
      action: e.joined ? PresenceAction.PRESENCE_ACTION_JOIN : PresenceAction.PRESENCE_ACTION_LEAVE,
      userCount: e.userCount,
      volatile: e.volatile ?? undefined,
    }),
  );
}

/** The body of an `unsubscribed` push. */
export function unsubscribedBody(roomId: string, reason: UnsubscribeReason): string {
  return JSON.stringify(UnsubscribedPush.toJSON({ subscriptionId: "", roomId, reason: REASON_TO_PROTO[reason] }));
}

const activityPushes = new WeakMap<object, string>();

/** The `room_activity` push of a user-topic event (shared by the user's connections: encoded once). */
export function roomActivityPush(e: UserEvent & { kind: "room_activity" }): string {
  let text = activityPushes.get(e);
  if (text === undefined) {
    const value = { roomId: e.roomId, messageId: e.messageId, seq: String(e.seq), senderId: e.senderId };
    text = `{"roomActivity":${JSON.stringify(RoomActivityPush.toJSON(value))}}`;
    activityPushes.set(e, text);
  }
  return text;
}
