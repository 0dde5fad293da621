import { HeraldError } from "../../domain/errors.js";

/**
 * Socket.IO client events (seeds 000 and 001) as native client operations:
 * the body of a `ClientFrame` without its id (`{"ack": {...}}`), which the
 * bridge hands to the session like a native frame, so that every check and
 * limit of the native endpoint applies. Pure: each function validates the
 * event's payload shape and throws `invalid_argument` naming the event's
 * field; the values themselves are the operation's to check.
 */

type Json = Record<string, unknown>;
export type NativeOp = Record<string, Json>;

/** The payload of an event as an object (`invalid_argument` otherwise). */
function payload(event: string, data: unknown): Json {
  if (data === null || typeof data !== "object" || Array.isArray(data))
    throw HeraldError.invalid(event, "the event's payload must be an object");
  return data as Json;
}

function text(event: string, data: Json, ...names: string[]): string {
  for (const n of names) {
    const v = data[n];
    if (typeof v === "string" && v !== "") return v;
  }
  throw HeraldError.invalid(`${event}.${names[0]}`, "must be a non-empty string");
}

/** A channel id (MinChat) is a Herald room id. */
export function channelOf(event: string, data: unknown): string {
  return text(event, payload(event, data), "channelId", "roomId");
}

/** `ack notification` `{notification_id}` (or `notification_ids: [...]`): the native `ack`. */
export function ackNotification(data: unknown): NativeOp {
  const d = payload("ack notification", data);
  const ids = Array.isArray(d.notification_ids) ? d.notification_ids : [text("ack notification", d, "notification_id", "notificationId")];
  return { ack: { notificationIds: ids } };
}

/**
 * `room.join` `{channelId}`: the native `join`, resuming after `lastSeq` when
 * given (MinChat has no resume; Herald's extension), with presence on request.
 */
export function roomJoin(data: unknown): NativeOp {
  const d = payload("room.join", data);
  const join: Json = { roomId: channelOf("room.join", d) };
  const since = d.lastSeq ?? d.sinceSeq;
  if (since !== undefined) join.sinceSeq = since;
  if (d.resume === true) join.resume = true;
  if (d.presence === true) join.presence = true;
  return { join };
}

/** The content of a client `message`: its `content` object, or `{text}`. */
function messageContent(event: string, d: Json): Json {
  if (d.content !== undefined) {
    if (d.content === null || typeof d.content !== "object" || Array.isArray(d.content))
      throw HeraldError.invalid(`${event}.content`, "must be an object");
    return d.content as Json;
  }
  return { text: text(event, d, "text") };
}

/** Client `message` `{channelId, text | content, idempotencyKey?}`: the native `publish`. */
export function message(data: unknown): NativeOp {
  const d = payload("message", data);
  const publish: Json = { roomId: channelOf("message", d), content: messageContent("message", d) };
  if (typeof d.idempotencyKey === "string") publish.idempotencyKey = d.idempotencyKey;
  return { publish };
}

/** Client `message.update` `{channelId, messageId, text | content}`: the native `updateMessage`. */
export function messageUpdate(data: unknown): NativeOp {
  const d = payload("message.update", data);
  const messageId = text("message.update", d, "messageId", "id");
  return { updateMessage: { roomId: channelOf("message.update", d), messageId, content: messageContent("message.update", d) } };
}

/** Client `message.delete` `{channelId, messageId}`: the native `deleteMessage`. */
export function messageDelete(data: unknown): NativeOp {
  const d = payload("message.delete", data);
  return { deleteMessage: { roomId: channelOf("message.delete", d), messageId: text("message.delete", d, "messageId", "id") } };
}

/** Client `typing.start` / `typing.stop` `{channelId}`: the native `typing`. */
export function typing(event: "typing.start" | "typing.stop", data: unknown): NativeOp {
  return { typing: { roomId: channelOf(event, data), typing: event === "typing.start" } };
}

/**
 * `herald` `{<operation>: {...}}`: any native operation but `authenticate`
 * (a Socket.IO client authenticates in the handshake or with `room.user.join`).
 */
export function nativeOperation(data: unknown): NativeOp {
  const d = payload("herald", data);
  if ("authenticate" in d) throw HeraldError.invalid("herald.authenticate", "authenticate with auth.token or room.user.join");
  if ("id" in d) throw HeraldError.invalid("herald.id", "the bridge numbers requests itself; use the acknowledgement callback");
  return d as NativeOp;
}
