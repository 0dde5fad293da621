import type { Msg, Subscription as NatsSubscription } from "nats";
import { HeraldError } from "../domain/errors.js";
import type { Notification } from "../domain/notification.js";
import type { Broker, Subscription, TopicEvent } from "../domain/ports.js";
import { type Topic, userTopic } from "../domain/topic.js";
import type { Logger } from "../logger.js";
import { decodeEvent, encodeEvent } from "./broker-codec.js";
import type { NatsLink } from "./nats-link.js";
import { Subjects } from "./subjects.js";
import { TopicListeners } from "./topic-listeners.js";

/**
 * The broker over NATS (a single server or a cluster). A node subscribes to a
 * topic's subject while it holds at least one local subscriber of the topic
 * (subscribe on interest). It delivers its own publishes locally and its link
 * connects with `noEcho`, so it never receives them back: no subscriber gets
 * a message twice from its own node.
 *
 * Delivery between nodes is at most once: NATS core keeps nothing. Persistent
 * notifications are safe anyway: after a reconnect to NATS every connection
 * re-reads the store after the last seq it was sent (`onReconnect`), and a
 * seq that skips ahead makes the connection fetch the gap.
 */
export class NatsBroker implements Broker {
  readonly #link: NatsLink;
  readonly #nodeId: string;
  readonly #log: Logger;
  readonly #listeners = new TopicListeners();
  readonly #subs = new Map<Topic, NatsSubscription>();
  readonly #onListenerError: (err: unknown) => void;

  constructor(options: { link: NatsLink; nodeId: string; log: Logger }) {
    this.#link = options.link;
    this.#nodeId = options.nodeId;
    this.#log = options.log;
    this.#onListenerError = (err) => this.#log.error({ err }, "listener failed");
  }

  async publish(topic: Topic, event: TopicEvent): Promise<void> {
    this.#listeners.deliver(topic, event, this.#onListenerError);
    const nc = this.#link.connection;
    if (nc.isClosed()) throw new HeraldError("unavailable", "fan-out connection closed");
    try {
      nc.publish(Subjects.topic(topic), encodeEvent(this.#nodeId, topic, event));
    } catch (err) {
      throw new HeraldError("unavailable", "fan-out publish failed", { cause: err });
    }
  }

  async publishNotifications(list: Notification[]): Promise<Notification[]> {
    const failed: Notification[] = [];
    for (const n of list) {
      try {
        await this.publish(userTopic(n.userId), { kind: "notification", notification: n });
      } catch {
        failed.push(n);
      }
    }
    return failed;
  }

  subscribe(topic: Topic, listener: (event: TopicEvent) => void): Subscription {
    const nc = this.#link.connection;
    if (this.#listeners.add(topic, listener))
      this.#subs.set(topic, nc.subscribe(Subjects.topic(topic), { callback: (err, msg) => this.#receive(err, msg) }));
    // The flush round trip guarantees the server has the SUB before anything published after it.
    const ready = nc.isClosed() ? Promise.resolve() : nc.flush().catch(() => undefined);
    return {
      ready,
      unsubscribe: () => {
        if (this.#listeners.remove(topic, listener)) {
          this.#subs.get(topic)?.unsubscribe();
          this.#subs.delete(topic);
        }
      },
    };
  }

  onReconnect(listener: () => void): () => void {
    return this.#link.onReconnect(listener);
  }

  #receive(err: Error | null, msg: Msg): void {
    if (err) return this.#log.warn({ err }, "subscription error");
    let decoded: ReturnType<typeof decodeEvent>;
    try {
      decoded = decodeEvent(msg.data);
    } catch (e) {
      return this.#log.warn({ err: e }, "undecodable fan-out message dropped");
    }
    if (decoded) this.#listeners.deliver(decoded.topic, decoded.event, this.#onListenerError);
  }
}
