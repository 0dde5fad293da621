import { HeraldError } from "./errors.js";
import { Limits } from "./limits.js";
import type { MarkReadTarget, OutgoingNotification } from "./notification.js";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Printable, no control characters: user ids end up in logs, subjects and SQL parameters.
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

// A lone surrogate: UTF-16 that no UTF-8 can carry (it would be stored as U+FFFD).
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/**
 * Why Postgres would refuse (or alter) the text, or undefined: U+0000 (no text
 * or JSON string may hold it) and ill-formed UTF-16 (a lone surrogate).
 */
function unstorable(s: string): string | undefined {
  if (s.includes("\u0000")) return "contains U+0000 (NUL)";
  if (LONE_SURROGATE_RE.test(s)) return "is not well-formed UTF-16 (a lone surrogate)";
  return undefined;
}

/** A free text (subject, reason, idempotency key): anything but NUL and lone surrogates. */
export function checkText(field: string, value: string): string {
  const why = unstorable(value);
  if (why) throw HeraldError.invalid(field, why);
  return value;
}

/**
 * A user id: non-empty, at most 256 bytes, no control characters, well-formed
 * UTF-16 (`bob\ud800` is refused: it would share the inbox of `bob\ufffd`).
 */
export function checkUserId(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0) throw HeraldError.invalid(field, "must be a non-empty string");
  if (byteLength(value) > Limits.maxUserIdBytes) throw HeraldError.invalid(field, `longer than ${Limits.maxUserIdBytes} bytes`);
  if (CONTROL_RE.test(value)) throw HeraldError.invalid(field, "contains control characters");
  if (LONE_SURROGATE_RE.test(value)) throw HeraldError.invalid(field, "is not well-formed UTF-16 (a lone surrogate)");
  return value;
}

/** A content path for a message: at most 100 characters. */
function shown(path: string): string {
  return path.length <= 100 ? path : `${path.slice(0, 97)}...`;
}

/**
 * Content as Postgres' jsonb takes it: every key and string value, at any
 * depth, free of NUL and lone surrogates, and at most `maxContentDepth` levels
 * of nesting (a deep document would exhaust the database's parser stack).
 * Walks without recursion; the message gives the path of the bad value.
 */
export function checkContent(field: string, content: Record<string, unknown>): void {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: content, path: "", depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (depth > Limits.maxContentDepth) throw HeraldError.invalid(field, `nested deeper than ${Limits.maxContentDepth} levels`);
    const entries: Array<[string, unknown]> = Array.isArray(value)
      ? value.map((v, i) => [`${path}[${i}]`, v])
      : Object.entries(value as Record<string, unknown>).map(([k, v]) => {
          const why = unstorable(k);
          if (why) throw HeraldError.invalid(field, `a key at ${shown(path) || "the top level"} ${why}`);
          return [`${path}.${k}`, v];
        });
    for (const [at, v] of entries) {
      if (typeof v === "string") {
        const why = unstorable(v);
        if (why) throw HeraldError.invalid(field, `the string at ${shown(at)} ${why}`);
      } else if (v !== null && typeof v === "object") stack.push({ value: v, path: at, depth: depth + 1 });
    }
  }
}

/** A JSON object that Postgres stores as is (see checkContent), at most `maxBytes` serialised. */
export function checkJsonObject(field: string, value: unknown, maxBytes: number): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw HeraldError.invalid(field, "must be a JSON object");
  const obj = value as Record<string, unknown>;
  checkContent(field, obj);
  if (byteLength(JSON.stringify(obj)) > maxBytes) throw HeraldError.invalid(field, `larger than ${maxBytes} bytes`);
  return obj;
}

/** A text of at most `maxBytes` that Postgres stores as is. */
export function checkBoundedText(field: string, value: string, maxBytes: number): string {
  if (byteLength(value) > maxBytes) throw HeraldError.invalid(field, `longer than ${maxBytes} bytes`);
  return checkText(field, value);
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

/**
 * The one seq parser: a non-negative safe integer given as a number or a
 * decimal string (an int64 in proto3 JSON and gRPC), or null when `value` is not one.
 */
export function parseSeq(value: unknown): number | null {
  const n = typeof value === "string" && /^\d{1,16}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** A seq from the outside (see parseSeq); `invalid_argument` naming `field` when it is not one. */
export function checkSeq(field: string, value: unknown): number {
  const n = parseSeq(value);
  if (n === null) throw HeraldError.invalid(field, "must be a non-negative integer");
  return n;
}

export function checkReason(field: string, value: string): string {
  if (byteLength(value) > Limits.maxReasonBytes) throw HeraldError.invalid(field, `longer than ${Limits.maxReasonBytes} bytes`);
  return checkText(field, value);
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
  if (byteLength(n.subject) > Limits.maxSubjectBytes)
    throw HeraldError.invalid(`${field}.subject`, `longer than ${Limits.maxSubjectBytes} bytes`);
  checkText(`${field}.subject`, n.subject);
  checkJsonObject(`${field}.content`, n.content, Limits.maxContentBytes);
  if (n.senderId !== "") checkUserId(`${field}.sender_id`, n.senderId);
  if (byteLength(n.idempotencyKey) > Limits.maxIdempotencyKeyBytes)
    throw HeraldError.invalid(`${field}.idempotency_key`, `longer than ${Limits.maxIdempotencyKeyBytes} bytes`);
  checkText(`${field}.idempotency_key`, n.idempotencyKey);
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
