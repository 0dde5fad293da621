import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { NatsBroker } from "../../../src/broker/nats-broker.js";
import { NatsLink } from "../../../src/broker/nats-link.js";
import { NatsPresence } from "../../../src/broker/nats-presence.js";
import { Subjects } from "../../../src/broker/subjects.js";
import type { TopicEvent } from "../../../src/domain/ports.js";
import { roomTopic, userTopic } from "../../../src/domain/topic.js";
import { createLogger } from "../../../src/logger.js";
import { NatsCluster } from "../../support/nats-cluster.js";
import { waitFor } from "../../support/wait.js";

const NO_AUTH = { user: "", password: "", token: "", nkeySeedFile: "", credsFile: "", tls: null };
const close = (reason: string): TopicEvent => ({
  kind: "close",
  close: { kind: "disconnected", reason, exceptSessionIds: [], sessionIds: [] },
});

describe("NATS broker and presence between two nodes", () => {
  let nats: NatsCluster;
  const links: NatsLink[] = [];
  let a: NatsBroker;
  let b: NatsBroker;
  let presenceA: NatsPresence;

  async function node(nodeId: string): Promise<{ link: NatsLink; broker: NatsBroker; presence: NatsPresence }> {
    const log = createLogger({ level: "silent", nodeId });
    const link = await NatsLink.connect({ servers: [nats.servers[0]!.url], auth: NO_AUTH, nodeId, log });
    links.push(link);
    return { link, broker: new NatsBroker({ link, nodeId, log }), presence: new NatsPresence({ link, log }) };
  }

  /** The subjects node `name`'s connection is subscribed to, as the NATS server reports them. */
  async function subjectsOf(name: string): Promise<string[]> {
    const res = await fetch(`http://127.0.0.1:${nats.servers[0]!.monitorPort}/connz?subs=1`);
    const body = (await res.json()) as { connections: Array<{ name?: string; subscriptions_list?: string[] }> };
    return (body.connections.find((c) => c.name === `herald-${name}`)?.subscriptions_list ?? []).filter((s) => !s.startsWith("_INBOX"));
  }

  beforeAll(async () => {
    nats = await NatsCluster.start({ size: 1 });
    const na = await node("a");
    const nb = await node("b");
    a = na.broker;
    b = nb.broker;
    presenceA = na.presence;
    nb.presence.provide((userId) => (userId === "carol" ? 2 : 0));
  });
  afterAll(async () => {
    for (const l of links) await l.close();
    await nats?.cleanup();
  });

  test("a node listens to a topic's subject only while it holds a local subscriber, and once however many it holds", async () => {
    const topic = userTopic("alice");
    const subject = Subjects.topic(topic);
    assert.equal(subject, "herald.v1.user.YWxpY2U");
    const got: Array<[string, TopicEvent]> = [];
    const first = b.subscribe(topic, (e) => got.push(["first", e]));
    const second = b.subscribe(topic, (e) => got.push(["second", e]));
    await Promise.all([first.ready, second.ready]);
    assert.deepEqual(
      (await subjectsOf("b")).filter((s) => s === subject),
      [subject],
    );

    await a.publish(topic, close("one"));
    await waitFor(() => got.length === 2, { message: "both local subscribers got the event" });
    first.unsubscribe();
    assert.ok((await subjectsOf("b")).includes(subject), "still listening: one subscriber left");
    second.unsubscribe();
    await waitFor(async () => !(await subjectsOf("b")).includes(subject), { message: "unsubscribed after the last local subscriber" });
    await a.publish(topic, close("two"));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(got, [
      ["first", close("one")],
      ["second", close("one")],
    ]);
  });

  test("a node's own publish reaches its local subscribers once (local delivery, no echo) and other nodes' subscribers", async () => {
    const topic = userTopic("bob");
    const onA: TopicEvent[] = [];
    const onB: TopicEvent[] = [];
    const sa = a.subscribe(topic, (e) => onA.push(e));
    const sb = b.subscribe(topic, (e) => onB.push(e));
    await Promise.all([sa.ready, sb.ready]);
    await a.publish(topic, close("x"));
    assert.deepEqual(onA, [close("x")], "delivered locally before publish resolves");
    await waitFor(() => onB.length === 1, { message: "node b got it" });
    await b.publish(userTopic("someone-else"), close("y"));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(onA, [close("x")], "no echo, other topics not delivered");
    sa.unsubscribe();
    sb.unsubscribe();
  });

  test("presence: a node counts the connections other nodes hold of a user", async () => {
    assert.equal(await presenceA.remoteConnectionCount("carol"), 2);
    assert.equal(await presenceA.remoteConnectionCount("dave"), 0);
  });

  test("room topics: every room kind crosses nodes as it was published, on the room's own subject", async () => {
    const topic = roomTopic("team:42");
    assert.equal(Subjects.topic(topic), `herald.v1.room.${Buffer.from("team:42").toString("base64url")}`);
    const t = new Date("2026-12-04T10:00:00.000Z");
    const message = {
      id: "0193a0b0-0000-7000-8000-000000000001",
      roomId: "team:42",
      senderId: "alice",
      content: { text: "hi", n: 1.5, nested: { ok: true } },
      tags: { lang: "en" },
      createdAt: t,
      updatedAt: t,
      seq: 7,
      deleted: false,
    };
    const events: TopicEvent[] = [
      {
        kind: "room_event",
        event: {
          roomId: "team:42",
          seq: 7,
          kind: "message",
          message,
          previousContent: null,
          previousTags: null,
          time: t,
          persistent: true,
        },
      },
      { kind: "typing", roomId: "team:42", userId: "alice", typing: true, exceptSessionId: "s-1" },
      { kind: "presence", roomId: "team:42", userId: "bob", joined: false, userCount: 3, volatile: { device: "phone" } },
      { kind: "end_subscriptions", roomId: "team:42", userIds: ["carol"], reason: "removed" },
    ];
    const got: TopicEvent[] = [];
    const sb = b.subscribe(topic, (e) => got.push(e));
    await sb.ready;
    for (const e of events) await a.publish(topic, e);
    await waitFor(() => got.length === events.length, { message: "node b got every room event" });
    assert.deepEqual(got, events);
    sb.unsubscribe();

    const activity: TopicEvent = { kind: "room_activity", roomId: "team:42", messageId: message.id, seq: 7, senderId: "alice" };
    const onUser: TopicEvent[] = [];
    const su = b.subscribe(userTopic("dave"), (e) => onUser.push(e));
    await su.ready;
    await a.publish(userTopic("dave"), activity);
    await waitFor(() => onUser.length === 1, { message: "room activity reached the user's topic on node b" });
    assert.deepEqual(onUser, [activity]);
    su.unsubscribe();
  });
});
