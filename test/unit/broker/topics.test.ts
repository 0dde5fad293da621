import assert from "node:assert/strict";
import { test } from "vitest";
import { decodeEvent, encodeEvent } from "../../../src/broker/broker-codec.js";
import { Subjects } from "../../../src/broker/subjects.js";
import { FanoutMessage } from "../../../gen/herald/internal/v1/fanout.js";
import { parseTopic, roomTopic, userTopic } from "../../../src/domain/topic.js";

test("a user's inbox is the topic user:<id>, a room room:<id>; parseTopic splits at the first colon and refuses unknown kinds", () => {
  assert.equal(userTopic("alice"), "user:alice");
  assert.deepEqual(parseTopic(userTopic("a:b.c")), { kind: "user", id: "a:b.c" });
  assert.deepEqual(parseTopic("user:"), { kind: "user", id: "" });
  assert.equal(parseTopic("alice"), null);
  assert.equal(parseTopic("nope:alice"), null);
  assert.equal(roomTopic("team:42"), "room:team:42");
  assert.deepEqual(parseTopic(roomTopic("team:42")), { kind: "room", id: "team:42" });
});

test("a user topic's subject is herald.v1.user.<base64url user id>, as before topics", () => {
  assert.equal(Subjects.topic(userTopic("alice")), "herald.v1.user.YWxpY2U");
  assert.equal(Subjects.topic(userTopic("a.b *>")), `herald.v1.user.${Buffer.from("a.b *>").toString("base64url")}`);
  assert.equal(Subjects.topic(userTopic("")), "herald.v1.user._");
  assert.equal(Subjects.presence("alice"), "herald.v1.presence.YWxpY2U");
  assert.equal(Subjects.presenceUser(Subjects.presence("a.b *>")), "a.b *>");
});

test("the codec carries the topic and every event kind; an unknown topic or kind decodes to null", () => {
  const topic = userTopic("bob");
  const close = { kind: "banned" as const, reason: "r", exceptSessionIds: ["s1"], sessionIds: ["s2"] };
  assert.deepEqual(decodeEvent(encodeEvent("n1", topic, { kind: "close", close })), { topic, event: { kind: "close", close } });
  const opened = { kind: "opened" as const, sessionId: "s", openedAtMs: 1234, originNode: "n1" };
  assert.deepEqual(decodeEvent(encodeEvent("n1", topic, opened)), { topic, event: opened });
  const foreign = FanoutMessage.encode({
    originNode: "n1",
    topic: "channel:1",
    exceptSessionId: "",
    previousTags: {},
    hasPrevious: false,
    kind: { $case: "opened", value: { sessionId: "s", openedAtMs: "1" } },
  }).finish();
  assert.equal(decodeEvent(foreign), null);
  const empty = FanoutMessage.encode({
    originNode: "n1",
    topic,
    exceptSessionId: "",
    previousTags: {},
    hasPrevious: false,
    kind: undefined,
  }).finish();
  assert.equal(decodeEvent(empty), null);
});
