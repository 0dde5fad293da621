import type { Notification } from "../domain/notification.js";
import type { Broker, Subscription, TopicEvent } from "../domain/ports.js";
import { type Topic, userTopic } from "../domain/topic.js";
import { TopicListeners } from "./topic-listeners.js";

/** The broker of a single node: events go straight to this process's listeners. */
export class InProcessBroker implements Broker {
  readonly #listeners = new TopicListeners();
  readonly #onError: (err: unknown) => void;

  constructor(options: { onListenerError?: (err: unknown) => void } = {}) {
    this.#onError = options.onListenerError ?? (() => {});
  }

  async publish(topic: Topic, event: TopicEvent): Promise<void> {
    this.#listeners.deliver(topic, event, this.#onError);
  }

  async publishNotifications(list: Notification[]): Promise<Notification[]> {
    for (const n of list) this.#listeners.deliver(userTopic(n.userId), { kind: "notification", notification: n }, this.#onError);
    return [];
  }

  subscribe(topic: Topic, listener: (event: TopicEvent) => void): Subscription {
    this.#listeners.add(topic, listener);
    return { ready: Promise.resolve(), unsubscribe: () => void this.#listeners.remove(topic, listener) };
  }

  onReconnect(): () => void {
    return () => {};
  }
}
