import assert from "node:assert/strict";
import { test } from "vitest";
import { InProcessBroker } from "../../../src/broker/in-process-broker.js";
import { TopicListeners } from "../../../src/broker/topic-listeners.js";
import type { Notification } from "../../../src/domain/notification.js";
import type { TopicEvent } from "../../../src/domain/ports.js";
import { userTopic } from "../../../src/domain/topic.js";

const close: TopicEvent = { kind: "close", close: { kind: "disconnected", reason: "", exceptSessionIds: [], sessionIds: [] } };

test("topic listeners: add reports the topic's first listener, remove its last; deliver survives a throwing listener", () => {
  const l = new TopicListeners();
  const got: string[] = [];
  const a = () => got.push("a");
  const b = () => {
    throw new Error("boom");
  };
  assert.equal(l.add(userTopic("u"), a), true);
  assert.equal(l.add(userTopic("u"), b), false);
  const errors: unknown[] = [];
  l.deliver(userTopic("u"), close, (e) => errors.push(e));
  assert.deepEqual(got, ["a"]);
  assert.equal(errors.length, 1);
  assert.equal(l.remove(userTopic("u"), a), false);
  assert.equal(l.remove(userTopic("u"), a), false, "removing twice is not a last removal");
  assert.equal(l.remove(userTopic("u"), b), true);
  assert.deepEqual(l.topics(), []);
});

test("in-process broker: a publish reaches the topic's subscribers only, until they unsubscribe", async () => {
  const broker = new InProcessBroker();
  const got: Array<[string, TopicEvent]> = [];
  const sub = broker.subscribe(userTopic("alice"), (e) => got.push(["alice", e]));
  broker.subscribe(userTopic("bob"), (e) => got.push(["bob", e]));
  await sub.ready;
  await broker.publish(userTopic("alice"), close);
  assert.deepEqual(got, [["alice", close]]);
  const n = { userId: "bob", seq: 1 } as Notification;
  assert.deepEqual(await broker.publishNotifications([n]), []);
  assert.deepEqual(got[1], ["bob", { kind: "notification", notification: n }]);
  sub.unsubscribe();
  await broker.publish(userTopic("alice"), close);
  assert.equal(got.length, 2);
});
