import { HeraldError } from "./errors.js";
import { Limits } from "./limits.js";
import type { OutgoingRoomMessage, RoomOptions } from "./room.js";
import { checkBoundedText, checkJsonObject, checkUserId } from "./validate.js";

/** Room ids: 1..256 of letters, digits and `_ - : . @ = + /` (e.g. `team:42`, `dm:alice+bob`). */
const ROOM_ID_RE = /^[A-Za-z0-9_\-:.@=+/]{1,256}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkRoomId(field: string, value: unknown): string {
  if (typeof value !== "string" || !ROOM_ID_RE.test(value))
    throw HeraldError.invalid(field, "must be 1..256 characters of A-Z a-z 0-9 _ - : . @ = + /");
  return value;
}

export function checkMessageId(field: string, value: unknown): string {
  if (typeof value !== "string" || !UUID_RE.test(value)) throw HeraldError.invalid(field, "not a message id (UUID)");
  return value.toLowerCase();
}

/** At most 32 tags; keys and values at most 256 bytes each, storable text. */
export function checkTags(field: string, tags: Record<string, string>): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length > Limits.maxTags) throw HeraldError.invalid(field, `at most ${Limits.maxTags} tags`);
  for (const [k, v] of entries) {
    if (k === "") throw HeraldError.invalid(field, "a tag key is empty");
    checkBoundedText(`${field}.${k.slice(0, 64)}`, k, Limits.maxTagBytes);
    if (typeof v !== "string") throw HeraldError.invalid(`${field}.${k.slice(0, 64)}`, "must be a string");
    checkBoundedText(`${field}.${k.slice(0, 64)}`, v, Limits.maxTagBytes);
  }
  return tags;
}

export function checkRoomOptions(field: string, o: RoomOptions): RoomOptions {
  checkJsonObject(`${field}.metadata`, o.metadata, Limits.maxRoomMetadataBytes);
  for (const k of ["historyMaxCount", "historyMaxAgeSeconds"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) throw HeraldError.invalid(`${field}.${k}`, "must be a non-negative integer");
  }
  return o;
}

export function checkUserIds(field: string, ids: string[], max: number): string[] {
  if (ids.length === 0) throw HeraldError.invalid(field, "must name at least one user");
  if (ids.length > max) throw HeraldError.invalid(field, `at most ${max} users`);
  ids.forEach((u, i) => {
    checkUserId(`${field}[${i}]`, u);
  });
  return [...new Set(ids)];
}

export function checkRoomMessage(field: string, m: OutgoingRoomMessage): OutgoingRoomMessage {
  checkRoomId(`${field}.room_id`, m.roomId);
  checkJsonObject(`${field}.content`, m.content, Limits.maxContentBytes);
  checkTags(`${field}.tags`, m.tags);
  if (m.senderId !== "") checkUserId(`${field}.sender_id`, m.senderId);
  checkBoundedText(`${field}.idempotency_key`, m.idempotencyKey, Limits.maxIdempotencyKeyBytes);
  if (m.idempotencyKey !== "" && !m.persistent)
    throw HeraldError.invalid(`${field}.idempotency_key`, "only persistent messages can carry an idempotency key");
  return m;
}

export function checkPublish(list: OutgoingRoomMessage[]): OutgoingRoomMessage[] {
  if (list.length === 0) throw HeraldError.invalid("messages", "must contain at least one message");
  if (list.length > Limits.maxRoomMessagesPerPublish)
    throw HeraldError.invalid("messages", `at most ${Limits.maxRoomMessagesPerPublish} per call`);
  list.forEach((m, i) => {
    checkRoomMessage(`messages[${i}]`, m);
  });
  return list;
}
