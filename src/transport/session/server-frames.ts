import type { HeraldError } from "../../domain/errors.js";
import type { Notification, SystemCode, SystemEvent } from "../../domain/notification.js";
import { ServerFrame } from "../../../gen/herald/gateway/v1/envelope.js";
import { systemEventToProto } from "../../codec/proto-convert.js";

type Body = NonNullable<ServerFrame["body"]>;

/** Serialises a server frame as proto3 JSON text. */
export function encodeFrame(id: number, body: Body): string {
  return JSON.stringify(ServerFrame.toJSON({ id, body }));
}

export function errorFrame(id: number, err: HeraldError): string {
  return encodeFrame(id, { $case: "error", value: { code: err.code, message: err.message, field: err.field ?? "" } });
}

// One JSON encode per notification, however many connections it goes to; and
// one per content object, however many recipients share it (a broadcast).
const pushCache = new WeakMap<Notification, string>();
const contentCache = new WeakMap<object, string>();

/** `JSON.stringify(content)`, encoded once per content object (recipients of a broadcast share it). */
export function contentJson(content: Record<string, unknown>): string {
  let text = contentCache.get(content);
  if (text === undefined) {
    text = JSON.stringify(content);
    contentCache.set(content, text);
  }
  return text;
}

/**
 * The push frame of a notification, written by hand on the hot path. It is the
 * proto3 JSON that `ServerFrame.toJSON` produces (same fields, order and
 * omitted defaults; a property test holds the two together).
 */
export function notificationPush(n: Notification): string {
  let text = pushCache.get(n);
  if (text !== undefined) return text;
  text = `{"notification":{"id":${JSON.stringify(n.id)},"userId":${JSON.stringify(n.userId)}`;
  if (n.seq !== 0) text += `,"seq":"${n.seq}"`;
  if (n.code !== 0) text += `,"code":${n.code}`;
  if (n.subject !== "") text += `,"subject":${JSON.stringify(n.subject)}`;
  text += `,"content":${contentJson(n.content)}`;
  if (n.senderId !== "") text += `,"senderId":${JSON.stringify(n.senderId)}`;
  if (n.persistent) text += `,"persistent":true`;
  text += `,"createTime":"${n.createdAt.toISOString()}"`;
  if (n.readAt) text += `,"readTime":"${n.readAt.toISOString()}"`;
  if (n.expireAt) text += `,"expireTime":"${n.expireAt.toISOString()}"`;
  if (n.ackAt) text += `,"ackTime":"${n.ackAt.toISOString()}"`;
  text += "}}";
  pushCache.set(n, text);
  return text;
}

export function systemEventPush(e: SystemEvent): string {
  return encodeFrame(0, { $case: "systemEvent", value: systemEventToProto(e) });
}

/** A system event that only tells why (token expired, session replaced), as a push frame. */
export function systemNoticePush(code: SystemCode, reason: string): string {
  return systemEventPush({ code, reason, notificationIds: [], upToSeq: 0, unreadCount: 0, time: new Date() });
}
