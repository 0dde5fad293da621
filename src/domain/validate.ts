import { HeraldError } from "./errors.js";
import { Limits } from "./limits.js";
import type { MarkReadTarget, OutgoingNotification } from "./notification.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Printable, no control characters: user ids end up in logs, subjects and SQL parameters.
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** A user id: non-empty, at most 256 bytes, no control characters. */
export function checkUserId(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw HeraldError.invalid(field, "must be a non-empty string");
  if (byteLength(value) > Limits.maxUserIdBytes) throw HeraldError.invalid(field, `longer than ${Limits.maxUserIdBytes} bytes`);
  if (CONTROL_RE.test(value)) throw HeraldError.invalid(field, "contains control characters");
  return value;
}

/** A list of notification ids (UUIDs), 1..maxIdsPerCall, deduplicated. */
export function checkNotificationIds(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw HeraldError.invalid(field, "must list at least one id");
  if (value.length > Limits.maxIdsPerCall) throw HeraldError.invalid(field, `at most ${Limits.maxIdsPerCall} ids`);
  value.forEach((id, i) => {
    if (typeof id !== "string" || !UUID_RE.test(id)) throw HeraldError.invalid(`${field}[${i}]`, "not a notification id (UUID)");
  });
  return [...new Set((value as string[]).map((id) => id.toLowerCase()))];
}

/** A seq from the outside: a non-negative safe integer given as number or decimal string. */
export function checkSeq(field: string, value: unknown): number {
  const n = typeof value === "string" && /^\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw HeraldError.invalid(field, "must be a non-negative integer");
  return n;
}

export function checkReason(field: string, value: string): string {
  if (byteLength(value) > Limits.maxReasonBytes) throw HeraldError.invalid(field, `longer than ${Limits.maxReasonBytes} bytes`);
  return value;
}

/** Validates one outgoing notification in place of the transport's looser type. */
export function checkOutgoing(field: string, n: OutgoingNotification, now: Date): OutgoingNotification {
  if (n.userIds.length === 0) throw HeraldError.invalid(`${field}.user_ids`, "must name at least one user");
  if (n.userIds.length > Limits.maxRecipientsPerNotification)
    throw HeraldError.invalid(`${field}.user_ids`, `at most ${Limits.maxRecipientsPerNotification} users`);
  const seen = new Set<string>();
  n.userIds.forEach((u, i) => {
    checkUserId(`${field}.user_ids[${i}]`, u);
    if (seen.has(u)) throw HeraldError.invalid(`${field}.user_ids[${i}]`, "duplicate user id");
    seen.add(u);
  });
  if (!Number.isInteger(n.code) || n.code <= 0)
    throw HeraldError.invalid(`${field}.code`, "must be > 0 (codes <= 0 are reserved for system events)");
  if (byteLength(n.subject) > Limits.maxSubjectBytes) throw HeraldError.invalid(`${field}.subject`, `longer than ${Limits.maxSubjectBytes} bytes`);
  if (n.content === null || typeof n.content !== "object" || Array.isArray(n.content))
    throw HeraldError.invalid(`${field}.content`, "must be a JSON object");
  if (byteLength(JSON.stringify(n.content)) > Limits.maxContentBytes)
    throw HeraldError.invalid(`${field}.content`, `larger than ${Limits.maxContentBytes} bytes`);
  if (n.senderId !== "") checkUserId(`${field}.sender_id`, n.senderId);
  if (byteLength(n.idempotencyKey) > Limits.maxIdempotencyKeyBytes)
    throw HeraldError.invalid(`${field}.idempotency_key`, `longer than ${Limits.maxIdempotencyKeyBytes} bytes`);
  if (n.idempotencyKey !== "" && !n.persistent)
    throw HeraldError.invalid(`${field}.idempotency_key`, "only persistent notifications can carry an idempotency key");
  if (n.expireAt !== null) {
    if (Number.isNaN(n.expireAt.getTime())) throw HeraldError.invalid(`${field}.expire_time`, "not a valid time");
    if (n.expireAt.getTime() <= now.getTime()) throw HeraldError.invalid(`${field}.expire_time`, "must be in the future");
  }
  return n;
}

/** A whole send: 1..1,000 notifications, at most 10,000 recipients in total. */
export function checkSend(list: OutgoingNotification[], now: Date): OutgoingNotification[] {
  if (list.length === 0) throw HeraldError.invalid("notifications", "must contain at least one notification");
  if (list.length > Limits.maxNotificationsPerSend)
    throw HeraldError.invalid("notifications", `at most ${Limits.maxNotificationsPerSend} per call`);
  let recipients = 0;
  list.forEach((n, i) => {
    checkOutgoing(`notifications[${i}]`, n, now);
    recipients += n.userIds.length;
  });
  if (recipients > Limits.maxRecipientsPerSend)
    throw HeraldError.invalid("notifications", `at most ${Limits.maxRecipientsPerSend} recipients per call`);
  return list;
}

/** Mark-read takes ids or a seq, exactly one of the two. */
export function checkMarkReadTarget(idsField: string, ids: string[], upToSeq: number): MarkReadTarget {
  if (ids.length > 0 && upToSeq > 0) throw HeraldError.invalid(idsField, "give either ids or up_to_seq, not both");
  if (ids.length === 0 && upToSeq === 0) throw HeraldError.invalid(idsField, "give ids or up_to_seq");
  return ids.length > 0 ? { ids } : { upToSeq };
}
