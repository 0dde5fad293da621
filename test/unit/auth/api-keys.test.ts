import assert from "node:assert/strict";
import { describe, test } from "vitest";
import { ApiKeyVerifier } from "../../../src/auth/api-keys.js";

describe("ApiKeyVerifier", () => {
  const v = new ApiKeyVerifier({ keys: ["first-key-0123456789", "second-key-0123456789"] });

  test("accepts every configured key and nothing else", () => {
    assert.equal(v.verify("first-key-0123456789"), true);
    assert.equal(v.verify("second-key-0123456789"), true);
    for (const k of ["", "first-key-012345678", "first-key-01234567890", "FIRST-KEY-0123456789", "second-key-0123456789 ", "x"])
      assert.equal(v.verify(k), false, JSON.stringify(k));
  });

  test("needs at least one key", () => {
    assert.throws(() => new ApiKeyVerifier({ keys: [] }), /at least one API key/);
  });

  test("fromAuthorization extracts a Bearer token and nothing else", () => {
    assert.equal(ApiKeyVerifier.fromAuthorization("Bearer abc"), "abc");
    assert.equal(ApiKeyVerifier.fromAuthorization("bearer   abc  "), "abc");
    assert.equal(ApiKeyVerifier.fromAuthorization(undefined), "");
    assert.equal(ApiKeyVerifier.fromAuthorization(""), "");
    assert.equal(ApiKeyVerifier.fromAuthorization("abc"), "");
    assert.equal(ApiKeyVerifier.fromAuthorization("Basic abc"), "");
    assert.equal(ApiKeyVerifier.fromAuthorization("Bearer"), "");
    assert.equal(ApiKeyVerifier.fromAuthorization("Bearer a b"), "");
  });
});
