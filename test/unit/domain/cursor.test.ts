import assert from "node:assert/strict";
import { describe, test } from "vitest";
import { CursorCodec } from "../../../src/domain/cursor.js";
import { HeraldError } from "../../../src/domain/errors.js";

const SECRET = "unit-test-cursor-secret-0123456789abcdef";
const codec = new CursorCodec({ secret: SECRET });

function refused(fn: () => unknown, why: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HeraldError);
    assert.equal(err.code, "invalid_argument");
    assert.equal(err.field, "query.cursor");
    assert.match(err.message, /^query\.cursor: invalid cursor/);
    assert.match(err.message, why);
    return true;
  });
}

describe("CursorCodec", () => {
  test("round-trips user, direction and position; cursors are opaque and URL-safe", () => {
    for (const position of [0, 1, 42, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      for (const direction of ["forward", "backward"] as const) {
        const c = codec.encode("alice", direction, position);
        assert.match(c, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        assert.ok(!c.includes("alice"), "the cursor does not spell out the user");
        assert.equal(codec.decode("query.cursor", c, "alice", direction), position);
      }
    }
  });

  test("is deterministic and valid across codec instances sharing the secret (cacheable, multi-node)", () => {
    const other = new CursorCodec({ secret: SECRET });
    const c = codec.encode("bob", "forward", 7);
    assert.equal(other.encode("bob", "forward", 7), c);
    assert.equal(other.decode("f", c, "bob", "forward"), 7);
  });

  test("another user's cursor is refused", () => {
    const c = codec.encode("alice", "forward", 5);
    refused(() => codec.decode("query.cursor", c, "bob", "forward"), /not issued for this user/);
    // The user id is bound unambiguously: "ab"+"c" is not "a"+"bc".
    refused(() => codec.decode("query.cursor", codec.encode("ab", "forward", 1), "a", "forward"), /not issued/);
  });

  test("a cursor made under another secret is refused", () => {
    const foreign = new CursorCodec({ secret: "another-secret-0123456789abcdef-xyz" }).encode("alice", "forward", 5);
    refused(() => codec.decode("query.cursor", foreign, "alice", "forward"), /not issued/);
  });

  test("an edited position, a forged body or a made-up MAC is refused", () => {
    const c = codec.encode("alice", "forward", 5);
    const [, mac] = c.split(".") as [string, string];
    const body = (s: string) => Buffer.from(s).toString("base64url");
    refused(() => codec.decode("query.cursor", `${body("1.f.500")}.${mac}`, "alice", "forward"), /not issued/);
    refused(
      () => codec.decode("query.cursor", `${body("1.f.5")}.${Buffer.alloc(18).toString("base64url")}`, "alice", "forward"),
      /not issued/,
    );
    refused(() => codec.decode("query.cursor", `${body("1.f.5")}.${mac.slice(1)}`, "alice", "forward"), /not issued/);
  });

  test("a cursor for the other direction is refused", () => {
    refused(() => codec.decode("query.cursor", codec.encode("alice", "forward", 3), "alice", "backward"), /other direction/);
    refused(() => codec.decode("query.cursor", codec.encode("alice", "backward", 3), "alice", "forward"), /other direction/);
  });

  test("malformed and oversized input is refused without throwing anything else", () => {
    for (const c of ["x", "a.b.c", ".", "..", "%%%.%%%", "é.é"]) refused(() => codec.decode("query.cursor", c, "alice", "forward"), /.+/);
    refused(() => codec.decode("query.cursor", "a".repeat(201), "alice", "forward"), /too long/);
  });

  test("names the field it was given", () => {
    assert.throws(() => codec.decode("resume.cursor", "nope", "alice", "forward"), /^HeraldError: resume\.cursor:|resume\.cursor/);
  });
});
