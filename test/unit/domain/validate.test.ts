import assert from "node:assert/strict";
import { describe, test } from "vitest";
import { HeraldError } from "../../../src/domain/errors.js";
import { Limits } from "../../../src/domain/limits.js";
import type { OutgoingNotification } from "../../../src/domain/notification.js";
import {
  checkContent,
  checkNotificationIds,
  checkOutgoing,
  checkReason,
  checkSend,
  checkSeq,
  checkText,
  checkUserId,
} from "../../../src/domain/validate.js";

const NOW = new Date("2030-01-01T00:00:00Z");

function invalid(fn: () => unknown, field: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HeraldError, String(err));
    assert.equal(err.code, "invalid_argument");
    assert.equal(err.field, field);
    assert.ok(err.message.startsWith(`${field}: `), err.message);
    return true;
  });
}

function n(o: Partial<OutgoingNotification> = {}): OutgoingNotification {
  return { userIds: ["u"], code: 1, subject: "", content: {}, senderId: "", persistent: true, idempotencyKey: "", expireAt: null, ...o };
}

describe("checkUserId", () => {
  test("accepts ordinary ids up to 256 bytes", () => {
    assert.equal(checkUserId("user_id", "alice"), "alice");
    assert.equal(checkUserId("user_id", "x".repeat(256)), "x".repeat(256));
    assert.equal(checkUserId("user_id", "ü".repeat(128)), "ü".repeat(128), "256 bytes of UTF-8");
  });
  test("refuses empty, non-string, too long and control characters", () => {
    invalid(() => checkUserId("user_id", ""), "user_id");
    invalid(() => checkUserId("user_id", undefined), "user_id");
    invalid(() => checkUserId("user_id", 5), "user_id");
    invalid(() => checkUserId("user_id", "x".repeat(257)), "user_id");
    invalid(() => checkUserId("user_id", "ü".repeat(129)), "user_id");
    invalid(() => checkUserId("user_id", "a\nb"), "user_id");
    invalid(() => checkUserId("user_id", "a\u0000"), "user_id");
    invalid(() => checkUserId("user_id", "a\u007f"), "user_id");
  });
});

describe("what Postgres refuses: NUL and ill-formed UTF-16", () => {
  test("user ids refuse lone surrogates, high or low, anywhere; surrogate pairs are fine", () => {
    for (const bad of ["bob\ud800", "\udc00bob", "b\ud800o", "\udbff", "a\udc00\ud800b"])
      invalid(() => checkUserId("user_id", bad), "user_id");
    assert.equal(checkUserId("user_id", "bob\ud83d\ude00"), "bob😀");
    assert.equal(checkUserId("user_id", "bob\ufffd"), "bob\ufffd", "U+FFFD itself is a character like any other");
  });
  test("texts refuse NUL and lone surrogates; other control characters pass", () => {
    for (const bad of ["a\u0000b", "\u0000", "x\ud800", "\udfff"]) invalid(() => checkText("f", bad), "f");
    assert.equal(checkText("f", "tab\tnewline\n😀"), "tab\tnewline\n😀");
    invalid(() => checkReason("reason", "why\u0000"), "reason");
    invalid(() => checkReason("reason", "why\ud800"), "reason");
  });
  test("content: NUL or a lone surrogate in any key or string value, at any depth, names the field and the path", () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ "k\u0000": 1 }, /key at the top level contains U\+0000/],
      [{ a: "x\u0000" }, /string at \.a contains U\+0000/],
      [{ a: { b: [1, "ok", { c: "\ud800" }] } }, /string at \.a\.b\[2\]\.c is not well-formed/],
      [{ a: [{ "\udc00": true }] }, /key at \.a\[0\] is not well-formed/],
      [{ a: ["\u0000"] }, /string at \.a\[0\]/],
    ];
    for (const [content, message] of bad) {
      invalid(() => checkOutgoing("notifications[2]", n({ content }), NOW), "notifications[2].content");
      assert.throws(() => checkContent("c", content), message);
    }
    checkContent("c", { a: { b: ["😀", null, 1, true, { "é\n": "\t" }] } });
  });
  test("content nested deeper than the limit is refused before it is serialised", () => {
    const nest = (levels: number) => {
      const top: Record<string, unknown> = {};
      let at = top;
      for (let i = 1; i < levels; i++) at = (at.a = {}) as Record<string, unknown>;
      return top;
    };
    checkContent("c", nest(Limits.maxContentDepth));
    invalid(() => checkContent("c", nest(Limits.maxContentDepth + 1)), "c");
    invalid(() => checkOutgoing("notifications[0]", n({ content: nest(100_000) }), NOW), "notifications[0].content");
  });
  test("subject, sender, idempotency key and recipients refuse NUL and lone surrogates", () => {
    for (const v of ["s\u0000", "s\ud800"]) {
      invalid(() => checkOutgoing("notifications[0]", n({ subject: v }), NOW), "notifications[0].subject");
      invalid(() => checkOutgoing("notifications[0]", n({ senderId: v }), NOW), "notifications[0].sender_id");
      invalid(() => checkOutgoing("notifications[0]", n({ idempotencyKey: v }), NOW), "notifications[0].idempotency_key");
      invalid(() => checkOutgoing("notifications[0]", n({ userIds: ["ok", v] }), NOW), "notifications[0].user_ids[1]");
    }
  });
});

describe("checkNotificationIds", () => {
  const id = "01234567-89ab-7def-8123-456789abcdef";
  test("lower-cases and deduplicates", () => {
    assert.deepEqual(checkNotificationIds("ids", [id, id.toUpperCase()]), [id]);
  });
  test("refuses empty lists, too many ids and non-UUIDs, naming the index", () => {
    invalid(() => checkNotificationIds("ids", []), "ids");
    invalid(() => checkNotificationIds("ids", "x"), "ids");
    invalid(
      () =>
        checkNotificationIds(
          "ids",
          Array.from({ length: Limits.maxIdsPerCall + 1 }, () => id),
        ),
      "ids",
    );
    invalid(() => checkNotificationIds("ids", [id, "nope"]), "ids[1]");
    invalid(() => checkNotificationIds("ids", [id, 7]), "ids[1]");
  });
});

describe("checkSeq and checkReason", () => {
  test("seq: non-negative safe integers as number or decimal string", () => {
    assert.equal(checkSeq("s", 0), 0);
    assert.equal(checkSeq("s", "42"), 42);
    invalid(() => checkSeq("s", -1), "s");
    invalid(() => checkSeq("s", 1.5), "s");
    invalid(() => checkSeq("s", "1e3"), "s");
    invalid(() => checkSeq("s", "-1"), "s");
    invalid(() => checkSeq("s", Number.MAX_SAFE_INTEGER + 1), "s");
  });
  test("reason: at most 1,024 bytes", () => {
    assert.equal(checkReason("reason", "r".repeat(1024)), "r".repeat(1024));
    invalid(() => checkReason("reason", "r".repeat(1025)), "reason");
  });
});

describe("checkOutgoing", () => {
  test("accepts a well-formed notification", () => {
    const ok = n({
      userIds: ["a", "b"],
      code: 2147483647,
      subject: "s".repeat(1024),
      idempotencyKey: "k".repeat(256),
      expireAt: new Date(NOW.getTime() + 1),
    });
    assert.equal(checkOutgoing("notifications[0]", ok, NOW), ok);
  });
  test("code <= 0 is reserved", () => {
    for (const code of [0, -1, -7, -2147483648])
      invalid(() => checkOutgoing("notifications[3]", n({ code }), NOW), "notifications[3].code");
    invalid(() => checkOutgoing("notifications[0]", n({ code: 1.5 }), NOW), "notifications[0].code");
  });
  test("recipients: at least one, distinct, each a valid user id, at most 1,000", () => {
    invalid(() => checkOutgoing("notifications[0]", n({ userIds: [] }), NOW), "notifications[0].user_ids");
    invalid(() => checkOutgoing("notifications[0]", n({ userIds: ["a", ""] }), NOW), "notifications[0].user_ids[1]");
    invalid(() => checkOutgoing("notifications[0]", n({ userIds: ["a", "a"] }), NOW), "notifications[0].user_ids[1]");
    const many = Array.from({ length: Limits.maxRecipientsPerNotification + 1 }, (_, i) => `u${i}`);
    invalid(() => checkOutgoing("notifications[0]", n({ userIds: many }), NOW), "notifications[0].user_ids");
  });
  test("content: a JSON object of at most 16 KiB serialised", () => {
    const overhead = JSON.stringify({ b: "" }).length;
    const atLimit = { b: "x".repeat(Limits.maxContentBytes - overhead) };
    assert.equal(JSON.stringify(atLimit).length, Limits.maxContentBytes);
    checkOutgoing("notifications[0]", n({ content: atLimit }), NOW);
    invalid(
      () => checkOutgoing("notifications[0]", n({ content: { b: "x".repeat(Limits.maxContentBytes - overhead + 1) } }), NOW),
      "notifications[0].content",
    );
    invalid(
      () => checkOutgoing("notifications[0]", n({ content: { b: "é".repeat(Limits.maxContentBytes / 2) } }), NOW),
      "notifications[0].content",
    );
    invalid(
      () => checkOutgoing("notifications[0]", n({ content: [] as unknown as Record<string, unknown> }), NOW),
      "notifications[0].content",
    );
    invalid(
      () => checkOutgoing("notifications[0]", n({ content: null as unknown as Record<string, unknown> }), NOW),
      "notifications[0].content",
    );
  });
  test("subject, sender, idempotency key and expiry", () => {
    invalid(() => checkOutgoing("notifications[0]", n({ subject: "s".repeat(1025) }), NOW), "notifications[0].subject");
    invalid(() => checkOutgoing("notifications[0]", n({ senderId: "a\tb" }), NOW), "notifications[0].sender_id");
    invalid(() => checkOutgoing("notifications[0]", n({ idempotencyKey: "k".repeat(257) }), NOW), "notifications[0].idempotency_key");
    invalid(
      () => checkOutgoing("notifications[0]", n({ idempotencyKey: "k", persistent: false }), NOW),
      "notifications[0].idempotency_key",
    );
    invalid(() => checkOutgoing("notifications[0]", n({ expireAt: NOW }), NOW), "notifications[0].expire_time");
    invalid(() => checkOutgoing("notifications[0]", n({ expireAt: new Date(NaN) }), NOW), "notifications[0].expire_time");
  });
});

describe("checkSend", () => {
  test("1..1,000 notifications and at most 10,000 recipients; names the failing index", () => {
    invalid(() => checkSend([], NOW), "notifications");
    invalid(
      () =>
        checkSend(
          Array.from({ length: Limits.maxNotificationsPerSend + 1 }, () => n()),
          NOW,
        ),
      "notifications",
    );
    invalid(() => checkSend([n(), n({ code: 0 })], NOW), "notifications[1].code");
    const users = Array.from({ length: 1000 }, (_, i) => `u${i}`);
    assert.equal(
      checkSend(
        Array.from({ length: 10 }, () => n({ userIds: users })),
        NOW,
      ).length,
      10,
    );
    invalid(
      () =>
        checkSend(
          Array.from({ length: 11 }, () => n({ userIds: users })),
          NOW,
        ),
      "notifications",
    );
  });
});
