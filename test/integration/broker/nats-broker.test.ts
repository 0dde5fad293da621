import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, test } from "vitest";
import { NatsBroker } from "../../../src/broker/nats-broker.js";
import { NatsLink } from "../../../src/broker/nats-link.js";
import { NatsPresence } from "../../../src/broker/nats-presence.js";
import { Subjects } from "../../../src/broker/subjects.js";
import type { UserEvent } from "../../../src/domain/ports.js";
import { userTopic } from "../../../src/domain/topic.js";
import { createLogger } from "../../../src/logger.js";
import { NatsCluster } from "../../support/nats-cluster.js";
import { waitFor } from "../../support/wait.js";

const NO_AUTH = { user: "", password: "", token: "", nkeySeedFile: "", credsFile: "", tls: null };
const close = (reason: string): UserEvent => ({
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
    const got: Array<[string, UserEvent]> = [];
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
    const onA: UserEvent[] = [];
    const onB: UserEvent[] = [];
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
});
