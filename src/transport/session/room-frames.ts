import { createHash } from "node:crypto";
import type { EventScope } from "../../domain/filter-documents.js";
import type { RoomTopicEvent, UserEvent } from "../../domain/ports.js";
import type { RoomEvent, UnsubscribeReason } from "../../domain/room.js";
import { PresenceAction, PresencePush, RoomActivityPush, TypingPush, UnsubscribedPush } from "../../../gen/herald/gateway/v1/envelope.js";
import { RoomEvent as ProtoRoomEvent } from "../../../gen/herald/v1/room.js";
import { REASON_TO_PROTO, roomEventToProto } from "../../codec/room-convert.js";

/**
 * The push frames of room subscriptions. An event is encoded once, whatever
 * the number of subscriptions it goes to: its body (the push without its
 * subscription id, as proto3 JSON text) is built once per event, and wrapped
 * with a subscription id once per distinct id (`SharedPush`). Subscription
 * ids name what they follow (`subscriptionIdOf`), so every connection
 * following a room the same way gets the very same bytes. The result is
 * exactly what `ServerFrame.toJSON` produces (a unit test holds them together).
 */

/**
 * The subscription id of a room subscription, the same on every connection
 * and node for the same room and options (Kuzzle's room id): 22 base64url
 * characters of a SHA-256 over the room and what selects its pushes.
 */
export function subscriptionIdOf(roomId: string, options: SubscriptionOptions): string {
  const filter = options.filter === null ? null : canonicalJson(options.filter);
  const key = JSON.stringify([roomId, filter, options.scope, options.users]);
  return createHash("sha256").update(key).digest("base64url").slice(0, 22);
}

/** Which room events a subscription wants by scope (Kuzzle's `scope`). */
export type ScopeOption = "all" | "in" | "out" | "none";
/** Which presence events a subscription wants (Kuzzle's `users`). */
export type UsersOption = "none" | "in" | "out" | "all";

/** What selects a subscription's pushes: its filter as the client sent it (null: none), scope and users. */
export interface SubscriptionOptions {
  filter: Record<string, unknown> | null;
  scope: ScopeOption;
  users: UsersOption;
}

/** JSON with object keys sorted at every level: the same filter written in another key order is the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

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

/**
 * One push (a body) to many subscriptions: its frame is encoded to bytes once
 * per distinct subscription id, and the same buffer goes to every socket.
 */
export class SharedPush {
  readonly kind: SubscriptionPushCase;
  readonly body: string;
  #idMember = "";
  #frame: Buffer | null = null;

  constructor(kind: SubscriptionPushCase, body: string) {
    this.kind = kind;
    this.body = body;
  }

  /** The frame for the subscription whose id member is `idMember`. */
  frameFor(idMember: string): Buffer {
    if (this.#frame === null || this.#idMember !== idMember) {
      this.#frame = Buffer.from(subscriptionPush(this.kind, idMember, this.body));
      this.#idMember = idMember;
    }
    return this.#frame;
  }
}

const eventPushes = new WeakMap<RoomEvent, { in?: SharedPush; out?: SharedPush }>();

/** The `room_event` push of an event in a scope, shared by every subscription it goes to in that scope. */
export function roomEventPush(e: RoomEvent, scope: EventScope): SharedPush {
  let pushes = eventPushes.get(e);
  if (pushes === undefined) eventPushes.set(e, (pushes = {}));
  let push = pushes[scope];
  if (push === undefined) {
    const body = `${roomEventBody(e).slice(0, -1)},"scope":"${scope === "in" ? "SCOPE_IN" : "SCOPE_OUT"}"}`;
    pushes[scope] = push = new SharedPush("roomEvent", body);
  }
  return push;
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
